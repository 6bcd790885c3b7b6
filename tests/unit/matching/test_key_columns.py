"""The lines' keys as the store reads them: trusted where the current derivation wrote
them, worked out anew where another (or none) did, or where an advice joins the
purpose; and stored as read back."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from belegsync.matching.line_keys import KEYS_VERSION, KeyColumns
from belegsync.matching.periods import period_tokens

NAMES = ["Müller Bau GmbH", "", "Stadtwerke", "PayPal Europe"]
IBANS = ["DE02120300000000202051", "", "DE17100500000123456789", ""]
CREDITORS = ["", "", "DE98ZZZ09999999999", ""]
PURPOSES = ["RE 2024-0042 und 4711, Miete 02/2026", "Rücklastschrift", "", "Auszahlung 88123"]
ALL = np.arange(len(NAMES), dtype=np.int64)
NONE = np.zeros(len(NAMES), dtype=np.bool_)


def _fresh() -> KeyColumns:
    return KeyColumns.of(NAMES, IBANS, CREDITORS, PURPOSES)


def _read(
    stored: Sequence[bytes | None],
    purposes: list[str] = PURPOSES,
    advised: npt.NDArray[np.bool_] = NONE,
) -> KeyColumns:
    return KeyColumns.stored(stored, NAMES, IBANS, CREDITORS, purposes, advised)


def _pairs(keys: KeyColumns) -> list[tuple[int, int]]:
    return list(zip(keys.number_rows.tolist(), keys.numbers.tolist(), strict=True))


def _periods(keys: KeyColumns) -> list[tuple[int, int]]:
    return list(zip(keys.period_rows.tolist(), keys.periods.tolist(), strict=True))


def _same(first: KeyColumns, second: KeyColumns) -> None:
    for a, b in zip(first.integers(), second.integers(), strict=True):
        assert a.tolist() == b.tolist()
    assert _pairs(first) == _pairs(second)
    assert _periods(first) == _periods(second)


def _value(version: int, keys: int, numbers: list[int]) -> bytes:
    return np.array([version, *[keys] * 6, *numbers], dtype="<i8").tobytes()


def test_keys_stored_and_read_back_are_the_keys_worked_out() -> None:
    read = _read(_fresh().stored_values(ALL))
    _same(read, _fresh())
    assert not read.to_store.any()  # nothing new to store
    assert {20240042, 4711, 88123} <= set(read.numbers.tolist())
    assert any(read.purpose_marks) and any(read.name_marks)
    # the month the first purpose names, stored after its numbers
    assert _periods(read) == [(0, int(period_tokens(["02/2026"])[1][0]))]
    position, tokens = read.periods_of(np.array([0, 3], dtype=np.int64))
    assert (position.tolist(), tokens.tolist()) == ([0], read.periods.tolist())


def test_stored_keys_are_read_where_current_and_worked_out_where_stale() -> None:
    stored: list[bytes | None] = [
        _value(KEYS_VERSION, 7, [9999]),
        None,  # never keyed
        _value(KEYS_VERSION - 1, 7, [9999]),  # an older derivation
        _value(KEYS_VERSION, 7, []),
    ]

    read = _read(stored)

    fresh = _fresh()
    for column, worked_out in zip(read.integers(), fresh.integers(), strict=True):
        listed = column.tolist()
        assert listed[0] == listed[3] == 7  # as stored: the current derivation wrote them
        assert listed[1:3] == worked_out.tolist()[1:3]  # worked out anew
    # the numbers: row 0 as stored, rows 1 and 2 as their purposes hold them (none)
    assert _pairs(read) == [(0, 9999)]
    assert _periods(read) == []  # row 0's as stored: none
    assert read.to_store.tolist() == [False, True, True, False]


def test_a_line_with_an_advice_is_keyed_when_read_and_not_stored() -> None:
    """The purpose as matching reads it holds the advice, which may come after the line's
    keys were stored: such a line is keyed from what is read now, and not kept."""
    advised = np.array([False, False, True, False])
    with_advice = [*PURPOSES[:2], "Avis: RE 2024-0777", PURPOSES[3]]

    read = _read(_fresh().stored_values(ALL), with_advice, advised)

    assert (2, 20240777) in set(_pairs(read))
    assert read.to_store.tolist() == [False, False, False, False]


def test_lines_read_without_keys_are_keyed_from_their_texts_and_stored() -> None:
    read = _read([None, b"", None, b""])
    _same(read, _fresh())
    rows, values = read.storable()
    assert rows == [0, 1, 2, 3]
    first = np.frombuffer(values[0], "<i8").tolist()
    assert first[0] == KEYS_VERSION
    assert {20240042, 4711} <= set(first[7:])
    assert len(values[2]) == 7 * 8  # no numbers


def test_the_keys_of_some_rows_are_those_of_a_read_of_those_rows_alone() -> None:
    rows = np.array([0, 3], dtype=np.int64)
    alone = KeyColumns.of(
        [NAMES[0], NAMES[3]],
        [IBANS[0], IBANS[3]],
        [CREDITORS[0], CREDITORS[3]],
        [PURPOSES[0], PURPOSES[3]],
    )
    _same(_fresh().take(rows), alone)


def test_a_stored_value_no_run_wrote_is_read_as_not_keyed() -> None:
    """A value cut short (or written by hand) is no reason for a run to fail: its line is
    keyed anew and stored again."""
    good = _fresh().stored_values(ALL)
    torn: list[bytes | None] = [good[0][:-3], b"\x01", good[2], good[3][:8]]

    read = _read(torn)

    _same(read, _fresh())
    assert read.to_store.tolist() == [True, True, False, True]


def test_stale_lines_keyed_anew_keep_each_lines_tokens_in_order() -> None:
    """Lines read as stored and lines keyed anew side by side: every line's numbers and
    periods are its own, in their order, as one read of all from their texts gives."""
    purposes = ["Miete 02/2026 und 03/2026", "Q2/2026 RE 5512", "Leasing 04.2026", "RE 7788"]
    fresh = KeyColumns.of(NAMES, IBANS, CREDITORS, purposes)
    stored: list[bytes | None] = list(fresh.stored_values(ALL))
    stored[1] = None
    stored[2] = _value(KEYS_VERSION - 1, 7, [1])

    read = _read(stored, purposes)

    _same(read, fresh)
    assert read.to_store.tolist() == [False, True, True, False]
    position, _ = read.periods_of(np.array([1, 2], dtype=np.int64))
    assert position.tolist() == [0, 0, 1]  # line 1: "2/2026" and Q2; line 2: 04.2026
