"""The import hash: what makes a transaction "the same" across files and pushes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from belegsync.banking.model import ParsedTransaction


def _base_key(txn: ParsedTransaction) -> str:
    # Only fields every export of the same booking carries the same way; whitespace is
    # dropped from the text because banks re-wrap lines differently between exports.
    remittance = "".join(txn.remittance.split()).upper()
    parts = (
        txn.booking_date.isoformat(),
        str(txn.amount_cents),
        txn.currency,
        txn.counterparty_iban or "",
        remittance,
        txn.end_to_end_id or "",
        txn.bank_reference or "",
    )
    return "\x1f".join(parts)


def import_hashes(transactions: Sequence[ParsedTransaction]) -> list[str]:
    """One hash per transaction; identical twins in one statement get an occurrence
    index (0, 1, …) so two equal bookings on a day stay two rows."""
    seen: dict[str, int] = {}
    hashes: list[str] = []
    for txn in transactions:
        base = _base_key(txn)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        digest = hashlib.sha256(f"{base}\x1e{occurrence}".encode()).hexdigest()
        hashes.append(digest)
    return hashes
