"""Whether a bank line's payer name is a contact's name, each pair of names judged once.

The external check asks about half a million (contact name, payer name) pairs.
:class:`SamePayer` judges them in bulk: only payer names sharing a word with the
contact's name can reach the bar. The words of all names are read in one pass and
numbered by the contact names' words (a payer's other words can share nothing); a
64-bit mask per name (bit: word number mod 64) rules out most pairs with one AND on
arrays, the rest share a word or are checked word by word on arrays; the distinct
pairs sharing one go through one pairwise ``rapidfuzz.process.cpdist`` call.

Names are read as banks write them: umlauts spelled out („Groß Bäckerei KG“ is „GROSS
BAECKEREI KG“). A pair must reach the bar twice: as written (legal forms included, so
that „Bau Hofmann OHG“ is not „Bau Hofmann GmbH“) and normalised as full scoring reads
names (``normalise_name``: legal forms left out, whose long words made different firms
look alike, „Schreiber Energie UG (haftungsbeschränkt)“ and „Schneider Energie …“).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process, utils

from belegsync.domain.matching_text import normalise_name, normalise_names, normalise_text
from belegsync.matching.candidates import unique_inverse
from belegsync.matching.line_keys import processed_name as processed

__all__ = ["SamePayer", "name_words", "processed", "processed_names", "same_payer"]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# Separates the names' words in one string: rapidfuzz's processing leaves letters,
# digits and spaces only, so no word is this.
_SEP = "|"
_JOIN = "\x00"


def processed_names(names: Sequence[str]) -> list[str]:
    """:func:`processed` of each name, the umlauts of all spelled out in one pass (the
    names joined by a NUL, which none holds, else one by one)."""
    joined = _JOIN.join(names)
    if not names or joined.count(_JOIN) != len(names) - 1:
        return list(map(processed, names))
    return list(map(utils.default_process, normalise_text(joined).split(_JOIN)))


def name_words(name: str) -> frozenset[str]:
    """The words of a name as rapidfuzz compares them."""
    return frozenset(processed(name).split())


def same_payer(contact_name: str, payer_name: str, cutoff: float) -> bool:
    """One pair judged alone: a shared word, and token set ratio ≥ ``cutoff`` of the
    names as written and of the names normalised."""
    if name_words(contact_name).isdisjoint(name_words(payer_name)):
        return False
    if fuzz.token_set_ratio(processed(contact_name), processed(payer_name)) < cutoff:
        return False
    contact, payer = (utils.default_process(normalise_name(n)) for n in (contact_name, payer_name))
    return bool(fuzz.token_set_ratio(contact, payer) >= cutoff)


def _tokens(processed: list[str]) -> list[str]:
    """The words of each processed name (:func:`name_words`, in order), each name's
    followed by ``_SEP``."""
    return f" {_SEP} ".join([*processed, ""]).split()


def _numbered(tokens: list[str], numbers: Mapping[str, int]) -> tuple[IntArray, IntArray]:
    """(name, word number) of the ``tokens`` (:func:`_tokens`) that ``numbers`` knows."""
    codes = np.fromiter(map(numbers.get, tokens, repeat(-1)), np.int64, len(tokens))
    is_sep = codes == 0
    name = np.cumsum(is_sep) - is_sep
    known = codes > 0
    return name[known], codes[known]


def _masks(count: int, name: IntArray, code: IntArray) -> npt.NDArray[np.uint64]:
    """Per name, the bits ``code mod 64`` of its words (``name`` ascending)."""
    masks = np.zeros(count, dtype=np.uint64)
    if name.size:
        starts = np.flatnonzero(np.r_[True, name[1:] != name[:-1]])
        bits = np.left_shift(np.uint64(1), (code & 63).astype(np.uint64))
        masks[name[starts]] = np.bitwise_or.reduceat(bits, starts)
    return masks


class SamePayer:
    """:func:`same_payer` for many pairs at once."""

    __slots__ = ("_cutoff", "_normalise")

    def __init__(
        self,
        cutoff: float,
        normalise: Callable[[Sequence[str]], list[str]] = normalise_names,
    ) -> None:
        """``normalise``: :func:`normalise_names`, or a run's cache of it."""
        self._cutoff = cutoff
        self._normalise = normalise

    def judge(
        self,
        contact_names: Sequence[str],
        payer_names: Sequence[str],
        left: IntArray,
        right: IntArray,
    ) -> BoolArray:
        """Pair by pair, whether ``payer_names[right[i]]`` is the payer of
        ``contact_names[left[i]]``."""
        out = np.zeros(left.size, dtype=np.bool_)
        contacts = processed_names(contact_names)
        payers = processed_names(payer_names)
        contact_tokens = _tokens(contacts)
        numbers = {w: i for i, w in enumerate(dict.fromkeys([_SEP, *contact_tokens]))}
        contact, word = _numbered(contact_tokens, numbers)
        payer, payer_word = _numbered(_tokens(payers), numbers)
        maybe = np.flatnonzero(
            _masks(len(contact_names), contact, word)[left]
            & _masks(len(payer_names), payer, payer_word)[right]
        )
        if maybe.size == 0:
            return out
        width = len(payer_names)
        pairs, pair_of = unique_inverse(left[maybe] * width + right[maybe])
        lefts, rights = pairs // width, pairs % width
        if len(numbers) > 64:  # bits shared by different words: compare the words
            shared = _share_word(lefts, rights, (contact, word), (payer, payer_word), len(numbers))
            lefts, rights = lefts[shared], rights[shared]
        else:
            shared = np.ones(pairs.size, dtype=np.bool_)
        same = np.zeros(pairs.size, dtype=np.bool_)
        if lefts.size:
            near = self._scores(contacts, payers, lefts, rights) >= self._cutoff
            # those normalised too: only the names of the pairs near as written
            lefts, rights = lefts[near], rights[near]
            named_c, c_at = unique_inverse(lefts)
            named_p, p_at = unique_inverse(rights)
            normal_c = self._normalise(list(map(contact_names.__getitem__, named_c.tolist())))
            normal_p = self._normalise(list(map(payer_names.__getitem__, named_p.tolist())))
            near[near] = (
                self._scores(
                    list(map(utils.default_process, normal_c)),
                    list(map(utils.default_process, normal_p)),
                    c_at,
                    p_at,
                )
                >= self._cutoff
            )
            same[np.flatnonzero(shared)] = near
        out[maybe] = same[pair_of]
        return out

    @staticmethod
    def _scores(
        contacts: list[str], payers: list[str], lefts: IntArray, rights: IntArray
    ) -> npt.NDArray[np.float64]:
        """Token set ratio of each pair of processed names, in one call."""
        if not lefts.size:
            return np.zeros(0)
        return process.cpdist(
            list(map(contacts.__getitem__, lefts.tolist())),
            list(map(payers.__getitem__, rights.tolist())),
            scorer=fuzz.token_set_ratio,
            dtype=np.float64,
        )


def _share_word(
    lefts: IntArray,
    rights: IntArray,
    contact_words: tuple[IntArray, IntArray],
    payer_words: tuple[IntArray, IntArray],
    width: int,
) -> BoolArray:
    """Per pair, whether contact ``lefts[i]`` and payer ``rights[i]`` share a word:
    each of the contact's words looked up among the payer's ((name, word number)
    pairs ascending by name, word numbers below ``width``)."""
    shared = np.zeros(lefts.size, dtype=np.bool_)
    payer_keys = np.sort(payer_words[0] * width + payer_words[1])
    if payer_keys.size == 0:
        return shared
    contact, word = contact_words
    first = np.searchsorted(contact, lefts, side="left")
    count = np.searchsorted(contact, lefts, side="right") - first
    pair = np.repeat(np.arange(lefts.size), count)
    offset = np.arange(pair.size) - np.repeat(np.cumsum(count) - count, count)
    keys = rights[pair] * width + word[first[pair] + offset]
    pos = np.minimum(np.searchsorted(payer_keys, keys), payer_keys.size - 1)
    shared[pair[payer_keys[pos] == keys]] = True
    return shared
