"""A generator's payment advice files read as the product reads them, and attached to
their lines as the import attaches them (``banking.advice_import``): the product's
parser (``parse_advices``) and its choice of line (``domain.advice.line_for_advice``),
on the lines as the generator's statements were parsed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from belegsync.banking.advice import parse_advices
from belegsync.domain.advice import (
    AdviceLine,
    line_for_advice,
    matching_text,
    returnable_items,
)
from belegsync.domain.matching import BankTxn

__all__ = ["Attached", "attach_advices"]


@dataclass(frozen=True, slots=True)
class Attached:
    txns: list[BankTxn]
    # per advice file, the line ids each of its advices went to (None: none, or several)
    lines: dict[str, tuple[str | None, ...]]


def attach_advices(txns: Sequence[BankTxn], files: Mapping[str, bytes]) -> Attached:
    """The lines with the advices of ``files`` attached (``BankTxn.advice``), each
    advice to the one line it fits, in the order of the files' names."""
    candidates = [
        AdviceLine(t.id, t.amount_cents, t.booking_date, t.currency, "", t.remittance) for t in txns
    ]
    texts: dict[str, str] = {}
    items: dict[str, tuple[tuple[str, str, int], ...]] = {}
    lines: dict[str, tuple[str | None, ...]] = {}
    for name in sorted(files):
        chosen: list[str | None] = []
        for advice in parse_advices(files[name], name):
            free = [line for line in candidates if line.id not in texts]
            fitting = line_for_advice(advice, free)
            if len(fitting) == 1:
                texts[fitting[0].id] = matching_text(advice)
                items[fitting[0].id] = returnable_items(advice)
                chosen.append(fitting[0].id)
            else:
                chosen.append(None)
        lines[name] = tuple(chosen)
    attached = [
        replace(t, advice=texts.get(t.id, ""), advice_items=items.get(t.id, ())) for t in txns
    ]
    return Attached(attached, lines)
