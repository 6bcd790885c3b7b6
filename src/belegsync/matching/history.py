"""What confirmed links teach about a contact: who pays, from where, how much, how often.

Recurring payments (rent, leasing, insurance, subscriptions) come from the same account
with the same amount every month or quarter, often under an account holder's name that
differs from the Lexware contact ("GbR Lindenhof, H. Albrecht" paying for
"Lindenhof Grundstücks GbR"). Every confirmed or automatic link to a real transaction
teaches its IBAN / creditor id and its payer name for the contact, and the day and
amount, so the next month's line is recognised (and described as recurring).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from belegsync.domain.matching import ALLOCATING_STATUSES, ExistingLink, ExpectedPayment
from belegsync.domain.matching_text import normalise_name
from belegsync.matching.candidates import PaymentState
from belegsync.matching.columns import TxnColumns

__all__ = ["LinkHistory"]


@dataclass(slots=True)
class LinkHistory:
    """Per (tenant, contact): identifiers, payer names and (day, cents) of linked lines."""

    identifiers: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    names: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    past: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)

    @classmethod
    def read(
        cls,
        expected: Sequence[ExpectedPayment],
        cols: TxnColumns,
        links: Sequence[ExistingLink],
    ) -> LinkHistory:
        out = cls()
        allocating = [k for k in links if k.status in ALLOCATING_STATUSES]
        if not allocating:
            return out
        wanted = {k.txn_id for k in allocating}
        row_of = {txn_id: row for row, txn_id in enumerate(cols.ids) if txn_id in wanted}
        payments = {p.id: p for p in expected}
        identifiers: dict[tuple[str, str], set[str]] = defaultdict(set)
        names: dict[tuple[str, str], set[str]] = defaultdict(set)
        past: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for link in allocating:
            payment = payments.get(link.payment_id)
            row = row_of.get(link.txn_id)
            if payment is None or row is None or payment.contact_id is None:
                continue
            key = (payment.tenant_id, payment.contact_id)
            for ident in (cols.ibans[row], cols.creditors[row]):
                if ident:
                    identifiers[key].add(ident)
            name = normalise_name(cols.names[row])
            if len(name) >= 4:
                names[key].add(name)
            past[key].append((int(cols.day[row]), abs(int(cols.amount[row]))))
        out.identifiers, out.names, out.past = dict(identifiers), dict(names), dict(past)
        return out

    def annotate(self, state: PaymentState) -> None:
        """Give a payment state the payer names and history of its contact."""
        contact = state.payment.contact_id
        if contact is None:
            return
        key = (state.payment.tenant_id, contact)
        names = self.names.get(key)
        if names:
            state.payer_names = frozenset(names)
        past = self.past.get(key)
        if past:
            state.past = tuple(sorted(past))
