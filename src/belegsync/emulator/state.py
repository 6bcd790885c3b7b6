"""The in-memory world: every organisation, key, contact, voucher, file and subscription.

All changes go through methods here so that `updatedDate`, `version` and the webhook
events stay consistent with what Lexware does.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from belegsync.emulator.clock import Clock
from belegsync.emulator.model import (
    CONTACT_ROLES,
    FIRST_CONTACT_NUMBER,
    PERMISSIONS,
    ApiKey,
    Contact,
    Organization,
    PaymentItem,
    StoredFile,
    Subscription,
    Voucher,
    detail_resource,
    paid_status,
)


class WorldError(ValueError):
    """A control request that does not fit the world (unknown id, wrong state)."""


@dataclass(frozen=True)
class Event:
    organization_id: str
    event_type: str
    resource_id: str
    event_date: datetime


@dataclass
class OrgData:
    vouchers: dict[str, Voucher] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)  # sha256 -> file id
    # customer/vendor numbers in use and the next free one, per role
    used_numbers: dict[str, set[int]] = field(
        default_factory=lambda: {role: set() for role in CONTACT_ROLES}
    )
    next_numbers: dict[str, int] = field(default_factory=lambda: dict(FIRST_CONTACT_NUMBER))


class World:
    def __init__(self, *, clock: Clock | None = None, seed: int = 0) -> None:
        self.clock = clock or Clock()
        self.organizations: dict[str, Organization] = {}
        self.keys: dict[str, ApiKey] = {}
        self.data: dict[str, OrgData] = {}
        self.files: dict[str, StoredFile] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.listeners: list[Callable[[Event], None]] = []
        # ids of objects created at run time; seeded so whole runs are reproducible
        self._ids = random.Random(seed)

    # -- ids, time, events ---------------------------------------------------------------
    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def now(self) -> datetime:
        return self.clock.now()

    def emit(self, organization_id: str, event_type: str, resource_id: str) -> None:
        event = Event(organization_id, event_type, resource_id, self.now())
        for listener in list(self.listeners):
            listener(event)

    # -- organisations and keys ------------------------------------------------------------
    def add_organization(
        self, name: str, *, xl: bool = True, org_id: str | None = None
    ) -> Organization:
        org = Organization(
            id=org_id or self.new_id(), name=name, xl=xl, owner_id=self.new_id(), created=self.now()
        )
        self.organizations[org.id] = org
        self.data[org.id] = OrgData()
        return org

    def add_key(
        self,
        organization_id: str,
        *,
        key: str | None = None,
        expires_at: datetime | None = None,
        permissions: Iterable[str] | None = None,
        label: str = "",
        created: datetime | None = None,
    ) -> ApiKey:
        self.organization(organization_id)
        perms = frozenset(PERMISSIONS if permissions is None else permissions)
        unknown = perms - PERMISSIONS
        if unknown:
            raise WorldError(f"unknown permissions: {sorted(unknown)}")
        made = created or self.now()
        api_key = ApiKey(
            key=key or f"lxo-{uuid.UUID(int=self._ids.getrandbits(128)).hex}",
            organization_id=organization_id,
            # keys live 24 months from their creation (the profile's `created.date`)
            expires_at=expires_at or _plus_months(made, 24),
            permissions=perms,
            connection_id=self.new_id(),
            created=made,
            label=label,
        )
        if api_key.key in self.keys:
            raise WorldError("key already exists")
        self.keys[api_key.key] = api_key
        return api_key

    def revoke_key(self, key: str) -> None:
        api_key = self.keys.get(key)
        if api_key is None:
            raise WorldError("unknown key")
        api_key.revoked = True
        # Lexware removes every subscription created with an invalidated key.
        for sub_id in [s.id for s in self.subscriptions.values() if s.api_key == key]:
            del self.subscriptions[sub_id]

    def key_is_valid(self, api_key: ApiKey) -> bool:
        return not api_key.revoked and self.now() < api_key.expires_at

    def organization(self, organization_id: str) -> Organization:
        org = self.organizations.get(organization_id)
        if org is None:
            raise WorldError("unknown organization")
        return org

    # -- lookups (always inside one organisation) -------------------------------------------
    def vouchers(self, organization_id: str) -> Iterable[Voucher]:
        return self.data[organization_id].vouchers.values()

    def find_voucher(self, organization_id: str, voucher_id: str) -> Voucher | None:
        return self.data[organization_id].vouchers.get(voucher_id)

    def find_file(self, organization_id: str, file_id: str) -> StoredFile | None:
        return self.data[organization_id].files.get(file_id)

    def find_contact(self, organization_id: str, contact_id: str) -> Contact | None:
        return self.data[organization_id].contacts.get(contact_id)

    def contacts(self, organization_id: str) -> Iterable[Contact]:
        return self.data[organization_id].contacts.values()

    def voucher(self, voucher_id: str) -> Voucher:
        for org_data in self.data.values():
            found = org_data.vouchers.get(voucher_id)
            if found is not None:
                return found
        raise WorldError("unknown voucher")

    # -- adding data ------------------------------------------------------------------------
    def add_contact(self, contact: Contact, *, roles: Iterable[str] | None = None) -> Contact:
        """Adds (or replaces) a contact and numbers its roles as Lexware does.

        Each organisation numbers customers from 10000 and vendors from 70000 in the order
        contacts are added (no random draws). ``roles`` (``customer``, ``vendor``) defaults
        to both, or, when the contact comes with numbers, to the roles it has numbers for.
        Numbers given are kept; the next free number continues above the highest used.
        """
        given = {role for role in CONTACT_ROLES if contact.role_number(role) is not None}
        wanted = set(given or CONTACT_ROLES) if roles is None else set(roles)
        if not wanted or not wanted <= set(CONTACT_ROLES):
            raise WorldError(f"roles must be one or both of {list(CONTACT_ROLES)}")
        if given - wanted:
            raise WorldError(f"a {sorted(given - wanted)[0]} number needs that role")
        org_data = self.data[contact.organization_id]
        previous = org_data.contacts.get(contact.id)
        for role in CONTACT_ROLES:
            used = org_data.used_numbers[role]
            old = None if previous is None else previous.role_number(role)
            number = contact.role_number(role)
            if number is not None and number < 1:
                raise WorldError(f"{role} number must be positive")
            if number is not None and number != old and number in used:
                raise WorldError(f"{role} number {number} is already used")
        for role in CONTACT_ROLES:
            used = org_data.used_numbers[role]
            old = None if previous is None else previous.role_number(role)
            if old is not None:
                used.discard(old)
            number = contact.role_number(role)
            if number is None and role in wanted:
                number = org_data.next_numbers[role]
                contact.set_role_number(role, number)
            if number is not None:
                used.add(number)
                org_data.next_numbers[role] = max(org_data.next_numbers[role], number + 1)
        org_data.contacts[contact.id] = contact
        return contact

    def add_voucher(self, voucher: Voucher, *, notify: bool = True) -> Voucher:
        self.data[voucher.organization_id].vouchers[voucher.id] = voucher
        if notify:
            self.emit(voucher.organization_id, f"{_event_resource(voucher)}.created", voucher.id)
        return voucher

    def add_file(self, stored: StoredFile, *, attach: bool = True) -> StoredFile:
        org_data = self.data[stored.organization_id]
        org_data.files[stored.id] = stored
        self.files[stored.id] = stored
        if stored.checksum:
            org_data.checksums[stored.checksum] = stored.id
        if attach:
            voucher = org_data.vouchers[stored.voucher_id]
            if stored.sales_document:
                voucher.document_file_id = stored.id
            else:
                voucher.file_ids.append(stored.id)
        return stored

    def file_by_checksum(self, organization_id: str, content: bytes) -> StoredFile | None:
        file_id = self.data[organization_id].checksums.get(hashlib.sha256(content).hexdigest())
        return None if file_id is None else self.data[organization_id].files.get(file_id)

    # -- changes ---------------------------------------------------------------------------
    def touch(self, voucher: Voucher) -> None:
        voucher.updated = max(self.now(), voucher.updated)
        voucher.version += 1

    def pay(
        self, voucher: Voucher, items: list[PaymentItem], *, paid_date: datetime | None = None
    ) -> None:
        if voucher.status in ("draft", "voided", "unchecked"):
            raise WorldError(f"voucher in status {voucher.status} cannot be paid")
        voucher.payment_items.extend(items)
        before = voucher.status
        if voucher.paid_amount >= voucher.total_gross:
            voucher.status = paid_status(voucher.voucher_type)
            latest = max((p.posting_date for p in voucher.payment_items), default=self.now())
            voucher.paid_date = paid_date or latest
        self.touch(voucher)
        self._emit_change(voucher, status_changed=before != voucher.status, payment=True)

    def set_status(self, voucher: Voucher, status: str) -> None:
        before = voucher.status
        if status in ("open", "draft", "transferred", "sepadebit", "unchecked"):
            voucher.paid_date = None
            if status in ("open", "draft"):
                voucher.payment_items.clear()
        voucher.status = status
        self.touch(voucher)
        self._emit_change(voucher, status_changed=before != status, payment=True)

    def edit(self, voucher: Voucher, **changes: object) -> None:
        for name, value in changes.items():
            if not hasattr(voucher, name):
                raise WorldError(f"unknown voucher field {name}")
            setattr(voucher, name, value)
        self.touch(voucher)
        self.emit(voucher.organization_id, f"{_event_resource(voucher)}.changed", voucher.id)

    def attach_file(self, stored: StoredFile) -> None:
        self.add_file(stored)
        voucher = self.data[stored.organization_id].vouchers[stored.voucher_id]
        self.touch(voucher)
        self.emit(voucher.organization_id, f"{_event_resource(voucher)}.changed", voucher.id)

    def delete_voucher(self, voucher: Voucher) -> None:
        """Gone for good: no longer listed, its detail, payments and files answer 404."""
        org_data = self.data[voucher.organization_id]
        org_data.vouchers.pop(voucher.id, None)
        for file_id in [*voucher.file_ids, voucher.document_file_id]:
            stored = None if file_id is None else self.files.pop(file_id, None)
            if stored is not None:
                org_data.files.pop(stored.id, None)
                if stored.checksum:
                    org_data.checksums.pop(stored.checksum, None)
        self.emit(voucher.organization_id, f"{_event_resource(voucher)}.deleted", voucher.id)

    def delete_file(self, file_id: str) -> None:
        stored = self.files.pop(file_id, None)
        if stored is None:
            raise WorldError("unknown file")
        org_data = self.data[stored.organization_id]
        org_data.files.pop(file_id, None)
        if stored.checksum:
            org_data.checksums.pop(stored.checksum, None)
        voucher = org_data.vouchers.get(stored.voucher_id)
        if voucher is not None:
            if file_id in voucher.file_ids:
                voucher.file_ids.remove(file_id)
            if voucher.document_file_id == file_id:
                voucher.document_file_id = None
            self.touch(voucher)
            self.emit(voucher.organization_id, f"{_event_resource(voucher)}.changed", voucher.id)

    def _emit_change(self, voucher: Voucher, *, status_changed: bool, payment: bool) -> None:
        if status_changed:
            self.emit(
                voucher.organization_id, f"{_event_resource(voucher)}.status.changed", voucher.id
            )
        if payment:
            self.emit(voucher.organization_id, "payment.changed", voucher.id)

    # -- counts for control and tests -------------------------------------------------------
    def voucher_count(self, organization_id: str) -> int:
        return len(self.data[organization_id].vouchers)

    def due_today(self) -> date:
        return self.clock.today_berlin()


def _plus_months(instant: datetime, months: int) -> datetime:
    month0 = instant.month - 1 + months
    year, month = instant.year + month0 // 12, month0 % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


def _event_resource(voucher: Voucher) -> str:
    """Webhook event prefix: vouchers → voucher, invoices → invoice, …"""
    return detail_resource(voucher.voucher_type).removesuffix("s")
