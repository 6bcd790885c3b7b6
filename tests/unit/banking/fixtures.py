"""Where the banking fixtures live, and how tests read them."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "banking"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
