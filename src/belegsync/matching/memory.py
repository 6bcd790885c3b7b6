"""Learned IBAN / creditor id → contact evidence (Odoo keeps the IBAN on the partner).

Confirmed links add evidence, rejected ones weaken it. Only identifiers with positive
net evidence count. The store persists :meth:`IbanContactMemory.rows`; the engine only
reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from belegsync.domain.matching_text import compact_identifier

__all__ = ["IbanContactMemory", "MemoryRow", "is_usable_identifier"]


def is_usable_identifier(identifier: str) -> bool:
    """A valid IBAN (checked with schwifty) or something shaped like a creditor id."""
    compact = compact_identifier(identifier)
    if len(compact) < 8 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    if compact[4:7] == "ZZZ":
        return True  # SEPA creditor id, e.g. DE98ZZZ09999999999
    try:
        IBAN(compact)
    except SchwiftyException:
        return False
    return True


@dataclass(frozen=True, slots=True)
class MemoryRow:
    """One persisted piece of evidence."""

    tenant_id: str
    identifier: str
    contact_id: str
    confirmations: int
    rejections: int


class IbanContactMemory:
    """Which contact an IBAN or creditor id belongs to, per tenant."""

    def __init__(self, rows: Iterable[MemoryRow] = ()) -> None:
        self._counts: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(dict)
        for row in rows:
            self._counts[(row.tenant_id, row.identifier)][row.contact_id] = [
                row.confirmations,
                row.rejections,
            ]

    def learn_confirmed(self, tenant_id: str, identifier: str, contact_id: str) -> bool:
        """A confirmed link: ``identifier`` paid for ``contact_id``. False if unusable."""
        if not identifier or not is_usable_identifier(identifier):
            return False
        key = (tenant_id, compact_identifier(identifier))
        self._counts[key].setdefault(contact_id, [0, 0])[0] += 1
        return True

    def learn_rejected(self, tenant_id: str, identifier: str, contact_id: str) -> None:
        """A rejected link weakens the evidence (never below what was confirmed before)."""
        key = (tenant_id, compact_identifier(identifier))
        counts = self._counts.get(key, {}).get(contact_id)
        if counts is not None:
            counts[1] += 1

    def contacts_for(self, tenant_id: str, identifier: str) -> frozenset[str]:
        """Contacts with positive net evidence for this identifier."""
        found = self._counts.get((tenant_id, compact_identifier(identifier)), {})
        return frozenset(c for c, (yes, no) in found.items() if yes > no)

    def identifiers_by_contact(self, tenant_id: str) -> dict[str, set[str]]:
        """contact id → identifiers with positive net evidence, for one tenant."""
        out: dict[str, set[str]] = defaultdict(set)
        for (tenant, identifier), contacts in self._counts.items():
            if tenant != tenant_id:
                continue
            for contact, (yes, no) in contacts.items():
                if yes > no:
                    out[contact].add(identifier)
        return dict(out)

    def tenants(self) -> frozenset[str]:
        """Tenants with any evidence."""
        return frozenset(tenant for tenant, _ in self._counts)

    def rows(self) -> list[MemoryRow]:
        """Everything, for persistence."""
        return [
            MemoryRow(tenant, identifier, contact, yes, no)
            for (tenant, identifier), contacts in sorted(self._counts.items())
            for contact, (yes, no) in sorted(contacts.items())
        ]
