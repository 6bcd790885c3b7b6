"""The lines' keys as the store reads them: trusted where the current derivation wrote
them, worked out anew where another (or none) did."""

from __future__ import annotations

from belegsync.domain.line_keys import KEYS_VERSION
from belegsync.matching.columns import KeyColumns

NAMES = ["Müller Bau GmbH", "", "Stadtwerke", "Dr. Anna Schulz"]
IBANS = ["DE02120300000000202051", "", "DE17100500000123456789", ""]
CREDITORS = ["", "", "DE98ZZZ09999999999", ""]


def test_stored_keys_are_read_where_current_and_worked_out_where_stale() -> None:
    fresh = KeyColumns.of(NAMES, IBANS, CREDITORS)
    stored = {
        "name_key": [7, 7, 7, 7],
        "name_words": [7, 7, 7, 7],
        "iban_key": [7, 7, None, 7],
        "creditor_key": [7, 7, 7, 7],
        "keys_version": [KEYS_VERSION, None, KEYS_VERSION - 1, KEYS_VERSION],
    }

    read = KeyColumns.stored(stored, NAMES, IBANS, CREDITORS)

    for name in ("name", "words", "iban", "creditor"):
        column = getattr(read, name).tolist()
        # rows 0 and 3: as stored (the current derivation wrote them)
        assert column[0] == column[3] == 7
        # rows 1 and 2: worked out anew
        assert column[1:3] == getattr(fresh, name).tolist()[1:3]


def test_lines_read_without_keys_are_keyed_from_their_texts() -> None:
    read = KeyColumns.stored({}, NAMES, IBANS, CREDITORS)
    fresh = KeyColumns.of(NAMES, IBANS, CREDITORS)
    assert read.name.tolist() == fresh.name.tolist()
    assert read.creditor.tolist() == fresh.creditor.tolist()
