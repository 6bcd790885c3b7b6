"""The customer numbers of the contacts the synced vouchers name.

A customer's transfer often cites the customer number Lexware printed on the invoice
(„Sammelzahlung Kd 10051“, „Kundennr. 10051 RE 4711 4712“); matching reads it to know
the payer and to find the invoices such a line pays together. Neither the voucher list
nor a voucher's detail carries it: it is read from ``GET /v1/contacts``. A run asks only
when one of the tenant's vouchers names a contact not known yet (a first sync, a new
customer), with one listing of all contacts (250 a page), so an incremental run without
new contacts sends no request. A contact Lexware no longer lists is kept without
numbers and not asked for again.

Contacts are no vouchers: a failure to read them ends nothing. The run succeeds with the
vouchers it wrote and keeps the contacts read before the failure; the next run asks
again for those still unknown.
"""

from __future__ import annotations

import structlog

from belegsync.lexware import Contact, LexwareError
from belegsync.store.contact_numbers import ContactNumbers
from belegsync.store.errors import skipped_when_busy
from belegsync.sync.ports import LexwarePort
from belegsync.sync.run_state import RunPlan, SyncDeps

__all__ = ["contact_numbers", "refresh_contact_numbers"]

logger = structlog.get_logger("belegsync.sync")


# what the table holds (``LexwareContact``); a number beyond any Lexware gives is none
_ID_CHARS, _NAME_CHARS, _MAX_NUMBER = 64, 255, 10**15


def contact_numbers(contact: Contact) -> ContactNumbers | None:
    """What is kept of a listed contact; None for one whose id no voucher could name (a
    malformed answer must not fail the run's write). A number out of range is none, a
    long name is cut."""
    if not contact.id or len(contact.id) > _ID_CHARS:
        return None

    def number(value: int | None) -> int | None:
        return value if value is not None and 0 < value < _MAX_NUMBER else None

    name = contact.name[:_NAME_CHARS] if contact.name else None
    return ContactNumbers(
        contact.id, number(contact.customer_number), number(contact.vendor_number), name
    )


async def refresh_contact_numbers(deps: SyncDeps, client: LexwarePort, plan: RunPlan) -> int:
    """Read the numbers of the contacts the tenant's vouchers name that are not known
    yet; returns how many contacts' rows were written (0: nothing asked or nothing new)."""
    async with deps.uow_factory.read_only() as uow:
        unknown = await uow.contacts.unknown(plan.tenant_id)
    if not unknown:
        return 0
    listed: list[ContactNumbers] = []
    complete = True
    try:
        async for c in client.iter_contacts():
            entry = contact_numbers(c)
            if entry is not None:
                listed.append(entry)
    except LexwareError as error:
        logger.warning(
            "contact_numbers_not_read",
            run_id=plan.run_id,
            tenant_id=plan.tenant_id,
            read=len(listed),
            error=type(error).__name__,
            status=getattr(error, "status", None),
        )
        complete = False
    if not listed:
        return 0
    # a listing cut short keeps what it read; only a whole one tells which are gone
    seen = {c.lexware_id for c in listed}
    unlisted = [c for c in unknown if c not in seen] if complete else []
    written = 0
    # the vouchers are written; where the database is busy now, the numbers wait for
    # the next run (the contacts stay unknown until then)
    with skipped_when_busy("contact_numbers_deferred", run_id=plan.run_id):
        async with deps.uow_factory() as uow:
            written = await uow.contacts.store(
                plan.tenant_id, listed, unlisted=unlisted, now=deps.clock.now()
            )
            await uow.commit()
    logger.info(
        "contact_numbers_read", run_id=plan.run_id, tenant_id=plan.tenant_id, written=written
    )
    return written
