"""Reference numbers in remittance texts, read with numpy over all transactions at once.

A voucher number is looked for by its digits (``RE-2024-0042`` → ``20240042``; leading
zeros do not count). Payers write numbers with separators, spaces or across cut lines
(``RE 24 0142``, ``24/0142``, ``RE-2024-00⏎42``), so consecutive digit groups joined
by one ``-``, ``/``, ``.``, space or line break — or by a line break next to one of
those (``2024⏎/1930``: a line cut at the separator) — are read together as well (up to
four groups). Periods and dates are never read as numbers: ``02/2026``, ``Miete 02.2026``,
``15.03.2024`` and ``2024-03-15`` are skipped (rent for February 2026 is not voucher
``22026``), and neither are amounts (``Betrag 1.234,56`` names no voucher ``1234``).
A key that reads as a year (four digits, 1990–2099) is no key at all: a voucher
numbered ``Beitragsbescheid 2024`` is not named by every line mentioning 2024
("Kfz-Steuer 2024"); it is found by its short number after an invoice keyword instead.

:func:`digit_tokens` returns, per candidate token, its row and numeric value; callers
look the values up in the (much smaller) set of voucher and customer numbers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["FIRST_YEAR", "LAST_YEAR", "MAX_GROUPS", "TextBlob", "digit_tokens", "digit_value"]

IntArray = npt.NDArray[np.int64]
MAX_GROUPS = 4
# four digits in this range read as a year: in a period or date, or alone ("Beitrag 2024")
FIRST_YEAR, LAST_YEAR = 1990, 2099
_MAX_DIGITS = 18
_NON_DIGITS = re.compile(r"[^0-9]+")
# rows per chunk: number tokens are read fastest in small chunks (their arrays stay in
# the cache), markers in large ones (fewer steps per marker)
_TOKEN_ROWS = 1 << 15
_SEARCH_ROWS = 1 << 17
_SEP = 0x1F
_LF = 0x0A
_POW10 = np.array([10**k for k in range(_MAX_DIGITS + 1)], dtype=np.int64)
_LINK_BYTES = np.zeros(256, dtype=np.bool_)
for _byte in b"-/. \n":
    _LINK_BYTES[_byte] = True
_COMMA, _DASH, _DOT = ord(","), ord("-"), ord(".")
_DATE_SEPARATORS = np.zeros(256, dtype=np.bool_)
for _byte in b"-/.":
    _DATE_SEPARATORS[_byte] = True
# _UPPER[b]: byte b with ASCII letters upper-cased, as the marker search reads it;
# _UPPER_WORDS the same for both bytes of each 16-bit word
_UPPER = np.frombuffer(bytes(range(256)).upper(), dtype=np.uint8)
_UPPER_WORDS = (
    _UPPER[np.arange(1 << 16) & 0xFF].astype(np.uint16)
    | _UPPER[np.arange(1 << 16) >> 8].astype(np.uint16) << 8
)


def digit_value(token: str) -> int | None:
    """The numeric key of a reference token: its digits, if 4–18 significant ones that
    do not read as a year (a number that is a year names no voucher alone)."""
    digits = _NON_DIGITS.sub("", token).lstrip("0")
    if not 4 <= len(digits) <= _MAX_DIGITS:
        return None
    value = int(digits)
    return None if FIRST_YEAR <= value <= LAST_YEAR else value


def digit_tokens(
    texts: list[str], *, max_groups: int = MAX_GROUPS, blob: TextBlob | None = None
) -> tuple[IntArray, IntArray]:
    """(row, value) of every candidate number token in ``texts`` (value ≥ 1000);
    ``blob``: the texts joined, where the caller has them."""
    blob = TextBlob(texts) if blob is None else blob
    at, values = blob.number_tokens(max_groups=max_groups)
    return blob.rows_at(at), values


class TextBlob:
    """A text column joined once (rows separated by ``\x1f``) as UTF-8, read in chunks
    of rows: number tokens, and markers (ASCII) found in every row read upper-cased at
    once (a run looks for returned debits and payment providers in the same texts).

    The text is not upper-cased (that costs as much as joining it): the marker search
    reads ASCII letters upper-cased itself, and upper case turns no other character
    into ASCII but the few of ``_TO_ASCII_LETTERS`` (``ß`` → ``SS``, ``ſ`` → ``S``,
    ligatures): the rows holding one of those (found by their bytes) are searched
    upper-cased in Python as well.

    Upper case would not change what :func:`digit_tokens` reads either: no character
    but an ASCII digit, ``-/.``, space, line break or ``\x1f`` upper-cases to one of
    them, and those stay themselves (checked over all of Unicode in the tests).
    """

    __slots__ = (
        "_arr",
        "_data",
        "_folding",
        "_replaced",
        "_rows",
        "_rows_of",
        "_separators",
        "_texts",
    )

    def __init__(self, texts: list[str]) -> None:
        self._rows = len(texts)
        self._texts = texts
        joined = "\x1f".join(texts)
        self._data = joined.encode("utf-8", "replace")
        self._arr = np.frombuffer(self._data, dtype=np.uint8)
        self._separators = _separators(self._arr)
        self._replaced = self._separators.size != max(0, self._rows - 1)
        if self._replaced:
            # a text holds the separator itself: it is a space there
            self._data = "\x1f".join(t.replace("\x1f", " ") for t in texts).encode(
                "utf-8", "replace"
            )
            self._arr = np.frombuffer(self._data, dtype=np.uint8)
            self._separators = _separators(self._arr)
        self._rows_of: dict[bytes, IntArray] = {}
        # rows holding a character that upper-cases to ASCII letters (none in ASCII)
        self._folding: list[int] = (
            []
            if joined.isascii()
            else sorted(set(self.rows_at(_folding_positions(self._arr)).tolist()))
        )

    def _chunks(self, rows: int) -> list[tuple[int, int]]:
        """Byte ranges of ``rows`` rows each, without their separators."""
        seps = self._separators
        n, size = self._rows, self._arr.size
        return [
            (
                0 if first == 0 else int(seps[first - 1]) + 1,
                size if last >= n else int(seps[last - 1]),
            )
            for first in range(0, n, rows)
            for last in (first + rows,)
        ]

    def rows_at(self, positions: IntArray) -> IntArray:
        """The row of each byte position."""
        return np.searchsorted(self._separators, positions, side="right").astype(np.int64)

    def number_tokens(self, *, max_groups: int = MAX_GROUPS) -> tuple[IntArray, IntArray]:
        """(byte position, value) of every candidate number token, in the order
        :func:`digit_tokens` gives them (``rows_at`` turns positions into rows)."""
        at: list[IntArray] = []
        values: list[IntArray] = []
        for lo, hi in self._chunks(_TOKEN_ROWS):
            p, v = _chunk_tokens(self._arr[lo:hi], max_groups)
            at.append(p + lo)
            values.append(v)
        if not at:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(at), np.concatenate(values)

    def months(self) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
        """(byte position, year × 12 + month − 1, part of a full date) of every month
        named as ``periods.PERIOD_RE`` reads one (``02/2026``, ``2 . 2026``), in the
        order of the text. Only where no text held the separator itself (``exact``)."""
        at: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        codes: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        in_date: list[npt.NDArray[np.bool_]] = [np.zeros(0, dtype=np.bool_)]
        for lo, hi in self._chunks(_TOKEN_ROWS):
            p, c, d = _chunk_months(self._arr[lo:hi])
            at.append(p + lo)
            codes.append(c)
            in_date.append(d)
        return np.concatenate(at), np.concatenate(codes), np.concatenate(in_date)

    @property
    def exact(self) -> bool:
        """Whether the joined bytes hold every text as written (no text held the
        separator, which is read as a space there)."""
        return not self._replaced

    def search(self, markers: Sequence[bytes]) -> None:
        """Find every occurrence of ``markers`` not looked for yet, in one pass."""
        todo = [m for m in dict.fromkeys(markers) if m not in self._rows_of]
        if not todo:
            return
        found: list[list[IntArray]] = [[] for _ in todo]
        for lo, hi in self._chunks(_SEARCH_ROWS):
            for each, pos in zip(found, _marker_positions(self._arr[lo:hi], todo), strict=True):
                each.append(pos + lo)
        for marker, each in zip(todo, found, strict=True):
            pos = np.concatenate(each) if each else np.zeros(0, dtype=np.int64)
            rows = self.rows_at(pos)
            if self._folding:
                word = marker.decode("ascii")
                more = [r for r in self._folding if word in self._texts[r].upper()]
                rows = np.concatenate((rows, np.asarray(more, dtype=np.int64)))
            self._rows_of[marker] = rows

    def marker_rows(self, marker: bytes) -> IntArray:
        """The rows mentioning ``marker`` (searched before), once per occurrence."""
        return self._rows_of[marker]

    def rows_mentioning(self, markers: Sequence[bytes]) -> set[int]:
        """Rows whose upper-cased text contains one of ``markers`` (ASCII)."""
        self.search(markers)
        out: set[int] = set()
        for marker in markers:
            out.update(self._rows_of[marker].tolist())
        return out


# The characters whose upper case holds an ASCII letter, but which are not ASCII
# themselves (checked over all of Unicode in the tests), and their UTF-8 bytes.
_TO_ASCII_LETTERS = "ßıŉſǰẖẗẘẙẚﬀﬁﬂﬃﬄﬅﬆ"
_FOLDING_BYTES = [c.encode() for c in _TO_ASCII_LETTERS]
_FOLDING_LEAD = min(b[0] for b in _FOLDING_BYTES)


def _folding_positions(arr: npt.NDArray[np.uint8]) -> IntArray:
    """Where one of ``_TO_ASCII_LETTERS`` begins in the UTF-8 bytes ``arr``: among the
    bytes that may lead one (few in most text), those followed by its other bytes."""
    at = np.flatnonzero(arr >= _FOLDING_LEAD)
    found: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    for encoded in _FOLDING_BYTES:
        pos = at[at + len(encoded) <= arr.size]
        for k, byte in enumerate(encoded):
            pos = pos[arr[pos + k] == byte]
        found.append(pos)
    return np.concatenate(found)


def _separators(arr: npt.NDArray[np.uint8]) -> IntArray:
    step = 1 << 22
    parts = [np.flatnonzero(arr[lo : lo + step] == _SEP) + lo for lo in range(0, arr.size, step)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


# Letters from rarest to most common in German text: each marker is looked for by its
# rarest pair of letters first, so few positions are left to compare in full.
_LETTER_RANK = {c: i for i, c in enumerate(b"QXYJVPZKFWBOMGCULHDTARSINE")}


def _rank(marker: bytes, k: int) -> int:
    return _LETTER_RANK.get(marker[k], 0) + _LETTER_RANK.get(marker[k + 1], 0)


def _anchor(marker: bytes) -> int:
    """Offset of the marker's pair of bytes that is least common in ordinary text."""
    return min(range(len(marker) - 1), key=lambda k: _rank(marker, k))


def _anchor3(marker: bytes) -> int:
    """Offset of the marker's three bytes whose two pairs are least common."""
    return min(range(len(marker) - 2), key=lambda k: _rank(marker, k) + _rank(marker, k + 1))


def _marker_positions(arr: npt.NDArray[np.uint8], markers: Sequence[bytes]) -> list[IntArray]:
    """Start of every occurrence of each marker in ``arr`` read upper-cased
    (``bytes.upper().find`` for all of them at once), per marker: positions of each
    marker's rarest pair of bytes, read as 16-bit words, then compared byte by byte.

    Markers of three bytes or more are found from the words at even offsets alone:
    of three consecutive bytes, the first two or the last two start at an even offset.
    """
    n = arr.size
    found: list[IntArray] = [np.zeros(0, dtype=np.int64) for _ in markers]
    long = [i for i, m in enumerate(markers) if len(m) >= 2]
    for i, marker in enumerate(markers):
        if len(marker) == 1:
            found[i] = np.flatnonzero(_UPPER[arr] == marker[0])
    if not long or n < 2:
        return found
    # per marker: its pairs of bytes as words, and their offsets in the marker
    pairs: list[list[tuple[int, int]]] = []
    if all(len(markers[i]) >= 3 for i in long):
        for i in long:
            marker, k = markers[i], _anchor3(markers[i])
            pairs.append([(marker[j] | marker[j + 1] << 8, j) for j in (k, k + 1)])
        even = arr if n % 2 == 0 else np.append(arr, np.uint8(0))
        words = even.view("<u2")
        table = _words_folding_to(pairs)
        hits = np.flatnonzero(table[words])
        hit_words = _UPPER_WORDS[words[hits]]
        hits *= 2
    else:
        for i in long:
            marker, k = markers[i], _anchor(markers[i])
            pairs.append([(marker[k] | marker[k + 1] << 8, k)])
        table = _words_folding_to(pairs)
        starts, found_words = [], []
        for offset in (0, 1):
            count = (n - offset) // 2
            words = arr[offset : offset + 2 * count].view("<u2")
            at = np.flatnonzero(table[words])
            starts.append(at * 2 + offset)
            found_words.append(_UPPER_WORDS[words[at]])
        hits, hit_words = np.concatenate(starts), np.concatenate(found_words)
    for i, each in zip(long, pairs, strict=True):
        marker = markers[i]
        pos = np.concatenate([hits[hit_words == word] - k for word, k in each])
        pos = pos[(pos >= 0) & (pos + len(marker) <= n)]
        for j in range(len(marker)):
            pos = pos[_UPPER[arr[pos + j]] == marker[j]]
        found[i] = np.sort(pos)
    return found


def _words_folding_to(pairs: list[list[tuple[int, int]]]) -> npt.NDArray[np.bool_]:
    """Which 16-bit words read upper-cased are one of the markers' pairs."""
    return _words_table(tuple(sorted({w for each in pairs for w, _ in each})))


@functools.lru_cache(maxsize=64)
def _words_table(wanted: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """:func:`_words_folding_to` for a set of words, kept: a run searches the same
    markers in many small texts (one client's linked lines), and the table of all
    65,536 words costs more than such a search."""
    table = np.isin(_UPPER_WORDS, np.array(wanted, dtype=np.uint16))
    table.flags.writeable = False
    return table


def _chunk_tokens(arr: npt.NDArray[np.uint8], max_groups: int) -> tuple[IntArray, IntArray]:
    """(byte position, value) of the tokens of one chunk of rows."""
    padded = np.zeros(arr.size + 2, dtype=np.bool_)
    # a digit: its byte minus "0" (wrapping around below it) is less than 10
    np.less(arr - np.uint8(48), 10, out=padded[1:-1])
    # digit groups begin and end where the flag changes, alternately
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = changes[0::2], changes[1::2]
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    lengths = ends - starts
    groups = starts.size
    value = _group_values(arr, starts, lengths)
    long_group = lengths > _MAX_DIGITS
    # how a group is linked to the next one: exactly one linking byte, or a line break
    # next to one (a line cut before or after the separator: "2024⏎/1930"), same row
    gap = np.empty(groups, dtype=np.int64)
    gap[:-1] = starts[1:] - ends[:-1]
    gap[-1] = 0
    link_byte = arr[np.minimum(ends, arr.size - 1)]
    next_byte = arr[np.minimum(ends + 1, arr.size - 1)]
    one = (gap == 1) & _LINK_BYTES[link_byte]
    cut = (gap == 2) & (
        ((link_byte == _LF) & _LINK_BYTES[next_byte])
        | (_LINK_BYTES[link_byte] & (next_byte == _LF))
    )
    linked = one | cut
    linked[-1] = False
    date_link = (one & _DATE_SEPARATORS[link_byte]) | (
        cut & (_DATE_SEPARATORS[link_byte] | _DATE_SEPARATORS[next_byte])
    )
    date_link[-1] = False
    skip = long_group | _periods_and_dates(lengths, value, date_link)
    skip |= _amounts(arr, starts, ends, lengths, gap, link_byte)
    out_at: list[IntArray] = []
    out_values: list[IntArray] = []
    # chains starting at group ``first``, extended by one group per step while linked
    first = np.flatnonzero(~skip)
    chain = value[first]
    digits = lengths[first]
    for k in range(max_groups):
        keep = (digits <= _MAX_DIGITS) & (chain >= 1000)
        out_at.append(starts[first[keep]])
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
    return np.concatenate(out_at), np.concatenate(out_values)


def _chunk_months(
    arr: npt.NDArray[np.uint8],
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """(byte position, year × 12 + month − 1, part of a full date) of the months of one
    chunk of rows, read from its digit groups: a month is a whole group of one or two
    digits (1–9, 01–09, 10–12), then an optional space, one of ``/.-`` and an optional
    space, then a whole group of four digits beginning with 20 (the year); it is part of
    a full date where another digit group ends in such a gap right before it."""
    padded = np.zeros(arr.size + 2, dtype=np.bool_)
    np.less(arr - np.uint8(48), 10, out=padded[1:-1])
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = changes[0::2], changes[1::2]
    if starts.size < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, np.bool_)
    last = arr.size - 1
    # the gap after each group but the last: " ?[/.-] ?"
    after, before = ends[:-1], starts[1:]
    size = before - after
    first = arr[after]
    second = arr[np.minimum(after + 1, last)]
    third = arr[np.minimum(after + 2, last)]
    space, sep = np.uint8(32), _DATE_SEPARATORS
    gap = ((size == 1) & sep[first]) | (
        (size == 2) & (((first == space) & sep[second]) | (sep[first] & (second == space)))
    )
    gap |= (size == 3) & (first == space) & sep[second] & (third == space)
    lengths = ends - starts
    d0 = arr[starts].astype(np.int64) - 48
    d1 = arr[np.minimum(starts + 1, last)].astype(np.int64) - 48
    one = (lengths == 1) & (d0 >= 1)
    two = (lengths == 2) & (((d0 == 0) & (d1 >= 1)) | ((d0 == 1) & (d1 <= 2)))
    year = (lengths == 4) & (d0 == 2) & (d1 == 0)
    month = (one | two)[:-1] & gap & year[1:]
    at = np.flatnonzero(month)
    value = np.where(one[at], d0[at], d0[at] * 10 + d1[at])
    nxt = starts[at + 1]
    years = 2000 + (arr[nxt + 2].astype(np.int64) - 48) * 10 + arr[nxt + 3].astype(np.int64) - 48
    in_date = np.zeros(at.size, dtype=np.bool_)
    has_before = at > 0
    in_date[has_before] = gap[at[has_before] - 1]
    return starts[at], years * 12 + value - 1, in_date


# _KEEP_LAST[k]: the last k of 8 bytes of a little-endian word
_KEEP_LAST = np.array(
    [((1 << 64) - 1) ^ ((1 << (8 * (8 - k))) - 1) for k in range(9)], dtype=np.uint64
)
_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)
_LOW_HALVES = np.uint64(0x0000FFFF0000FFFF)


def _group_values(arr: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray) -> IntArray:
    """Numeric value of each digit group (groups longer than 18 digits are never
    numbers we want: only their first 18 count), eight digits at a time: the eight
    bytes before a group's end read as one little-endian word, the bytes before the
    group masked off, the digits combined pairwise by three multiplications (SWAR)."""
    used = np.minimum(lengths, _MAX_DIGITS)
    ends = starts + used
    padded = np.zeros(arr.size + 8, dtype=np.uint8)
    padded[8:] = arr
    # word[e]: the eight bytes arr[e - 8 : e] (zeros before the start)
    word = np.ndarray((arr.size + 1,), dtype="<u8", buffer=padded, strides=(1,))
    value = _eight_digits(word[ends] & _KEEP_LAST[np.minimum(used, 8)])
    more = np.flatnonzero(used > 8)
    if more.size:
        high = _eight_digits(word[ends[more] - 8] & _KEEP_LAST[np.minimum(used[more] - 8, 8)])
        longest = np.flatnonzero(used[more] > 16)
        if longest.size:
            top = more[longest]
            high[longest] += _eight_digits(word[ends[top] - 16] & _KEEP_LAST[used[top] - 16]) * (
                np.uint64(10**8)
            )
        value[more] += high * np.uint64(10**8)
    return value.astype(np.int64)


def _eight_digits(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The number written by the ASCII digits in each word (first byte most significant;
    zero bytes count as leading zeros)."""
    words = (words & _LOW_NIBBLES) * np.uint64(10 * 256 + 1) >> np.uint64(8)
    words = (words & _LOW_BYTES) * np.uint64(100 * 65536 + 1) >> np.uint64(16)
    return (words & _LOW_HALVES) * np.uint64(10000 * (1 << 32) + 1) >> np.uint64(32)


def _amounts(
    arr: npt.NDArray[np.uint8],
    starts: IntArray,
    ends: IntArray,
    lengths: IntArray,
    gap: IntArray,
    link_byte: npt.NDArray[np.uint8],
) -> npt.NDArray[np.bool_]:
    """Groups that write an amount the German way: euros, a comma and two digits of
    cents or a dash (``1.234,56``, ``500,00``, ``1.234,-``), the euros' thousands
    separated by dots. A purpose stating what it pays („RE 4711 Betrag 1.234,56 EUR“)
    names no voucher 1234."""
    n = lengths.size
    skip = np.zeros(n, dtype=np.bool_)
    comma = np.flatnonzero(arr[np.minimum(ends, arr.size - 1)] == _COMMA)
    comma = comma[ends[comma] + 1 < arr.size]
    after = arr[ends[comma] + 1]
    cents = np.zeros(comma.size, dtype=np.bool_)
    has_next = comma + 1 < n
    cents[has_next] = (gap[comma[has_next]] == 1) & (lengths[comma[has_next] + 1] == 2)
    dash = after == _DASH
    euros = comma[cents | dash]
    skip[euros] = True
    skip[comma[cents] + 1] = True
    # the thousands before them: groups of three digits, each after a dot
    group = euros
    for _ in range(4):  # up to 999.999.999.999
        group = group[(lengths[group] == 3) & (group > 0)]
        group = group[(gap[group - 1] == 1) & (link_byte[group - 1] == _DOT)]
        if not group.size:
            break
        group = group - 1
        skip[group] = True
    return skip


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
    year = (lengths == 4) & (value >= FIRST_YEAR) & (value <= LAST_YEAR)
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
