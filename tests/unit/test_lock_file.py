"""requirements.lock makes "pinned" true: every dependency of pyproject.toml has an exact
version there (``make lock`` renews it), and the two README commands install from it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _locked() -> dict[str, str]:
    locked: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            locked[_name(name)] = version.strip()
    return locked


def test_every_dependency_is_locked_to_one_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = _locked()
    missing = sorted(_name(req) for req in wanted if _name(req) not in locked)
    assert missing == []
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in locked.values())


def test_the_readme_commands_install_from_the_lock_file() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "-c requirements.lock" in makefile
