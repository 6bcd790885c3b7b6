"""Vouchers as the sync stores them: upserts with versions, payment items, files."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from belegsync.store.enums import ReviewReason
from belegsync.store.jsoncodec import content_hash
from belegsync.store.models import (
    PaymentItem,
    Voucher,
    VoucherFile,
    VoucherVersion,
)
from belegsync.store.models.base import new_id


@dataclass(frozen=True, kw_only=True, slots=True)
class VoucherData:
    """A voucher as the sync parsed it from Lexware (amounts already in cents)."""

    lexware_id: str
    voucher_type: str
    voucher_status: str
    voucher_number: str | None
    voucher_date: date
    due_date: date | None
    contact_name: str | None
    contact_id: str | None
    total_gross_cents: int
    total_tax_cents: int | None
    open_amount_cents: int | None
    currency: str
    paid_date: date | None
    lexware_updated_at: datetime
    lexware_version: int | None
    raw_json: dict[str, Any]
    raw_list_json: dict[str, Any] | None
    raw_payments_json: dict[str, Any] | None


@dataclass(frozen=True, kw_only=True, slots=True)
class PaymentItemData:
    payment_item_type: str
    posting_date: date | None
    amount_cents: int
    currency: str


@dataclass(frozen=True, kw_only=True, slots=True)
class FileData:
    lexware_file_id: str
    sha256: str
    media_type: str
    filename: str | None
    size_bytes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class NewVoucher:
    """A voucher seen for the first time, with everything written along with it."""

    data: VoucherData
    payment_items: Sequence[PaymentItemData]
    files: Sequence[FileData]


class UpsertOutcome(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class VoucherUpsert:
    voucher: Voucher
    outcome: UpsertOutcome


def voucher_content_hash(raw_json: dict[str, Any], raw_payments_json: dict[str, Any] | None) -> str:
    """The hash that decides "unchanged": detail and payments, canonically encoded."""
    return content_hash(raw_json, raw_payments_json)


_VOUCHER_FIELDS = (
    "voucher_type",
    "voucher_status",
    "voucher_number",
    "voucher_date",
    "due_date",
    "contact_name",
    "contact_id",
    "total_gross_cents",
    "total_tax_cents",
    "open_amount_cents",
    "currency",
    "paid_date",
    "lexware_updated_at",
    "lexware_version",
    "raw_json",
    "raw_list_json",
    "raw_payments_json",
)


@dataclass(frozen=True, slots=True)
class KnownFile:
    lexware_file_id: str
    sha256: str
    media_type: str
    size_bytes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class KnownVoucher:
    """What the sync needs to know about a stored voucher to decide whether to fetch it."""

    lexware_id: str
    voucher_type: str
    voucher_status: str
    voucher_date: date
    lexware_updated_at: datetime
    review_reason: str | None
    files: tuple[KnownFile, ...] = ()

    @property
    def file_ids(self) -> tuple[str, ...]:
        return tuple(f.lexware_file_id for f in self.files)

    def file_types(self) -> dict[str, str]:
        """Stored file id → media type."""
        return {f.lexware_file_id: f.media_type for f in self.files}


class VoucherRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count(self, tenant_id: str) -> int:
        query = select(func.count()).select_from(Voucher).where(Voucher.tenant_id == tenant_id)
        return int(await self._session.scalar(query) or 0)

    async def all_with_details(
        self, tenant_id: str
    ) -> list[tuple[Voucher, list[PaymentItem], list[VoucherFile]]]:
        """Every voucher of the tenant with payment items and files, oldest first."""
        query = (
            select(Voucher)
            .where(Voucher.tenant_id == tenant_id)
            .options(selectinload(Voucher.payment_items), selectinload(Voucher.files))
            .order_by(Voucher.voucher_date, Voucher.voucher_number, Voucher.lexware_id)
        )
        vouchers = await self._session.scalars(query)
        return [(v, list(v.payment_items), list(v.files)) for v in vouchers]

    async def sync_states(self, tenant_id: str) -> dict[str, KnownVoucher]:
        """Every stored voucher of the tenant with its sync-relevant facts, by Lexware id."""
        files: dict[str, list[KnownFile]] = {}
        file_rows = await self._session.execute(
            select(
                VoucherFile.voucher_id,
                VoucherFile.lexware_file_id,
                VoucherFile.sha256,
                VoucherFile.media_type,
                VoucherFile.size_bytes,
            )
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == tenant_id)
        )
        for voucher_id, file_id, sha256, media_type, size in file_rows:
            files.setdefault(voucher_id, []).append(KnownFile(file_id, sha256, media_type, size))
        rows = await self._session.execute(
            select(
                Voucher.id,
                Voucher.lexware_id,
                Voucher.voucher_type,
                Voucher.voucher_status,
                Voucher.voucher_date,
                Voucher.lexware_updated_at,
                Voucher.review_reason,
            ).where(Voucher.tenant_id == tenant_id)
        )
        return {
            row.lexware_id: KnownVoucher(
                lexware_id=row.lexware_id,
                voucher_type=row.voucher_type,
                voucher_status=row.voucher_status,
                voucher_date=row.voucher_date,
                lexware_updated_at=row.lexware_updated_at,
                review_reason=row.review_reason,
                files=tuple(files.get(row.id, ())),
            )
            for row in rows
        }

    async def record_list_change(
        self,
        voucher: Voucher,
        list_json: dict[str, Any],
        *,
        status: str,
        updated_at: datetime,
        now: datetime,
    ) -> None:
        """Record a status change seen only in the voucher list (voided, reopened).

        The stored detail stays as it was; the new status and list entry are kept, and
        a version row documents the change.
        """
        voucher.voucher_status = status
        voucher.lexware_updated_at = updated_at
        voucher.raw_list_json = list_json
        voucher.last_synced_at = now
        voucher.payments_stale = new_id()
        self._add_version(voucher, captured_at=now, reason=f"status:{status}")
        await self._session.flush()

    async def remove_files_except(self, voucher_id: str, keep: frozenset[str]) -> int:
        """Drop file rows Lexware no longer lists (the bytes and the version history stay)."""
        result = await self._session.execute(
            delete(VoucherFile).where(
                VoucherFile.voucher_id == voucher_id,
                VoucherFile.lexware_file_id.not_in(keep),
            )
        )
        await self._session.flush()
        return int(getattr(result, "rowcount", 0) or 0)

    async def by_lexware_id(self, tenant_id: str, lexware_id: str) -> Voucher | None:
        query = select(Voucher).where(
            Voucher.tenant_id == tenant_id, Voucher.lexware_id == lexware_id
        )
        return await self._session.scalar(query)

    async def lexware_ids(self, tenant_id: str) -> dict[str, str]:
        """Lexware id → content hash of every stored voucher of the tenant."""
        query = select(Voucher.lexware_id, Voucher.content_hash).where(
            Voucher.tenant_id == tenant_id
        )
        return {row.lexware_id: row.content_hash for row in await self._session.execute(query)}

    async def insert_new(
        self, tenant_id: str, batch: Sequence[NewVoucher], *, now: datetime
    ) -> set[str]:
        """Insert first-seen vouchers with their first version, payments and files; return
        the Lexware ids inserted.

        A handful of multi-row INSERTs per batch instead of a dozen statements per
        voucher: the first sync of a large account is mostly this. A voucher the tenant
        has already is left alone (``ON CONFLICT DO NOTHING`` on its unique key, in the
        same statement, instead of asking first): it is not in the returned ids, and the
        caller writes it the one-by-one way.
        """
        if not batch:
            return set()
        vouchers: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        files: list[dict[str, Any]] = []
        for entry in batch:
            data = entry.data
            voucher_id = new_id()
            digest = voucher_content_hash(data.raw_json, data.raw_payments_json)
            row = {field: getattr(data, field) for field in _VOUCHER_FIELDS}
            row.update(
                id=voucher_id,
                tenant_id=tenant_id,
                lexware_id=data.lexware_id,
                first_synced_at=now,
                last_synced_at=now,
                content_hash=digest,
                payments_stale=new_id(),
            )
            vouchers.append(row)
            versions.append(
                {
                    "voucher_id": voucher_id,
                    "captured_at": now,
                    "lexware_updated_at": data.lexware_updated_at,
                    "lexware_version": data.lexware_version,
                    "voucher_status": data.voucher_status,
                    "raw_json": data.raw_json,
                    "raw_payments_json": data.raw_payments_json,
                    "content_hash": digest,
                    "reason": "created",
                }
            )
            items.extend(
                {
                    "voucher_id": voucher_id,
                    "position": position,
                    "payment_item_type": item.payment_item_type,
                    "posting_date": item.posting_date,
                    "amount_cents": item.amount_cents,
                    "currency": item.currency,
                }
                for position, item in enumerate(entry.payment_items)
            )
            files.extend(
                {
                    "id": new_id(),
                    "voucher_id": voucher_id,
                    "lexware_file_id": f.lexware_file_id,
                    "sha256": f.sha256,
                    "media_type": f.media_type,
                    "filename": f.filename,
                    "size_bytes": f.size_bytes,
                    "created_at": now,
                }
                for f in entry.files
            )
        inserted = await self._insert_vouchers_skipping_known(vouchers)
        if len(inserted) < len(vouchers):
            versions, items, files = (
                [row for row in rows if row["voucher_id"] in inserted]
                for rows in (versions, items, files)
            )
        # Core inserts (executemany) of the tables: the ORM's bulk layer would add work
        # per row that plain dictionaries do not need.
        for model, rows in (
            (VoucherVersion, versions),
            (PaymentItem, items),
            (VoucherFile, files),
        ):
            if rows:
                await self._session.execute(insert(cast(Table, model.__table__)), rows)
        return {row["lexware_id"] for row in vouchers if row["id"] in inserted}

    async def _insert_vouchers_skipping_known(self, rows: list[dict[str, Any]]) -> set[str]:
        """Insert voucher rows, skipping those whose (tenant, Lexware id) is stored
        already; the ids of the rows inserted.

        No RETURNING: with it the rows go as one multi-row statement that the driver
        parses anew each time (about as costly as asking first). The row count tells
        whether all went in, as they nearly always do; only if not, one SELECT says which.
        """
        table = cast(Table, Voucher.__table__)
        dialect = self._session.get_bind().dialect.name
        make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            make_insert(table)
            .on_conflict_do_nothing(index_elements=[table.c.tenant_id, table.c.lexware_id])
            .execution_options(preserve_rowcount=True)
        )
        result = await self._session.execute(statement, rows)
        ids = [row["id"] for row in rows]
        if getattr(result, "rowcount", -1) == len(rows):
            return set(ids)
        return set(await self._session.scalars(select(Voucher.id).where(Voucher.id.in_(ids))))

    async def upsert(
        self, tenant_id: str, data: VoucherData, *, now: datetime, reason: str | None = None
    ) -> VoucherUpsert:
        """Insert or update a voucher from Lexware; keep every received version.

        A ``voucher_versions`` row is written for a new voucher and whenever the raw
        detail or payments JSON changed (``reason`` defaults to "created"/"changed").
        An unchanged voucher only gets ``last_synced_at`` bumped.
        """
        digest = voucher_content_hash(data.raw_json, data.raw_payments_json)
        voucher = await self.by_lexware_id(tenant_id, data.lexware_id)
        if voucher is None:
            voucher = Voucher(
                tenant_id=tenant_id,
                lexware_id=data.lexware_id,
                first_synced_at=now,
                last_synced_at=now,
                content_hash=digest,
                **{field: getattr(data, field) for field in _VOUCHER_FIELDS},
            )
            self._session.add(voucher)
            await self._session.flush()
            self._add_version(voucher, captured_at=now, reason=reason or "created")
            await self._session.flush()
            return VoucherUpsert(voucher, UpsertOutcome.NEW)
        voucher.last_synced_at = now
        if voucher.content_hash == digest:
            if data.raw_list_json is not None:
                voucher.raw_list_json = data.raw_list_json
            await self._session.flush()
            return VoucherUpsert(voucher, UpsertOutcome.UNCHANGED)
        for field in _VOUCHER_FIELDS:
            setattr(voucher, field, getattr(data, field))
        voucher.content_hash = digest
        # The hash covers the detail and the payments: what expected payments derive from.
        voucher.payments_stale = new_id()
        self._add_version(voucher, captured_at=now, reason=reason or "changed")
        await self._session.flush()
        return VoucherUpsert(voucher, UpsertOutcome.CHANGED)

    def _add_version(self, voucher: Voucher, *, captured_at: datetime, reason: str) -> None:
        self._session.add(
            VoucherVersion(
                voucher_id=voucher.id,
                captured_at=captured_at,
                lexware_updated_at=voucher.lexware_updated_at,
                lexware_version=voucher.lexware_version,
                voucher_status=voucher.voucher_status,
                raw_json=voucher.raw_json,
                raw_payments_json=voucher.raw_payments_json,
                content_hash=voucher.content_hash,
                reason=reason,
            )
        )

    async def versions(self, voucher_id: str) -> list[VoucherVersion]:
        query = (
            select(VoucherVersion)
            .where(VoucherVersion.voucher_id == voucher_id)
            .order_by(VoucherVersion.id)
        )
        return list(await self._session.scalars(query))

    async def flag_for_review(
        self, voucher: Voucher, *, reason: ReviewReason, detail: str | None, now: datetime
    ) -> None:
        """Mark a voucher for staff review; the first flag's time is kept."""
        if voucher.review_reason is None:
            voucher.review_flagged_at = now
        voucher.review_reason = reason
        voucher.review_detail = detail
        voucher.payments_stale = new_id()
        await self._session.flush()

    async def clear_review(self, voucher: Voucher) -> None:
        voucher.review_reason = None
        voucher.review_detail = None
        voucher.review_flagged_at = None
        voucher.payments_stale = new_id()
        await self._session.flush()

    async def replace_payment_items(
        self, voucher_id: str, items: Sequence[PaymentItemData]
    ) -> list[PaymentItem]:
        """Replace the voucher's payment items as a set (positions follow ``items``)."""
        await self._session.execute(delete(PaymentItem).where(PaymentItem.voucher_id == voucher_id))
        rows = [
            PaymentItem(
                voucher_id=voucher_id,
                position=position,
                payment_item_type=item.payment_item_type,
                posting_date=item.posting_date,
                amount_cents=item.amount_cents,
                currency=item.currency,
            )
            for position, item in enumerate(items)
        ]
        self._session.add_all(rows)
        await self._session.flush()
        return rows

    async def payment_items(self, voucher_id: str) -> list[PaymentItem]:
        query = (
            select(PaymentItem)
            .where(PaymentItem.voucher_id == voucher_id)
            .order_by(PaymentItem.position)
        )
        return list(await self._session.scalars(query))

    async def save_file(self, voucher_id: str, data: FileData, *, now: datetime) -> VoucherFile:
        """Add the file row, or update it if Lexware now serves other bytes for that file.

        Write the bytes to the :class:`~belegsync.store.files.FileStore` first, so the
        row never points at a missing file.
        """
        row = await self._session.scalar(
            select(VoucherFile).where(
                VoucherFile.voucher_id == voucher_id,
                VoucherFile.lexware_file_id == data.lexware_file_id,
            )
        )
        if row is None:
            row = VoucherFile(voucher_id=voucher_id, lexware_file_id=data.lexware_file_id)
            row.created_at = now
            self._session.add(row)
        row.sha256 = data.sha256
        row.media_type = data.media_type
        row.filename = data.filename
        row.size_bytes = data.size_bytes
        await self._session.flush()
        return row

    async def files(self, voucher_id: str) -> list[VoucherFile]:
        query = (
            select(VoucherFile)
            .where(VoucherFile.voucher_id == voucher_id)
            .order_by(VoucherFile.lexware_file_id)
        )
        return list(await self._session.scalars(query))
