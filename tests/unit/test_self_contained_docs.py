"""The repository explains itself: nothing in it points at design material outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Built from parts so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join([r"\.\./" + "shared", "SP" + r"EC §", "design " + "note", "STY" + r"LE\.md"])
)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = {".py", ".md", ".html", ".toml", ".txt", ".po", ".ini", ".cfg", ".js", ".css"}
    return [ROOT / name for name in listed if Path(name).suffix in suffixes or name == "Makefile"]


def test_no_file_refers_to_material_outside_the_repository() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _tracked_text_files()
        if path.is_file()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert offenders == []


def test_the_docs_the_readme_names_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"`((?:docs/)?[A-Za-z_]+\.md)`", readme))
    assert {"docs/architecture.md", "docs/operations.md", "CONTRIBUTING.md"} <= named
    missing = [name for name in named if not (ROOT / name).is_file()]
    assert missing == []
