"""Keys of a bank line's payer, worked out once when the line is stored.

A line never changes after import, but every matching run reads its payer name and
accounts again: a million lines' strings are a million scattered objects, and hashing
or deduplicating them costs a run more than the comparisons that follow. So each line
carries four integers, stored beside it (``bank_transactions``) and read as columns:

* ``name``: a key of the payer name as written (equal names, equal keys), so names are
  told apart on arrays and each distinct one is read once;
* ``words``: a 64-bit mask of the name's words as payer names are compared (umlauts
  spelled out, rapidfuzz's processing: :func:`processed_name`); bit ``key(word) mod 64``.
  Two names sharing a word share a bit, so pairs whose masks share none share no word
  and need no reading (``SamePayer``'s first rule);
* ``iban`` and ``creditor``: keys of the IBAN and of the SEPA creditor id as matching
  reads them (compacted; the creditor id only where it names the counterparty).

A key is xxHash's XXH3 of the UTF-8 text as a signed 64-bit integer, the same in every
process (Python's ``hash`` of a string changes with each start); an empty text has the
key 0, which no other text has. Two different texts may share a key by chance: readers
that act on a key compare the texts where it matters. ``KEYS_VERSION`` names this
derivation: lines stored under another one (or before keys existed) are keyed anew when
read (``TxnColumns.from_store``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

import numpy as np
import numpy.typing as npt
from rapidfuzz import utils
from xxhash import xxh3_64_intdigest

from belegsync.domain.matching import creditor_is_counterparty
from belegsync.domain.matching_text import compact_identifier, normalise_text

__all__ = [
    "KEYS_VERSION",
    "NO_KEY",
    "LineKeys",
    "line_keys",
    "processed_name",
    "text_key",
    "text_keys",
    "word_mask",
    "word_masks",
]

IntArray = npt.NDArray[np.int64]

KEYS_VERSION = 1
NO_KEY = 0  # the key of an empty text (no name, no account)

_SIGN = 1 << 63
_WRAP = 1 << 64


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


def word_mask(name: str) -> int:
    """The bits of the words of ``name`` (:func:`processed_name`), as a signed
    64-bit integer; 0 for a name without words."""
    words = processed_name(name).split() if name else ()
    bits = (1 << (xxh3_64_intdigest(word.encode()) & 63) for word in words)
    return _signed(reduce(or_, bits, 0))


def word_masks(names: Sequence[str]) -> IntArray:
    """:func:`word_mask` of each name, as an array."""
    return np.fromiter(map(word_mask, names), np.int64, len(names))


@dataclass(frozen=True, slots=True)
class LineKeys:
    """The keys of one stored line (see the module's description)."""

    name: int
    words: int
    iban: int
    creditor: int


def line_keys(
    counterparty_name: str | None,
    counterparty_iban: str | None,
    creditor_id: str | None,
    amount_cents: int,
) -> LineKeys:
    """The keys of a line from its stored fields, as matching reads them."""
    name = counterparty_name or ""
    creditor = (
        compact_identifier(creditor_id)
        if creditor_id and creditor_is_counterparty(amount_cents)
        else ""
    )
    return LineKeys(
        name=text_key(name),
        words=word_mask(name),
        iban=text_key(compact_identifier(counterparty_iban or "")),
        creditor=text_key(creditor),
    )
