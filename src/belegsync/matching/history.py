"""What confirmed links teach about a contact: who pays, from where, how much, how often.

Recurring payments (rent, leasing, insurance, subscriptions) come from the same account
with the same amount every month or quarter, often under an account holder's name that
differs from the Lexware contact ("GbR Lindenhof, H. Albrecht" paying for
"Lindenhof Grundstücks GbR"). Every confirmed or automatic link to a real transaction
teaches its IBAN / creditor id and its payer name for the contact, and the day and
amount, so the next month's line is recognised (and described as recurring).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from belegsync.domain.matching import ALLOCATING_STATUSES, ExistingLink, ExpectedPayment
from belegsync.domain.matching_text import compact_identifier, normalise_name
from belegsync.matching.candidates import PaymentState
from belegsync.matching.columns import TxnColumns
from belegsync.matching.payouts import teaches_payer

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
        for link in allocating:
            payment = payments.get(link.payment_id)
            row = row_of.get(link.txn_id)
            if payment is None or row is None or payment.contact_id is None:
                continue
            out._add(
                (payment.tenant_id, payment.contact_id),
                cols.ibans[row],
                cols.creditors[row],
                cols.names[row],
                int(cols.day[row]),
                abs(int(cols.amount[row])),
                cols.remittances[row],
                contact_name=payment.contact_name or "",
            )
        return out

    @classmethod
    def from_rows(
        cls,
        tenant_id: str,
        rows: Iterable[tuple[str, str, str, str, date, int]],
        contact_names: Mapping[str, str] | None = None,
    ) -> LinkHistory:
        """From stored links: (contact, IBAN, creditor id, payer name, booking date, cents);
        cents 0 teaches only the payer. ``contact_names`` (contact → name) tells a
        contact that is a payment provider itself (:func:`teaches_payer`)."""
        out = cls()
        names = contact_names or {}
        for contact, iban, creditor, name, day, cents in rows:
            out._add(
                (tenant_id, contact),
                iban,
                creditor,
                name,
                day.toordinal(),
                abs(cents),
                contact_name=names.get(contact, ""),
            )
        return out

    def _add(
        self,
        key: tuple[str, str],
        iban: str,
        creditor: str,
        name: str,
        day: int,
        cents: int,
        purpose: str = "",
        *,
        contact_name: str,
    ) -> None:
        """A payment provider's line (PayPal, Stripe, SumUp, Amazon …: its name or
        purpose names one) teaches nothing: its account and name are the provider's,
        shared by every customer who pays that way, and would make any later payout of
        the amount a link from a "known account" — unless the contact is that provider
        (:func:`teaches_payer`)."""
        if not teaches_payer(contact_name, name, purpose):
            return
        for ident in (iban, creditor):
            if ident:
                self.identifiers.setdefault(key, set()).add(compact_identifier(ident))
        normalised = normalise_name(name)
        if len(normalised) >= 4:
            self.names.setdefault(key, set()).add(normalised)
        if cents:
            self.past.setdefault(key, []).append((day, cents))

    def merge(self, other: LinkHistory) -> None:
        for key, idents in other.identifiers.items():
            self.identifiers.setdefault(key, set()).update(idents)
        for key, names in other.names.items():
            self.names.setdefault(key, set()).update(names)
        for key, past in other.past.items():
            self.past.setdefault(key, []).extend(past)

    def annotate(self, states: Iterable[PaymentState]) -> None:
        """Give the payment states the payer names and history of their contacts."""
        if not self.names and not self.past:
            return
        for state in states:
            contact = state.payment.contact_id
            if contact is None:
                continue
            key = (state.payment.tenant_id, contact)
            names = self.names.get(key)
            if names:
                state.payer_names = frozenset(names)
            past = self.past.get(key)
            if past:
                state.past = tuple(sorted(past))
