"""What matching reads of a bank line's texts, worked out once and stored with the line.

A line never changes after import, but every matching run read all its texts again:
hashing a million payer names and accounts, searching a million purposes for markers
and numbers — scattered objects that cost a run more than the comparisons that follow.
So the first run that reads a line works out these integers and the store keeps them
(``bank_transactions``); later runs read them as columns:

* ``name``: a key of the payer name as written (equal names, equal keys), so names are
  told apart on arrays and each distinct one is read once;
* ``words``: a 64-bit mask of the name's words as payer names are compared (umlauts
  spelled out, rapidfuzz's processing: :func:`processed_name`); bit ``key(word) mod 64``.
  Two names sharing a word share a bit, so pairs whose masks share none share no word
  and need no reading (``SamePayer``'s first rule);
* ``iban`` and ``creditor``: keys of the IBAN and of the SEPA creditor id as matching
  reads them (compacted; the creditor id only where it names the counterparty);
* ``purpose_marks`` and ``name_marks``: one bit per marker of ``line_marks.LINE_MARKERS``
  that the purpose (as matching reads it) or the payer name mentions;
* ``numbers``: the candidate number tokens of the purpose (``textscan``);
* ``periods``: the months and quarters the purpose names, in its order
  (``periods.period_tokens``).

The store keeps them in one column per line (``line_keys``), as little-endian 64-bit
integers: ``KEYS_VERSION``, the six keys above in that order, then the tokens — the
numbers (never negative), then the periods (always negative) — one value a read turns
into arrays for all lines at once, without a step per line and key.

A key is xxHash's XXH3 of the UTF-8 text as a signed 64-bit integer, the same in every
process (Python's ``hash`` of a string changes with each start); an empty text has the
key 0, which no other text has. Two different texts may share a key by chance: readers
that act on an account's key compare the accounts. ``KEYS_VERSION`` names the whole
derivation (and the markers' order): a line stored under another one (or never keyed)
is keyed when read, and stored again. A line with a payment advice is always keyed
when read: its purpose as matching reads it holds the advice, which may come later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import cast

import numpy as np
import numpy.typing as npt
from rapidfuzz import utils
from xxhash import xxh3_64_intdigest

from belegsync.domain.matching_text import normalise_text
from belegsync.matching.line_marks import LINE_MARKERS
from belegsync.matching.periods import period_tokens
from belegsync.matching.textscan import TextBlob, digit_tokens

__all__ = [
    "KEYS_VERSION",
    "NO_KEY",
    "KeyColumns",
    "marker_mask",
    "name_words",
    "processed_name",
    "text_key",
    "text_keys",
    "word_mask",
    "word_masks",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

KEYS_VERSION = 7
NO_KEY = 0  # the key of an empty text (no name, no account)

_SIGN = 1 << 63
_WRAP = 1 << 64
_BIT = {marker: 1 << bit for bit, marker in enumerate(LINE_MARKERS)}
_NUMBER = np.dtype("<i8")
# the stored value of a line: the version, the six keys, then the tokens
_HEAD = 7


def processed_name(name: str) -> str:
    """A name as payer names are compared: umlauts spelled out, then rapidfuzz's
    processing (lower case, letters, digits and spaces)."""
    return str(utils.default_process(normalise_text(name)))


def _signed(value: int) -> int:
    return value - _WRAP if value >= _SIGN else value


def text_key(value: str) -> int:
    """The key of a text (:data:`NO_KEY` for an empty one, never for another)."""
    if not value:
        return NO_KEY
    return _signed(xxh3_64_intdigest(value.encode("utf-8", "surrogatepass"))) or 1


def text_keys(values: Sequence[str]) -> IntArray:
    """:func:`text_key` of each value, as an array."""
    return np.fromiter(map(text_key, values), np.int64, len(values))


# the words that join a name's parts, however a bank writes the „&“ („Bäuerle & Kräuter“
# as „BAEUERLE U. KRAEUTER“ or „BAEUERLE UND KRAEUTER“; „+“ and „&“ are no words)
_JOINING_WORDS = frozenset({"u", "und"})


def name_words(name: str) -> list[str]:
    """The words of ``name`` as payer names are compared (:func:`processed_name`), in
    order, without the words joining its parts („u“, „und“)."""
    return [w for w in processed_name(name).split() if w not in _JOINING_WORDS] if name else []


def word_mask(name: str) -> int:
    """The bits of the words of ``name`` (:func:`name_words`), as a signed 64-bit
    integer; 0 for a name without words."""
    words = name_words(name)
    bits = (1 << (xxh3_64_intdigest(word.encode()) & 63) for word in words)
    return _signed(reduce(or_, bits, 0))


def word_masks(names: Sequence[str]) -> IntArray:
    """:func:`word_mask` of each name, as an array."""
    return np.fromiter(map(word_mask, names), np.int64, len(names))


def marker_mask(markers: Sequence[bytes]) -> int:
    """The bits of ``markers`` (each one of ``LINE_MARKERS``)."""
    return reduce(or_, map(_BIT.__getitem__, markers), 0)


def marks(texts: list[str], blob: TextBlob | None = None) -> IntArray:
    """Per text, the bits of the markers it mentions (upper-cased, anywhere); ``blob``:
    the texts joined, where the caller has them."""
    out = np.zeros(len(texts), dtype=np.int64)
    blob = TextBlob(texts) if blob is None else blob
    blob.search(LINE_MARKERS)
    for marker in LINE_MARKERS:
        out[blob.marker_rows(marker)] |= _BIT[marker]
    return out


@dataclass(frozen=True, slots=True)
class KeyColumns:
    """The keys of each line (see the module's description), one array per key; the
    number tokens and the period tokens each as (row, value) pairs sorted by row (a
    row's in their order). ``to_store`` marks the lines keyed in this read whose keys
    the store should keep."""

    name: IntArray
    words: IntArray
    iban: IntArray
    creditor: IntArray
    purpose_marks: IntArray
    name_marks: IntArray
    number_rows: IntArray
    numbers: IntArray
    period_rows: IntArray
    periods: IntArray
    to_store: BoolArray

    @classmethod
    def of(
        cls,
        names: list[str],
        ibans: list[str],
        creditors: list[str],
        remittances: list[str],
        stored: bool = True,
    ) -> KeyColumns:
        """The keys of the columns' names, (compacted) accounts and purposes (as
        matching reads them); ``stored``: whether the store should keep them."""
        purposes = TextBlob(remittances)  # joined once for the numbers, marks and periods
        rows, numbers = digit_tokens(remittances, blob=purposes)
        order = np.argsort(rows, kind="stable")
        return cls.of_parts(
            (
                text_keys(names),
                word_masks(names),
                text_keys(ibans),
                text_keys(creditors),
                marks(remittances, purposes),
                marks(names),
            ),
            (rows[order], numbers[order]),
            period_tokens(remittances, purposes),
            np.full(len(names), stored, dtype=np.bool_),
        )

    @classmethod
    def stored(
        cls,
        stored: Sequence[bytes | None],
        names: list[str],
        ibans: list[str],
        creditors: list[str],
        remittances: list[str],
        advised: BoolArray,
    ) -> KeyColumns:
        """The keys as the store read them (``line_keys``, per line; None or empty: not
        keyed); a line stored under another ``KEYS_VERSION`` (or not keyed) is keyed
        anew from its columns, and so is a line with an advice (not to store)."""
        n = len(names)
        packed = [v or b"" for v in stored] if None in stored else cast("list[bytes]", stored)
        sizes = np.fromiter(map(len, packed), np.int64, n)
        torn = np.flatnonzero(sizes % _NUMBER.itemsize)
        if torn.size:  # not what a run stores: read as not keyed
            packed = list(packed)
            for row in torn.tolist():
                packed[row] = b""
            sizes[torn] = 0
        slots = sizes // _NUMBER.itemsize
        data = np.frombuffer(b"".join(packed), dtype=_NUMBER).astype(np.int64, copy=False)
        starts = np.cumsum(slots) - slots
        head = np.flatnonzero(slots >= _HEAD)
        current = np.zeros(n, dtype=np.bool_)
        current[head] = data[starts[head]] == KEYS_VERSION
        current &= ~advised
        if not current.any():
            return cls.of(names, ibans, creditors, remittances).kept(~advised)
        keyed = np.flatnonzero(current)
        first = starts[keyed]
        ints = [data[first + k] for k in range(1, _HEAD)]
        if keyed.size < n:
            for k, column in enumerate(ints):
                ints[k] = np.zeros(n, dtype=np.int64)
                ints[k][keyed] = column
        # the tokens: each keyed line's slots after its head
        count = np.where(current, slots - _HEAD, 0)
        token_rows = np.repeat(np.arange(n, dtype=np.int64), count)
        tokens = data[
            np.arange(token_rows.size)
            - np.repeat(np.cumsum(count) - count, count)
            + np.repeat(starts + _HEAD, count)
        ]
        period = tokens < 0
        streams = [
            (token_rows[~period], tokens[~period]),
            (token_rows[period], tokens[period]),
        ]
        stale = np.flatnonzero(~current)
        if stale.size:
            listed = stale.tolist()
            fresh = cls.of(
                [names[r] for r in listed],
                [ibans[r] for r in listed],
                [creditors[r] for r in listed],
                [remittances[r] for r in listed],
            )
            for array, column in zip(ints, fresh.integers(), strict=True):
                array[stale] = column
            for k, (rows, values) in enumerate(fresh.token_streams()):
                merged = np.concatenate((streams[k][0], stale[rows]))
                order = np.argsort(merged, kind="stable")
                streams[k] = (merged[order], np.concatenate((streams[k][1], values))[order])
        return cls.of_parts(ints, streams[0], streams[1], ~current & ~advised)

    @classmethod
    def of_parts(
        cls,
        integers: Sequence[IntArray],
        numbers: tuple[IntArray, IntArray],
        periods: tuple[IntArray, IntArray],
        to_store: BoolArray,
    ) -> KeyColumns:
        """From the six keys in their stored order, the (row, value) pairs of the
        numbers and of the periods, and the lines to store."""
        name, words, iban, creditor, purpose_marks, name_marks = integers
        return cls(
            name,
            words,
            iban,
            creditor,
            purpose_marks,
            name_marks,
            *numbers,
            *periods,
            to_store,
        )

    def integers(self) -> tuple[IntArray, ...]:
        """The six keys, in their stored order."""
        return (
            self.name,
            self.words,
            self.iban,
            self.creditor,
            self.purpose_marks,
            self.name_marks,
        )

    def token_streams(self) -> tuple[tuple[IntArray, IntArray], tuple[IntArray, IntArray]]:
        """The (row, value) pairs of the numbers and of the periods."""
        return (self.number_rows, self.numbers), (self.period_rows, self.periods)

    def kept(self, to_store: BoolArray) -> KeyColumns:
        """The same keys, ``to_store`` the lines the store should keep."""
        return KeyColumns.of_parts(self.integers(), *self.token_streams(), to_store)

    def take(self, rows: IntArray) -> KeyColumns:
        """The keys of ``rows`` (ascending), as a read of those lines alone gives them."""
        new = np.full(self.name.size, -1, dtype=np.int64)
        new[rows] = np.arange(rows.size)
        streams = []
        for token_rows, values in self.token_streams():
            at = new[token_rows]
            mine = at >= 0
            streams.append((at[mine], values[mine]))
        return KeyColumns.of_parts(
            [column[rows] for column in self.integers()],
            streams[0],
            streams[1],
            self.to_store[rows],
        )

    def periods_of(self, lines: IntArray) -> tuple[IntArray, IntArray]:
        """The period tokens of ``lines`` (ascending, distinct rows): (position in
        ``lines``, token), each line's in their order."""
        return _slices(self.period_rows, self.periods, lines)

    def stored_values(self, rows: IntArray) -> list[bytes]:
        """The keys of ``rows`` as the store keeps them (``line_keys``, per line)."""
        token_rows = np.concatenate((self.number_rows, self.period_rows))
        order = np.argsort(token_rows, kind="stable")  # a row's numbers, then its periods
        token_rows = token_rows[order]
        tokens = np.concatenate((self.numbers, self.periods))[order].astype(_NUMBER)
        starts = np.searchsorted(token_rows, rows, side="left")
        count = np.searchsorted(token_rows, rows, side="right") - starts
        head = np.column_stack(
            [np.full(rows.size, KEYS_VERSION, dtype=np.int64)]
            + [column[rows] for column in self.integers()]
        ).astype(_NUMBER)
        return [
            head[i].tobytes() + tokens[start : start + size].tobytes()
            for i, start, size in zip(
                range(rows.size), starts.tolist(), count.tolist(), strict=True
            )
        ]

    def storable(self) -> tuple[list[int], list[bytes]]:
        """The rows to store and, per row, its keys as the store keeps them."""
        rows = np.flatnonzero(self.to_store)
        return rows.tolist(), self.stored_values(rows)


def _slices(token_rows: IntArray, values: IntArray, lines: IntArray) -> tuple[IntArray, IntArray]:
    """The values of ``lines`` (ascending) from (row, value) pairs sorted by row:
    (position in ``lines``, value)."""
    starts = np.searchsorted(token_rows, lines, side="left")
    count = np.searchsorted(token_rows, lines, side="right") - starts
    position = np.repeat(np.arange(lines.size, dtype=np.int64), count)
    at = np.arange(position.size) - np.repeat(np.cumsum(count) - count, count) + starts[position]
    return position, values[at]
