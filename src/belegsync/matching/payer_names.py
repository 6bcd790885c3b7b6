"""Whether a bank line's payer name is a contact's name, each pair of names judged once.

Payments of one contact look at the same lines, so a run meets the same (contact name,
payer name) pairs again and again. :class:`SamePayer` keeps the verdict per pair and
judges the new pairs of a contact name in one bulk ``rapidfuzz.process.cdist`` call;
only payer names sharing a word with the contact's name can reach the bar, so the
others are settled without a comparison.
"""

from __future__ import annotations

from itertools import compress
from operator import not_

import numpy as np
from rapidfuzz import fuzz, process, utils

__all__ = ["SamePayer", "name_words", "same_payer"]


def name_words(name: str) -> frozenset[str]:
    """The words of a name as rapidfuzz compares them."""
    return frozenset(utils.default_process(name).split())


def same_payer(contact_name: str, payer_name: str, cutoff: float) -> bool:
    """One pair judged alone: a shared word and token set ratio ≥ ``cutoff``."""
    if name_words(contact_name).isdisjoint(name_words(payer_name)):
        return False
    value = fuzz.token_set_ratio(contact_name, payer_name, processor=utils.default_process)
    return bool(value >= cutoff)


class SamePayer:
    """:func:`same_payer` for many pairs, cached per run."""

    __slots__ = ("_cutoff", "_same", "_words")

    def __init__(self, cutoff: float) -> None:
        self._cutoff = cutoff
        self._words: dict[str, frozenset[str]] = {}
        # contact name → payer name → same payer
        self._same: dict[str, dict[str, bool]] = {}

    def any_of(self, contact_name: str, payer_names: set[str]) -> bool:
        """Whether one of ``payer_names`` is ``contact_name``'s payer."""
        same = self._same.get(contact_name)
        if same is None:
            same = self._same[contact_name] = {}
        unknown = payer_names.difference(same)
        if not unknown:
            return any(map(same.__getitem__, payer_names))
        known = payer_names.difference(unknown)
        words = self._words
        missing = unknown.difference(words)
        if missing:
            words.update(zip(missing, map(name_words, missing), strict=True))
        own = words.get(contact_name)
        if own is None:
            own = words[contact_name] = name_words(contact_name)
        same.update(dict.fromkeys(unknown, False))
        sharing = map(not_, map(own.isdisjoint, map(words.__getitem__, unknown)))
        fresh = sorted(compress(unknown, sharing))
        found = False
        if fresh:
            scores = process.cdist(
                [contact_name],
                fresh,
                scorer=fuzz.token_set_ratio,
                processor=utils.default_process,
                dtype=np.float64,
            )[0]
            cutoff = self._cutoff
            verdicts = [bool(v >= cutoff) for v in scores.tolist()]
            same.update(zip(fresh, verdicts, strict=True))
            found = any(verdicts)
        return found or any(map(same.__getitem__, known))
