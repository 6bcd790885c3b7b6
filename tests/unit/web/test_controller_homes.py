"""Controllers parse, call a use case or a read model of the unit of work, and render:
the pages moved to read models never reach for the database session themselves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONTROLLERS = Path(__file__).resolve().parents[3] / "src/belegsync/web/controllers"
MOVED = ("banking.py", "exports.py", "overview.py", "staff_lists.py")


@pytest.mark.parametrize("name", MOVED)
def test_controller_reads_through_the_unit_of_work(name: str) -> None:
    source = (CONTROLLERS / name).read_text()
    assert re.findall(r"\buow\.session\b|\bsession\s*[:=]", source) == []
    assert "sqlalchemy" not in source
