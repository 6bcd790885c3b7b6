"""An in-memory Lexware for one API key, with the shape of ``sync.ports.LexwarePort``.

Vouchers are plain JSON as the API sends them; ``errors`` makes a path answer with an
error (a queue per path: each entry is raised once, the last one stays if ``sticky``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from belegsync.domain.dates import berlin_date
from belegsync.lexware import (
    ApiCallStats,
    BookkeepingVoucher,
    Contact,
    DownloadedFile,
    LexwareError,
    LexwareNotFoundError,
    Page,
    Payments,
    Profile,
    SalesVoucher,
    VoucherListFilter,
    VoucherListItem,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _stamp(moment: datetime, *, millis: bool) -> str:
    text = moment.isoformat(timespec="milliseconds" if millis else "seconds")
    return text if millis else text.replace("+00:00", ".000+00:00")


@dataclass
class FakeVoucher:
    id: str
    voucher_date: date
    updated: datetime
    status: str = "paid"
    amount: str = "119.00"
    files: dict[str, bytes] = field(default_factory=lambda: {"f": PDF})
    file_type: str = "application/pdf"
    currency: str = "EUR"
    contact_id: str | None = None

    def list_json(self) -> dict[str, Any]:
        return {
            "contactId": self.contact_id,
            "id": self.id,
            "voucherType": "purchaseinvoice",
            "voucherStatus": self.status,
            "voucherNumber": f"RE-{self.id}",
            "voucherDate": f"{self.voucher_date.isoformat()}T00:00:00.000+01:00",
            "updatedDate": _stamp(self.updated, millis=False),
            "totalAmount": Decimal(self.amount),
            "currency": self.currency,
        }

    def detail_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "purchaseinvoice",
            "voucherStatus": self.status,
            "voucherNumber": f"RE-{self.id}",
            "voucherDate": f"{self.voucher_date.isoformat()}T00:00:00.000+01:00",
            "updatedDate": _stamp(self.updated, millis=True),
            "totalGrossAmount": Decimal(self.amount),
            "totalTaxAmount": Decimal("19.00"),
            "files": [f"{self.id}-{name}" for name in self.files],
            "version": 1,
        }

    def payments_json(self) -> dict[str, Any]:
        return {
            "openAmount": Decimal("0"),
            "currency": "EUR",
            "paymentStatus": "balanced",
            "voucherType": "purchaseinvoice",
            "voucherStatus": self.status,
            "paidDate": _stamp(self.updated, millis=True),
            "paymentItems": [
                {
                    "paymentItemType": "manualPayment",
                    "postingDate": _stamp(self.updated, millis=True),
                    "amount": Decimal(self.amount),
                    "currency": "EUR",
                }
            ],
        }


class FakeLexware:
    def __init__(self) -> None:
        self.vouchers: dict[str, FakeVoucher] = {}
        self.stats = ApiCallStats()
        self.calls: list[str] = []
        self.errors: dict[str, list[LexwareError]] = {}
        self.sticky: set[str] = set()
        # GET /v1/contacts: the contacts as the API sends them, and the page size
        self.contacts: list[dict[str, Any]] = []
        self.contacts_page_size = 250

    def fail(self, path: str, *errors: LexwareError, sticky: bool = False) -> None:
        self.errors[path] = list(errors)
        if sticky:
            self.sticky.add(path)

    def _call(self, path: str) -> None:
        self.stats.requests_sent += 1
        self.calls.append(path)
        queue = self.errors.get(path)
        if queue:
            error = queue[0] if path in self.sticky and len(queue) == 1 else queue.pop(0)
            raise error

    def kinds(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for path in self.calls:
            kind = path.split("/")[2]
            counted[kind] = counted.get(kind, 0) + 1
        return counted

    async def profile(self) -> Profile:
        self._call("/v1/profile")
        return Profile.from_json({"organizationId": "org-1", "companyName": "Test GmbH"})

    async def iter_voucherlist_sliced(
        self,
        query: VoucherListFilter,
        *,
        start: date,
        end: date,
        field: str = "voucherDate",
        slice_days: int | None = None,
        size: int = 250,
    ) -> AsyncIterator[VoucherListItem]:
        self._call("/v1/voucherlist")
        statuses = query.voucher_statuses
        for voucher in sorted(self.vouchers.values(), key=lambda v: v.id):
            day = voucher.voucher_date if field == "voucherDate" else berlin_date(voucher.updated)
            if not start <= day <= end:
                continue
            if statuses != "any" and voucher.status not in statuses:
                continue
            yield VoucherListItem.from_json(voucher.list_json())

    def _voucher(self, voucher_id: str) -> FakeVoucher:
        voucher = self.vouchers.get(voucher_id)
        if voucher is None:
            raise LexwareNotFoundError("Resource not found", status=404)
        return voucher

    async def voucher_detail(
        self, voucher_type: str, voucher_id: str
    ) -> BookkeepingVoucher | SalesVoucher:
        self._call(f"/v1/vouchers/{voucher_id}")
        return BookkeepingVoucher.from_json(self._voucher(voucher_id).detail_json())

    async def payments(self, voucher_id: str) -> Payments:
        self._call(f"/v1/payments/{voucher_id}")
        return Payments.from_json(self._voucher(voucher_id).payments_json())

    async def download_file(self, file_id: str, *, accept: str = "*/*") -> DownloadedFile:
        self._call(f"/v1/files/{file_id}")
        voucher_id, _, name = file_id.rpartition("-")
        voucher = self._voucher(voucher_id)
        return DownloadedFile(voucher.files[name], voucher.file_type, f"{file_id}.pdf")

    async def download_sales_voucher_file(
        self, voucher_type: str, voucher_id: str, *, accept: str = "*/*"
    ) -> DownloadedFile:
        raise AssertionError("the fake holds bookkeeping vouchers only")

    async def voucherlist(
        self, query: VoucherListFilter, *, page: int = 0, size: int = 250
    ) -> Page[VoucherListItem]:
        raise AssertionError("the sync lists through iter_voucherlist_sliced")

    async def iter_contacts(self, *, size: int = 250) -> AsyncIterator[Contact]:
        size = min(size, self.contacts_page_size)
        for start in range(0, max(len(self.contacts), 1), size):
            self._call("/v1/contacts")
            for entry in self.contacts[start : start + size]:
                yield Contact.from_json(entry)
