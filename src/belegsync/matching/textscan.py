"""Reference numbers in remittance texts, read with numpy over all transactions at once.

A voucher number is looked for by its digits (``RE-2024-0042`` → ``20240042``; leading
zeros do not count). Payers write numbers with separators, spaces or across cut lines
(``RE 24 0142``, ``24/0142``, ``RE-2024-00⏎42``), so consecutive digit groups joined
by one ``-``, ``/``, ``.``, space or line break are read together as well (up to four
groups). Periods and dates are never read as numbers: ``02/2026``, ``Miete 02.2026``,
``15.03.2024`` and ``2024-03-15`` are skipped (rent for February 2026 is not voucher
``22026``).

:func:`digit_tokens` returns, per candidate token, its row and numeric value; callers
look the values up in the (much smaller) set of voucher and customer numbers.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_GROUPS", "digit_tokens", "digit_value"]

IntArray = npt.NDArray[np.int64]
MAX_GROUPS = 4
_MAX_DIGITS = 18
_NON_DIGITS = re.compile(r"[^0-9]+")
_CHUNK_ROWS = 1 << 17
_SEP = 0x1F
_POW10 = np.array([10**k for k in range(_MAX_DIGITS + 1)], dtype=np.int64)
_LINK_BYTES = np.zeros(256, dtype=np.bool_)
for _byte in b"-/. \n":
    _LINK_BYTES[_byte] = True
_DATE_SEPARATORS = np.zeros(256, dtype=np.bool_)
for _byte in b"-/.":
    _DATE_SEPARATORS[_byte] = True


def digit_value(token: str) -> int | None:
    """The numeric key of a reference token: its digits, if 4–18 significant ones."""
    digits = _NON_DIGITS.sub("", token).lstrip("0")
    if not 4 <= len(digits) <= _MAX_DIGITS:
        return None
    return int(digits)


def digit_tokens(texts: list[str], *, max_groups: int = MAX_GROUPS) -> tuple[IntArray, IntArray]:
    """(row, value) of every candidate number token in ``texts`` (value ≥ 1000)."""
    rows: list[IntArray] = []
    values: list[IntArray] = []
    for start in range(0, len(texts), _CHUNK_ROWS):
        r, v = _chunk_tokens(texts[start : start + _CHUNK_ROWS], max_groups)
        rows.append(r + start)
        values.append(v)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(rows), np.concatenate(values)


def _blob(texts: list[str]) -> npt.NDArray[np.uint8]:
    blob = "\x1f".join(texts).encode("utf-8", "replace")
    if blob.count(b"\x1f") != max(0, len(texts) - 1):
        blob = "\x1f".join(t.replace("\x1f", " ") for t in texts).encode("utf-8", "replace")
    return np.frombuffer(blob, dtype=np.uint8)


def _chunk_tokens(texts: list[str], max_groups: int) -> tuple[IntArray, IntArray]:
    arr = _blob(texts)
    is_digit = (arr >= 48) & (arr <= 57)
    padded = np.zeros(arr.size + 2, dtype=np.bool_)
    padded[1:-1] = is_digit
    # digit groups begin and end where the flag changes, alternately
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = changes[0::2], changes[1::2]
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    lengths = ends - starts
    groups = starts.size
    row = np.searchsorted(np.flatnonzero(arr == _SEP), starts, side="right").astype(np.int64)
    value = _group_values(arr, starts, lengths)
    long_group = lengths > _MAX_DIGITS
    # how a group is linked to the next one: exactly one linking byte, same row
    gap = np.empty(groups, dtype=np.int64)
    gap[:-1] = starts[1:] - ends[:-1]
    gap[-1] = 0
    link_byte = arr[np.minimum(ends, arr.size - 1)]
    linked = (gap == 1) & _LINK_BYTES[link_byte]
    linked[-1] = False
    date_link = linked & _DATE_SEPARATORS[link_byte]
    skip = long_group | _periods_and_dates(lengths, value, date_link)
    out_rows: list[IntArray] = []
    out_values: list[IntArray] = []
    # chains starting at group ``first``, extended by one group per step while linked
    first = np.flatnonzero(~skip)
    chain = value[first]
    digits = lengths[first]
    for k in range(max_groups):
        keep = (digits <= _MAX_DIGITS) & (chain >= 1000)
        out_rows.append(row[first[keep]])
        out_values.append(chain[keep])
        if k == max_groups - 1:
            break
        nxt = first + k + 1
        go = nxt < groups
        go[go] &= linked[nxt[go] - 1] & ~skip[nxt[go]]
        nxt = nxt[go]
        digits = digits[go] + lengths[nxt]
        safe = digits <= _MAX_DIGITS
        nxt, digits = nxt[safe], digits[safe]
        first = first[go][safe]
        chain = chain[go][safe] * _POW10[lengths[nxt]] + value[nxt]
        if first.size == 0:
            break
    return np.concatenate(out_rows), np.concatenate(out_values)


def _group_values(arr: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray) -> IntArray:
    """Numeric value of each digit group, digit by digit (groups longer than 18 digits
    are never numbers we want: only their first 18 count). The groups are ordered by
    length, longest first, so the groups still that long are always a prefix."""
    order = np.argsort(-np.minimum(lengths, _MAX_DIGITS), kind="stable")
    at = starts[order]
    longer = np.bincount(np.minimum(lengths, _MAX_DIGITS), minlength=_MAX_DIGITS + 1)
    # groups with more than k digits, for every k
    remaining = starts.size - np.cumsum(longer)
    value = np.zeros(starts.size, dtype=np.int64)
    for k in range(_MAX_DIGITS):
        count = int(remaining[k])
        if count == 0:
            break
        head = value[:count]
        head *= 10
        head += arr[at[:count] + k]
        head -= 48
    out = np.empty_like(value)
    out[order] = value
    return out


def _periods_and_dates(
    lengths: IntArray, value: IntArray, date_link: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    """Groups that belong to a period (``02/2026``) or a date (``15.03.2024``)."""
    n = lengths.size
    skip = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return skip
    short = lengths <= 2
    month = short & (value >= 1) & (value <= 12)
    year = (lengths == 4) & (value >= 1990) & (value <= 2099)
    # MM/YYYY
    period = month[:-1] & date_link[:-1] & year[1:]
    skip[:-1] |= period
    skip[1:] |= period
    if n >= 3:
        # DD.MM.YYYY
        dmy = short[:-2] & date_link[:-2] & month[1:-1] & date_link[1:-1] & year[2:]
        # YYYY-MM-DD
        ymd = year[:-2] & date_link[:-2] & month[1:-1] & date_link[1:-1] & short[2:]
        both = dmy | ymd
        skip[:-2] |= both
        skip[1:-1] |= both
        skip[2:] |= both
    return skip
