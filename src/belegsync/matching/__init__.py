"""Matching of expected payments (Lexware payment items) to bank transactions."""

from __future__ import annotations

from belegsync.matching.engine import MatchResult, match
from belegsync.matching.memory import IbanContactMemory, MemoryRow
from belegsync.matching.params import ENGINE_VERSION, MatchParams

__all__ = [
    "ENGINE_VERSION",
    "IbanContactMemory",
    "MatchParams",
    "MatchResult",
    "MemoryRow",
    "match",
]
