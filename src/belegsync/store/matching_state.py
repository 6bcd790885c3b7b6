"""The match state kept with the links, so a matching run reads only what is new.

* ``expected_payments.settled``: a confirmed or automatic link to a real (not
  external) transaction settles the payment;
* ``bank_transactions.used_up``: confirmed and automatic links allocate the whole
  amount of the line;
* ``contact_payers``: what those links taught about each contact's payers (IBAN,
  creditor id, account holder's name; per amount and over all amounts; how many links,
  latest booking date).

Every flush that writes a link (new, or its status or allocation changed) or moves a
voucher to another contact updates the state in the same transaction, whichever use
case wrote it, and so does ``MatchingRepository.insert_links``, the one way to insert
links as rows (a matching run's new links): the state cannot diverge from the links.
Settled and used-up are recomputed from the links of the touched rows; the payer
summary is counted up when a link starts allocating and down when it stops (the latest
booking date is recomputed for a group that lost its latest line).
:func:`match_state_from_links` computes everything from scratch (tests compare it with
the stored state; migration 0016 fills existing rows the same way).

A transaction writes a tenant's links only after taking the tenant's links lock
(``MatchingRepository.lock_links``, :func:`mark_links_locked`); a flush of links
without it raises :class:`LinksNotLocked`. So a matching run that computed outside a
transaction finds every change to the links in the tenant's version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    and_,
    case,
    delete,
    event,
    exists,
    func,
    inspect,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.selectable import Select

from belegsync.domain.matching import ALLOCATING_STATUSES
from belegsync.store.models import (
    BankTransaction,
    ContactPayer,
    ExpectedPayment,
    PaymentLink,
    Voucher,
)

__all__ = [
    "LinksNotLocked",
    "MatchState",
    "PayerKey",
    "keep_for_inserted_links",
    "mark_links_locked",
    "match_state_from_links",
    "payer_summary_select",
    "stored_match_state",
]

_PAYERS = cast(Table, ContactPayer.__table__)
_ALLOCATING: frozenset[str] = frozenset(s.value for s in ALLOCATING_STATUSES)
_CHUNK = 500

# (contact, amount (0: all amounts), IBAN, creditor id, payer name)
PayerKey = tuple[str, int, str, str, str]


@dataclass(frozen=True, slots=True)
class MatchState:
    """The state of one tenant: settled payments, used-up lines, payer summary."""

    settled: frozenset[str]
    used_up: frozenset[str]
    payers: dict[PayerKey, tuple[int, date]]


def _allocating(status: Any) -> bool:
    return status is not None and str(status) in _ALLOCATING


def _real_links(*, allocating_only: bool) -> Select[Any]:
    """(tenant, contact, IBAN, creditor, name, |amount|, booking date) per link to a real
    transaction of a voucher with a contact; only allocating links if asked."""
    query = (
        select(
            Voucher.tenant_id.label("tenant_id"),
            Voucher.contact_id.label("contact_id"),
            func.coalesce(BankTransaction.counterparty_iban, "").label("iban"),
            func.coalesce(BankTransaction.creditor_id, "").label("creditor_id"),
            func.coalesce(BankTransaction.counterparty_name, "").label("payer_name"),
            func.abs(BankTransaction.amount_cents).label("amount_cents"),
            BankTransaction.booking_date.label("booking_date"),
        )
        .select_from(PaymentLink)
        .join(ExpectedPayment, ExpectedPayment.id == PaymentLink.expected_payment_id)
        .join(Voucher, Voucher.id == ExpectedPayment.voucher_id)
        .join(BankTransaction, BankTransaction.id == PaymentLink.bank_transaction_id)
        .where(BankTransaction.source != "external", Voucher.contact_id.is_not(None))
    )
    if allocating_only:
        query = query.where(PaymentLink.status.in_(sorted(_ALLOCATING)))
    return query


def payer_summary_select(where: Iterable[ColumnElement[bool]] = ()) -> Select[Any]:
    """The payer summary from the links, as ``contact_payers`` rows (without id)."""
    base = _real_links(allocating_only=True).where(*where).subquery()
    keys = (base.c.tenant_id, base.c.contact_id, base.c.iban, base.c.creditor_id, base.c.payer_name)
    per_amount = (
        select(
            *keys[:2],
            base.c.amount_cents,
            *keys[2:],
            func.count().label("links"),
            func.max(base.c.booking_date).label("last_booking_date"),
        )
        .where(base.c.amount_cents != 0)
        .group_by(*keys, base.c.amount_cents)
    )
    per_payer = select(
        *keys[:2],
        literal(0).label("amount_cents"),
        *keys[2:],
        func.count().label("links"),
        func.max(base.c.booking_date).label("last_booking_date"),
    ).group_by(*keys)
    return select(union_all(per_amount, per_payer).subquery())


def _settled_now() -> ColumnElement[bool]:
    """Correlated to ``ExpectedPayment``: an allocating link to a real transaction."""
    return exists().where(
        PaymentLink.expected_payment_id == ExpectedPayment.id,
        PaymentLink.status.in_(sorted(_ALLOCATING)),
        PaymentLink.bank_transaction_id == BankTransaction.id,
        BankTransaction.source != "external",
    )


def _used_up_now() -> ColumnElement[bool]:
    """Correlated to ``BankTransaction``: the allocating links hold the whole amount."""
    allocated = (
        select(func.coalesce(func.sum(PaymentLink.allocated_cents), 0))
        .where(
            PaymentLink.bank_transaction_id == BankTransaction.id,
            PaymentLink.status.in_(sorted(_ALLOCATING)),
        )
        .scalar_subquery()
    )
    return allocated >= func.abs(BankTransaction.amount_cents)


async def match_state_from_links(session: AsyncSession, tenant_id: str) -> MatchState:
    """The state computed from the links alone (what the stored state must equal)."""
    settled = await session.scalars(
        select(ExpectedPayment.id).where(ExpectedPayment.tenant_id == tenant_id, _settled_now())
    )
    used_up = await session.scalars(
        select(BankTransaction.id).where(BankTransaction.tenant_id == tenant_id, _used_up_now())
    )
    summary = payer_summary_select([PaymentLink.tenant_id == tenant_id]).subquery()
    rows = await session.execute(select(summary).where(summary.c.tenant_id == tenant_id))
    return MatchState(frozenset(settled), frozenset(used_up), _payers(rows))


async def stored_match_state(session: AsyncSession, tenant_id: str) -> MatchState:
    """The state as stored."""
    settled = await session.scalars(
        select(ExpectedPayment.id).where(
            ExpectedPayment.tenant_id == tenant_id, ExpectedPayment.settled.is_(True)
        )
    )
    used_up = await session.scalars(
        select(BankTransaction.id).where(
            BankTransaction.tenant_id == tenant_id, BankTransaction.used_up.is_(True)
        )
    )
    t = _PAYERS
    rows = await session.execute(
        select(*(t.c[name] for name in _SUMMARY_COLUMNS)).where(t.c.tenant_id == tenant_id)
    )
    return MatchState(frozenset(settled), frozenset(used_up), _payers(rows))


_SUMMARY_COLUMNS = (
    "tenant_id",
    "contact_id",
    "amount_cents",
    "iban",
    "creditor_id",
    "payer_name",
    "links",
    "last_booking_date",
)


def _payers(rows: Iterable[Row[Any]]) -> dict[PayerKey, tuple[int, date]]:
    out: dict[PayerKey, tuple[int, date]] = {}
    for row in rows:
        m = row._mapping
        key = (m["contact_id"], int(m["amount_cents"]), m["iban"], m["creditor_id"])
        out[(*key, m["payer_name"])] = (int(m["links"]), m["last_booking_date"])
    return out


# ---- kept with every flush ------------------------------------------------------------

# ``Session.info``: the tenants whose links lock the session's transaction holds
_LOCKED = "belegsync_links_locked"


class LinksNotLocked(RuntimeError):
    """Links written in a transaction that did not take their tenant's links lock
    first: a programming error (``MatchingRepository.lock_links``)."""


def mark_links_locked(session: Session, tenant_id: str) -> None:
    """Note that the session's transaction holds ``tenant_id``'s links lock."""
    session.info.setdefault(_LOCKED, set()).add(tenant_id)


def _require_locked(session: Session, tenants: set[str]) -> None:
    missing = tenants - session.info.get(_LOCKED, set())
    if missing:
        raise LinksNotLocked(
            f"links of tenant(s) {sorted(missing)} written without taking the links lock "
            "first (MatchingRepository.lock_links)"
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the lock ends with the outermost transaction
        session.info.pop(_LOCKED, None)


@dataclass(slots=True)
class _Changes:
    payments: set[str]
    txns: set[str]
    started: set[str]  # link ids that now allocate and did not before
    stopped: set[str]  # link ids that allocated before and do not now
    contacts: set[tuple[str, str]]  # (tenant, contact) to recompute from scratch
    tenants: set[str]  # whose links were written (any of their columns)


def _changes(session: Session) -> _Changes:
    found = _Changes(set(), set(), set(), set(), set(), set())
    for obj in session.new:
        if isinstance(obj, PaymentLink):
            found.payments.add(obj.expected_payment_id)
            found.txns.add(obj.bank_transaction_id)
            found.tenants.add(obj.tenant_id)
            if _allocating(obj.status):
                found.started.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, PaymentLink):
            if session.is_modified(obj):  # any change to a link needs the links lock
                found.tenants.add(obj.tenant_id)
            state = inspect(obj)
            status = state.attrs.status.history
            allocated = state.attrs.allocated_cents.history
            if not (status.has_changes() or allocated.has_changes()):
                continue
            found.payments.add(obj.expected_payment_id)
            found.txns.add(obj.bank_transaction_id)
            if status.has_changes():
                before = any(_allocating(s) for s in status.deleted)
                after = _allocating(obj.status)
                if after and not before:
                    found.started.add(obj.id)
                elif before and not after:
                    found.stopped.add(obj.id)
        elif isinstance(obj, Voucher):
            contact = inspect(obj).attrs.contact_id.history
            if contact.has_changes():
                for value in (*contact.deleted, *contact.added):
                    if value:
                        found.contacts.add((obj.tenant_id, value))
                if not contact.deleted:  # the old contact was not loaded
                    found.contacts.add((obj.tenant_id, "*"))
    return found


@event.listens_for(Session, "after_flush")
def _keep_match_state(session: Session, _context: UOWTransaction) -> None:
    changes = _changes(session)
    _require_locked(session, changes.tenants)
    _keep(session.connection(), changes)


def keep_for_inserted_links(session: Session, links: Sequence[Mapping[str, Any]]) -> None:
    """The state for links inserted as rows, without a flush
    (``MatchingRepository.insert_links``): what a flush of them as new objects keeps."""
    changes = _Changes(set(), set(), set(), set(), set(), set())
    for link in links:
        changes.tenants.add(link["tenant_id"])
        changes.payments.add(link["expected_payment_id"])
        changes.txns.add(link["bank_transaction_id"])
        if _allocating(link["status"]):
            changes.started.add(link["id"])
    _require_locked(session, changes.tenants)
    _keep(session.connection(), changes)


def _keep(connection: Connection, changes: _Changes) -> None:
    if not (changes.payments or changes.contacts):
        return
    _refresh(connection, ExpectedPayment, sorted(changes.payments), settled=_settled_now())
    _refresh(connection, BankTransaction, sorted(changes.txns), used_up=_used_up_now())
    _count_payers(connection, sorted(changes.started), +1)
    _count_payers(connection, sorted(changes.stopped), -1)
    for tenant_id, contact_id in sorted(changes.contacts):
        _recompute_contact(connection, tenant_id, None if contact_id == "*" else contact_id)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _refresh(
    connection: Connection,
    model: type[ExpectedPayment] | type[BankTransaction],
    ids: Sequence[str],
    **values: ColumnElement[bool],
) -> None:
    """Set ``values`` (a flag recomputed from the links) on the rows ``ids`` of ``model``."""
    for chunk in _chunks(ids):
        connection.execute(
            update(model)
            .where(model.id.in_(chunk))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _payer_groups(
    connection: Connection, link_ids: Sequence[str]
) -> dict[tuple[str, str, int, str, str, str], tuple[int, date]]:
    """(tenant, contact, amount, IBAN, creditor, name) → (links, latest day) of these
    links (whatever their status), amount 0 for the payer over all amounts."""
    groups: dict[tuple[str, str, int, str, str, str], tuple[int, date]] = {}
    for chunk in _chunks(link_ids):
        query = _real_links(allocating_only=False).where(PaymentLink.id.in_(chunk))
        for tenant, contact, iban, creditor, name, cents, day in connection.execute(query):
            for amount in {int(cents), 0}:
                key = (tenant, contact, amount, iban, creditor, name)
                n, last = groups.get(key, (0, day))
                groups[key] = (n + 1, max(last, day))
    return groups


def _key_condition(key: tuple[str, str, int, str, str, str]) -> ColumnElement[bool]:
    t = _PAYERS.c
    tenant, contact, amount, iban, creditor, name = key
    return and_(
        t.tenant_id == tenant,
        t.contact_id == contact,
        t.amount_cents == amount,
        t.iban == iban,
        t.creditor_id == creditor,
        t.payer_name == name,
    )


def _count_payers(connection: Connection, link_ids: Sequence[str], sign: int) -> None:
    groups = _payer_groups(connection, link_ids)
    if not groups:
        return
    t = _PAYERS
    if sign > 0:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(t)
        upsert = insert.on_conflict_do_update(
            index_elements=[t.c[name] for name in _KEY_COLUMNS],
            set_={
                "links": t.c.links + insert.excluded.links,
                "last_booking_date": case(
                    (
                        insert.excluded.last_booking_date > t.c.last_booking_date,
                        insert.excluded.last_booking_date,
                    ),
                    else_=t.c.last_booking_date,
                ),
            },
        )
        connection.execute(
            upsert,
            [
                {**dict(zip(_KEY_COLUMNS, key, strict=True)), "links": n, "last_booking_date": d}
                for key, (n, d) in sorted(groups.items())
            ],
        )
        return
    for key, (n, day) in sorted(groups.items()):
        where = _key_condition(key)
        connection.execute(update(t).where(where).values(links=t.c.links - n))
        connection.execute(delete(t).where(where, t.c.links <= 0))
        # the group may have lost its latest line
        tenant, contact, amount, iban, creditor, name = key
        lines = _real_links(allocating_only=True).where(
            Voucher.tenant_id == tenant,
            Voucher.contact_id == contact,
            func.coalesce(BankTransaction.counterparty_iban, "") == iban,
            func.coalesce(BankTransaction.creditor_id, "") == creditor,
            func.coalesce(BankTransaction.counterparty_name, "") == name,
            *([func.abs(BankTransaction.amount_cents) == amount] if amount else []),
        )
        latest = select(func.max(lines.subquery().c.booking_date)).scalar_subquery()
        connection.execute(
            update(t).where(where, t.c.last_booking_date <= day).values(last_booking_date=latest)
        )


def _recompute_contact(connection: Connection, tenant_id: str, contact_id: str | None) -> None:
    """The payer summary of one contact (``None``: the tenant) again from its links."""
    t = _PAYERS
    where = [t.c.tenant_id == tenant_id]
    source = [Voucher.tenant_id == tenant_id]
    if contact_id is not None:
        where.append(t.c.contact_id == contact_id)
        source.append(Voucher.contact_id == contact_id)
    connection.execute(delete(t).where(*where))
    connection.execute(t.insert().from_select(list(_SUMMARY_COLUMNS), payer_summary_select(source)))


_KEY_COLUMNS = ("tenant_id", "contact_id", "amount_cents", "iban", "creditor_id", "payer_name")
