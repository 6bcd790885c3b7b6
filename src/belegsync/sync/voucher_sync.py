"""One voucher's share of a sync run: fetch what Lexware has, then store it atomically."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from belegsync.domain.dates import berlin_date
from belegsync.domain.vouchers import PAID_STATUSES, ReviewReason, review_needed
from belegsync.lexware import (
    BookkeepingVoucher,
    DownloadedFile,
    LexwareNotFoundError,
    Payments,
    SalesVoucher,
    VoucherListItem,
)
from belegsync.store.repositories import PaymentItemData, VoucherData
from belegsync.store.voucher_repository import (
    FileData,
    KnownVoucher,
    NewVoucher,
    UpsertOutcome,
)
from belegsync.sync.file_check import XML_MEDIA_TYPES, checked
from belegsync.sync.mapping import payment_items, voucher_data
from belegsync.sync.ports import LexwarePort, UnitOfWork

__all__ = [
    "Applied",
    "CheckGone",
    "Fetch",
    "KnownVoucher",
    "MarkUnpaid",
    "NewVoucherOp",
    "Prepared",
    "StagedFiles",
    "VoucherWork",
    "WriteOp",
    "prepare_voucher",
]

PDF = "application/pdf"
ANY = "*/*"


@dataclass(frozen=True, slots=True)
class Fetch:
    """A paid voucher that is new or changed: fetch detail, payments and files.

    ``refetch_files``: download every file again (a stored one failed its check).
    """

    item: VoucherListItem
    known: KnownVoucher | None
    refetch_files: bool = False

    @property
    def lexware_id(self) -> str:
        return self.item.id

    def updated_at(self) -> datetime | None:
        return self.item.updated_date


@dataclass(frozen=True, slots=True)
class MarkUnpaid:
    """A synced voucher that Lexware no longer reports as paid (voided, reopened)."""

    item: VoucherListItem
    known: KnownVoucher

    @property
    def lexware_id(self) -> str:
        return self.item.id

    def updated_at(self) -> datetime | None:
        return self.item.updated_date


@dataclass(frozen=True, slots=True)
class CheckGone:
    """A synced paid voucher missing from a complete listing: ask Lexware about it."""

    known: KnownVoucher

    @property
    def lexware_id(self) -> str:
        return self.known.lexware_id

    def updated_at(self) -> datetime | None:
        return None


VoucherWork = Fetch | MarkUnpaid | CheckGone


@dataclass(frozen=True, slots=True)
class Applied:
    """What writing one voucher did: its upsert outcome, whether it was flagged, and
    whether any row was written at all."""

    outcome: UpsertOutcome | None
    flagged: bool
    wrote: bool = True


WriteOp = Callable[[UnitOfWork, datetime], Awaitable[Applied]]
"""Writes one voucher inside the caller's transaction; ``now`` is the write time."""


@dataclass(slots=True)
class StagedFiles:
    """One voucher's downloaded files, waiting for the writer: it stores the files of a
    whole batch in one hand-off to the file store (hashing included), before the rows
    that point at them, and sets ``digests``."""

    downloads: Sequence[tuple[str, DownloadedFile]]
    digests: Sequence[str] | None = None

    @property
    def contents(self) -> list[bytes]:
        return [download.content for _, download in self.downloads]

    def rows(self) -> list[FileData]:
        """The file rows; only once the bytes are stored."""
        if not self.downloads:
            return []
        if self.digests is None:
            raise RuntimeError("the files must be stored before their rows are written")
        return [
            FileData(
                lexware_file_id=file_id,
                sha256=sha256,
                media_type=download.media_type,
                filename=download.filename,
                size_bytes=len(download.content),
            )
            for (file_id, download), sha256 in zip(self.downloads, self.digests, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What one voucher needs written: its files first, then ``op``."""

    op: WriteOp
    files: StagedFiles | None = None


@dataclass(frozen=True, slots=True)
class NewVoucherOp:
    """A first-seen voucher. The writer inserts many of these with one statement per
    table (``entry``); calling it writes just this one through the upsert path."""

    tenant_id: str
    data: VoucherData
    payment_items: Sequence[PaymentItemData]
    files: StagedFiles

    @property
    def entry(self) -> NewVoucher:
        return NewVoucher(data=self.data, payment_items=self.payment_items, files=self.files.rows())

    async def __call__(self, uow: UnitOfWork, now: datetime) -> Applied:
        result = await uow.vouchers.upsert(self.tenant_id, self.data, now=now)
        await uow.vouchers.replace_payment_items(result.voucher.id, self.payment_items)
        for row in self.files.rows():
            await uow.vouchers.save_file(result.voucher.id, row, now=now)
        return Applied(result.outcome, False)


@dataclass(frozen=True, slots=True)
class _Fetched:
    detail: BookkeepingVoucher | SalesVoucher
    payments: Payments
    files: list[tuple[str, DownloadedFile]]
    kept_file_ids: frozenset[str]


async def prepare_voucher(
    unit: VoucherWork,
    *,
    client: LexwarePort,
    tenant_id: str,
    closed_years: frozenset[int],
) -> Prepared:
    """Fetch what Lexware has for one voucher; return its files and its write.

    Lexware errors propagate to the run. Nothing is stored here: the writer stores the
    file bytes (content-addressed) and then the rows, so a run killed in between leaves
    only unreferenced file bytes behind.
    """
    if isinstance(unit, Fetch):
        return await _fetch_and_prepare(unit, client, tenant_id, closed_years)
    if isinstance(unit, MarkUnpaid):
        return Prepared(_flag_op(tenant_id, unit.known, unit.item, ReviewReason.NO_LONGER_PAID))
    return Prepared(await _check_gone(unit, client, tenant_id))


async def _download(client: LexwarePort, file_id: str, accept: str) -> DownloadedFile:
    download = await client.download_file(file_id, accept=accept)
    return checked(download, accept=accept, what=f"Datei {file_id}")


def rendering_id(file_id: str) -> str:
    """The id under which the PDF rendering of an XML e-invoice file is stored."""
    return f"{file_id}.pdf"


async def _bookkeeping_files(
    client: LexwarePort, detail: BookkeepingVoucher, stored: dict[str, str]
) -> tuple[list[tuple[str, DownloadedFile]], frozenset[str]]:
    """Download the files not stored yet; an XML e-invoice also as Lexware's PDF rendering
    (the XML is the invoice, the PDF what people read)."""
    downloaded: list[tuple[str, DownloadedFile]] = []
    wanted: set[str] = set()
    for file_id in detail.files:
        wanted.add(file_id)
        media_type = stored.get(file_id)
        if media_type is None:
            download = await _download(client, file_id, ANY)
            downloaded.append((file_id, download))
            media_type = download.media_type
        if media_type in XML_MEDIA_TYPES:
            wanted.add(rendering_id(file_id))
            if rendering_id(file_id) not in stored:
                downloaded.append((rendering_id(file_id), await _download(client, file_id, PDF)))
    return downloaded, frozenset(wanted)


async def _sales_files(
    client: LexwarePort, item: VoucherListItem
) -> list[tuple[str, DownloadedFile]]:
    what = f"Beleg {item.id}"
    document = await client.download_sales_voucher_file(item.voucher_type, item.id)
    downloaded = [(f"{item.id}/file", checked(document, accept=ANY, what=what))]
    if document.media_type in XML_MEDIA_TYPES:
        # An XRechnung: the XML is the invoice; the PDF rendering is what people read.
        preview = await client.download_sales_voucher_file(item.voucher_type, item.id, accept=PDF)
        downloaded.append((f"{item.id}/file.pdf", checked(preview, accept=PDF, what=what)))
    return downloaded


async def _fetch(client: LexwarePort, unit: Fetch) -> _Fetched:
    item = unit.item
    detail = await client.voucher_detail(item.voucher_type, item.id)
    # No payment information (404/406, e.g. a credit note settled against its invoice)
    # fails the voucher like any other client error; it is parked after a few runs.
    payments = await client.payments(item.id)
    if isinstance(detail, BookkeepingVoucher):
        stored = {} if unit.known is None or unit.refetch_files else unit.known.file_types()
        downloaded, wanted = await _bookkeeping_files(client, detail, stored)
        return _Fetched(detail, payments, downloaded, wanted)
    downloaded = await _sales_files(client, item)
    return _Fetched(detail, payments, downloaded, frozenset(f for f, _ in downloaded))


async def _fetch_and_prepare(
    unit: Fetch,
    client: LexwarePort,
    tenant_id: str,
    closed_years: frozenset[int],
) -> Prepared:
    fetched = await _fetch(client, unit)
    data = voucher_data(unit.item, fetched.detail, fetched.payments)
    if data.paid_date is None and data.voucher_status in PAID_STATUSES:
        # Without a payment date the last change is the best settlement date we have.
        data = replace(data, paid_date=berlin_date(data.lexware_updated_at))
    items = payment_items(fetched.payments)
    # Bytes first: a row must never point at a file that is not stored (the writer
    # stores ``staged`` before it writes the rows).
    staged = StagedFiles(fetched.files)
    if unit.known is None:
        return Prepared(NewVoucherOp(tenant_id, data, items, staged), staged)
    previous_status = unit.known.voucher_status

    async def write(uow: UnitOfWork, now: datetime) -> Applied:
        result = await uow.vouchers.upsert(tenant_id, data, now=now)
        voucher = result.voucher
        await uow.vouchers.replace_payment_items(voucher.id, items)
        for row in staged.rows():
            await uow.vouchers.save_file(voucher.id, row, now=now)
        await uow.vouchers.remove_files_except(voucher.id, fetched.kept_file_ids)
        reason = review_needed(
            previous_status,
            data.voucher_status,
            data.voucher_date,
            closed_years,
            changed=result.outcome is UpsertOutcome.CHANGED,
        )
        if reason is not None:
            await uow.vouchers.flag_for_review(voucher, reason=reason.value, detail=None, now=now)
        return Applied(result.outcome, reason is not None)

    return Prepared(write, staged)


def _flag_op(
    tenant_id: str, known: KnownVoucher, item: VoucherListItem | None, reason: ReviewReason
) -> WriteOp:
    async def write(uow: UnitOfWork, now: datetime) -> Applied:
        voucher = await uow.vouchers.by_lexware_id(tenant_id, known.lexware_id)
        if voucher is None:
            return Applied(None, False, wrote=False)
        if item is not None:
            await uow.vouchers.record_list_change(
                voucher,
                item.raw,
                status=item.voucher_status,
                updated_at=item.updated_date or now,
                now=now,
            )
        await uow.vouchers.flag_for_review(voucher, reason=reason.value, detail=None, now=now)
        return Applied(None, True)

    return write


async def _unchanged(uow: UnitOfWork, now: datetime) -> Applied:
    return Applied(UpsertOutcome.UNCHANGED, False, wrote=False)


async def _check_gone(unit: CheckGone, client: LexwarePort, tenant_id: str) -> WriteOp:
    known = unit.known
    try:
        detail = await client.voucher_detail(known.voucher_type, known.lexware_id)
    except LexwareNotFoundError:
        return _flag_op(tenant_id, known, None, ReviewReason.DELETED)
    status = detail.voucher_status
    if status is not None and status not in PAID_STATUSES:
        return _flag_op(tenant_id, known, None, ReviewReason.NO_LONGER_PAID)
    return _unchanged
