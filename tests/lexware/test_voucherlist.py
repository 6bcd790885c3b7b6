from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from belegsync.lexware import LexwareSearchWindowError, VoucherListFilter
from belegsync.lexware.voucherlist import encode_search_string

from .conftest import MakeApi
from .fakes import API_KEY, body_response

WINDOW_ERROR = {
    "timestamp": "2024-01-01T10:00:00.000+01:00",
    "status": 400,
    "error": "Bad Request",
    "path": "/v1/voucherlist",
    "traceId": "t",
    "message": "Maximum search window size exceeded",
}


class FakeVoucherList:
    """A voucherlist endpoint over generated vouchers, with Lexware's 10,000 window.

    Each voucher has a voucherDate and an updatedDate (both whole days). ``moves`` lets a
    voucher's updatedDate change after the n-th request, as a user editing it mid-walk.
    """

    def __init__(
        self,
        days: dict[date, int],
        moves: dict[str, tuple[int, date]] | None = None,
        *,
        window_status: int = 400,
        report_total: bool = True,
    ):
        self.window_status = window_status
        self.report_total = report_total
        self.vouchers: list[dict[str, object]] = []
        for day, count in sorted(days.items()):
            for n in range(count):
                self.vouchers.append(
                    {"id": f"{day.isoformat()}-{n}", "voucherDate": day, "updatedDate": day}
                )
        self.moves = moves or {}
        self.queries: list[dict[str, str]] = []

    @staticmethod
    def _bounds(params: dict[str, str]) -> list[tuple[str, date, date]]:
        return [
            (
                field,
                date.fromisoformat(params.get(f"{field}From", "0001-01-01")),
                date.fromisoformat(params.get(f"{field}To", "9999-12-31")),
            )
            for field in ("voucherDate", "updatedDate")
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        self.queries.append(params)
        for voucher in self.vouchers:
            move = self.moves.get(str(voucher["id"]))
            if move and len(self.queries) > move[0]:
                voucher["updatedDate"] = move[1]
        page, size = int(params["page"]), int(params["size"])
        if page * size >= 10_000:
            error = WINDOW_ERROR | {"status": self.window_status}
            if self.window_status == 500:
                error["error"] = "Internal Server Error"
            return body_response(self.window_status, error)
        bounds = self._bounds(params)
        hits = [
            v
            for v in self.vouchers
            if all(low <= v[field] <= high for field, low, high in bounds)  # type: ignore[operator]
        ]
        chunk = hits[page * size : (page + 1) * size]
        total_pages = max(1, -(-len(hits) // size))
        return body_response(
            200,
            {
                "content": [self._item(v) for v in chunk],
                "first": page == 0,
                "last": page >= total_pages - 1,
                "totalPages": total_pages,
                "totalElements": min(len(hits), 10_000) if self.report_total else None,
                "numberOfElements": len(chunk),
                "size": size,
                "number": page,
            },
        )

    @staticmethod
    def _item(voucher: dict[str, object]) -> dict[str, object]:
        day = voucher["voucherDate"]
        updated = voucher["updatedDate"]
        assert isinstance(day, date) and isinstance(updated, date)
        return {
            "id": voucher["id"],
            "voucherType": "purchaseinvoice",
            "voucherStatus": "paid",
            "voucherDate": f"{day.isoformat()}T00:00:00.000+01:00",
            "updatedDate": f"{updated.isoformat()}T09:00:00.000+01:00",
            "totalAmount": 10.5,
            "openAmount": 0,
            "currency": "EUR",
        }


def _spread(start: date, days: int, per_day: int) -> dict[date, int]:
    return {start + timedelta(days=n): per_day for n in range(days)}


def test_query_string_has_all_filters() -> None:
    query = VoucherListFilter(
        voucher_types=["purchaseinvoice", "invoice"],
        voucher_statuses=["paid", "paidoff"],
        archived=False,
        contact_id="c-1",
        voucher_date_from=date(2023, 1, 1),
        voucher_date_to=date(2023, 12, 31),
        created_date_from=date(2022, 1, 2),
        created_date_to=date(2022, 2, 3),
        updated_date_from=date(2024, 5, 6),
        updated_date_to=date(2024, 5, 7),
        voucher_number="johnson & partner",
    )
    assert query.query_string(page=3, size=100) == (
        "voucherType=purchaseinvoice,invoice&voucherStatus=paid,paidoff&archived=false"
        "&contactId=c-1&voucherDateFrom=2023-01-01&voucherDateTo=2023-12-31"
        "&createdDateFrom=2022-01-02&createdDateTo=2022-02-03"
        "&updatedDateFrom=2024-05-06&updatedDateTo=2024-05-07"
        "&voucherNumber=johnson%20%26amp%3B%20partner&page=3&size=100"
    )
    assert VoucherListFilter().query_string() == "voucherType=any&voucherStatus=any&page=0&size=250"


def test_search_string_encoding() -> None:
    assert encode_search_string("johnson & partner") == "johnson%20%26amp%3B%20partner"
    assert encode_search_string("<RE-1>") == "%26lt%3BRE-1%26gt%3B"


def test_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="250"):
        VoucherListFilter().query_string(size=251)


async def test_query_reaches_the_server_unchanged(make_api: MakeApi) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.query.decode())
        return body_response(200, {"content": [], "first": True, "last": True})

    client = make_api(handler).for_key(API_KEY)
    await client.voucherlist(VoucherListFilter(voucher_number="a&b"), page=2, size=50)
    assert seen == ["voucherType=any&voucherStatus=any&voucherNumber=a%26amp%3Bb&page=2&size=50"]


async def test_pages_until_last(make_api: MakeApi) -> None:
    fake = FakeVoucherList(_spread(date(2023, 1, 1), 10, 53))
    client = make_api(fake).for_key(API_KEY)
    items = [item async for item in client.iter_voucherlist(VoucherListFilter(), size=100)]
    assert len(items) == 530
    assert [q["page"] for q in fake.queries] == ["0", "1", "2", "3", "4", "5"]
    assert client.stats.requests_sent == 6


async def test_unsliced_walk_hits_the_window(make_api: MakeApi) -> None:
    fake = FakeVoucherList(_spread(date(2023, 1, 1), 100, 110))
    client = make_api(fake).for_key(API_KEY)
    with pytest.raises(LexwareSearchWindowError):
        async for _ in client.iter_voucherlist(VoucherListFilter()):
            pass


async def test_slices_stay_below_the_window(make_api: MakeApi) -> None:
    # 10,950 vouchers in 2023, 30 a day: the whole year is too big, its halves fit.
    fake = FakeVoucherList(_spread(date(2023, 1, 1), 365, 30))
    client = make_api(fake).for_key(API_KEY)
    items = [
        item
        async for item in client.iter_voucherlist_sliced(
            VoucherListFilter(voucher_statuses=["paid"]),
            start=date(2023, 1, 1),
            end=date(2023, 12, 31),
        )
    ]
    assert len(items) == 365 * 30
    assert len({i.id for i in items}) == len(items)
    assert all(int(q["page"]) * int(q["size"]) < 10_000 for q in fake.queries)
    # The whole year was refused as too big after its first page; then the halves.
    first_pages = {
        (q["voucherDateFrom"], q["voucherDateTo"]) for q in fake.queries if q["page"] == "0"
    }
    assert first_pages == {
        ("2023-01-01", "2023-12-31"),
        ("2023-01-01", "2023-07-02"),
        ("2023-07-03", "2023-12-31"),
    }
    assert len(fake.queries) == 1 + 2 * 22
    assert all(q["voucherStatus"] == "paid" for q in fake.queries)


async def test_updated_date_slices_deduplicate(make_api: MakeApi) -> None:
    # A voucher edited during the walk moves from the first slice to the last one.
    moved = "2024-01-01-0"
    fake = FakeVoucherList(_spread(date(2024, 1, 1), 10, 3), moves={moved: (1, date(2024, 1, 10))})
    client = make_api(fake).for_key(API_KEY)
    items = [
        item
        async for item in client.iter_voucherlist_sliced(
            VoucherListFilter(),
            start=date(2024, 1, 1),
            end=date(2024, 1, 10),
            field="updatedDate",
            slice_days=3,
        )
    ]
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids)) == 30
    assert ids.count(moved) == 1
    assert [q["updatedDateFrom"] for q in fake.queries] == [
        "2024-01-01",
        "2024-01-04",
        "2024-01-07",
        "2024-01-10",
    ]
    assert all("voucherDateFrom" not in q for q in fake.queries)


async def test_a_single_overfull_day_is_reported(make_api: MakeApi) -> None:
    fake = FakeVoucherList({date(2023, 3, 1): 10_001})
    client = make_api(fake).for_key(API_KEY)
    with pytest.raises(LexwareSearchWindowError) as caught:
        async for _ in client.iter_voucherlist_sliced(
            VoucherListFilter(), start=date(2023, 3, 1), end=date(2023, 3, 2)
        ):
            pass
    assert caught.value.code == "lexware_search_window_exceeded"


@pytest.mark.parametrize("status", [400, 500])
async def test_the_window_refused_mid_walk_halves_the_slice(make_api: MakeApi, status: int) -> None:
    # Without a usable totalElements the walk runs into the window on page 40; Lexware
    # answers 400 or 500 "Maximum search window size exceeded": halve, never retry.
    fake = FakeVoucherList(
        _spread(date(2023, 1, 1), 365, 30), window_status=status, report_total=False
    )
    client = make_api(fake).for_key(API_KEY)
    items = [
        item
        async for item in client.iter_voucherlist_sliced(
            VoucherListFilter(), start=date(2023, 1, 1), end=date(2023, 12, 31)
        )
    ]
    assert len(items) == len({i.id for i in items}) == 365 * 30
    refused = [q for q in fake.queries if int(q["page"]) * int(q["size"]) >= 10_000]
    assert len(refused) == 1
    assert client.stats.retries == 0
