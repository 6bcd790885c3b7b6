"""The docs name only what exists: every ``belegsync`` command and option they show is in the
command's parser, every path they name is in the repository, every bench is listed."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from belegsync.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
# Files the running app makes in its data directory or the tests write: not in the repository.
MADE_AT_RUN_TIME = {
    "secrets.key",
    "session.key",
    "files/",
    "test-output/screenshots/",
    "demo-sepa-sammler/",  # the demo writes the firm's SEPA files into its data directory
}
PATH = re.compile(r"^\.?[\w-]+(?:/[\w.-]+)*(?:/|\.(?:py|md|toml|lock|cfg|ini|html|po|css|js))$")


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _spans(text: str) -> list[str]:
    """Inline code spans and the lines of code blocks."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    outside = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return re.findall(r"`([^`\n]+)`", outside) + lines


def _invocations(text: str) -> list[str]:
    found = []
    for span in _spans(text):
        code = span.split("#")[0]  # a shell comment is prose
        for match in re.finditer(r"(?:^|[\s(])belegsync ([a-z].*)", code):
            found.append(match.group(1).strip())
    return found


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def _problems(invocation: str) -> list[str]:
    """What in ``belegsync <invocation>`` the parser does not know."""
    words = invocation.replace("\\|", "|").split()
    parser = build_parser()
    known = _subcommands(parser)
    if words[0] not in known:
        return [f"no command {words[0]!r}"]
    parser = known[words[0]]
    rest = words[1:]
    nested = _subcommands(parser)
    if nested and rest and not rest[0].startswith(("[", "-")) and rest[0].islower():
        if rest[0] not in nested:
            # "user disable EMAIL / user enable EMAIL": each word before a capital is a choice
            return [f"no subcommand {words[0]} {rest[0]!r}"]
        parser = nested[rest[0]]
    options = set(re.findall(r"--[a-z][a-z-]*", invocation))
    return [f"no option {option}" for option in sorted(options - _options(parser))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_the_docs_show_exists(doc: Path) -> None:
    problems = {
        f"belegsync {invocation}": found
        for invocation in _invocations(_text(doc))
        if (found := _problems(invocation))
    }
    assert problems == {}


def test_the_readme_shows_every_command() -> None:
    shown = {invocation.split()[0] for invocation in _invocations(_text(ROOT / "README.md"))}
    assert set(_subcommands(build_parser())) - shown == set()


def _exists(name: str) -> bool:
    if "/" not in name and not (ROOT / name).exists():  # a module named in its package's context
        return any((ROOT / "src" / "belegsync").rglob(name))
    return any(
        (base / name.lstrip("./")).exists()
        for base in (ROOT, ROOT / "src", ROOT / "src" / "belegsync")
    )


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_the_docs_name_exists(doc: Path) -> None:
    named = {span for span in _spans(_text(doc)) if PATH.match(span)}
    missing = sorted(name for name in named - MADE_AT_RUN_TIME if not _exists(name))
    assert missing == []


def test_the_readme_layout_is_the_repository() -> None:
    readme = _text(ROOT / "README.md")
    layout = readme.split("## Layout", 1)[1].split("```", 2)[1]
    packages = re.findall(r"^  ([a-z_]+)/ ", layout, flags=re.M)
    on_disk = {
        p.name for p in (ROOT / "src" / "belegsync").iterdir() if (p / "__init__.py").is_file()
    }
    assert set(packages) == on_disk
    tests_line = next(line for line in layout.splitlines() if line.startswith("tests/"))
    listed = re.findall(r"\b([a-z0-9_]+)/", tests_line.split("(")[0])[1:]
    test_folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir()}
    assert set(listed) == test_folders - {"__pycache__"}


def test_the_readme_lists_every_bench() -> None:
    listed = set(re.findall(r"^\| `(bench/[a-z_]+\.py)` \|", _text(ROOT / "README.md"), re.M))
    scripts = {f"bench/{p.name}" for p in (ROOT / "bench").glob("[!_]*.py")}
    assert listed == scripts
