"""The firm's lists: all clients, the portfolio (matching rate and completeness per
client and tax year), support requests, the outbox. Paged, filtered and sorted in the
database; the state lives in the URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.numbers import format_percent
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from belegsync.domain.connection import Connection, ConnectionState, ExpiryWarning
from belegsync.domain.dates import berlin_date
from belegsync.store.access import Page
from belegsync.store.listing import Sorting
from belegsync.store.staff_lists import CLIENT_SORTS, OUTBOX_SORTS, SUPPORT_SORTS, ClientListRow
from belegsync.web.controllers.staff import staff_only
from belegsync.web.deps import WebDeps
from belegsync.web.listing import ListState, query_day, read_state
from belegsync.web.overview import YearLight, matching_rate, year_lights
from belegsync.web.templating import formatter, render
from belegsync.web.types import WebRequest

PER_PAGE = 50
_STATES = ("failed", "expiring", "active", "pending", "none")


def _sorting(state: ListState) -> Sorting:
    return Sorting(state.sort, state.descending)


def _connection_state(value: str) -> ConnectionState:
    try:
        return ConnectionState(value)
    except ValueError:
        return ConnectionState.NONE


def _warning(row: ClientListRow, today: date) -> ExpiryWarning | None:
    connection = Connection(state=_connection_state(row.state), key_expires_on=row.key_expires_on)
    return connection.expiry_warning(today)


async def _clients(
    deps: WebDeps, state: ListState, today: date
) -> tuple[Page[ClientListRow], dict[str, Any]]:
    chosen = state.params.get("state")
    async with deps.uow_factory.read_only() as uow:
        result = await uow.staff_lists.clients(
            today=today,
            text=state.params.get("q"),
            state=chosen if chosen in _STATES else None,
            sorting=_sorting(state),
            page=state.page,
            per_page=PER_PAGE,
        )
    extra = {
        "states": {r.tenant_id: _connection_state(r.state) for r in result.items},
        "warnings": {r.tenant_id: _warning(r, today) for r in result.items},
    }
    return result, extra


@dataclass(frozen=True, slots=True)
class PortfolioClient:
    rate: float | None
    rate_text: str
    failed: int
    years: list[YearLight]


async def _portfolio(
    deps: WebDeps, rows: Sequence[ClientListRow], lang: str
) -> dict[str, PortfolioClient]:
    ids = [r.tenant_id for r in rows]
    async with deps.uow_factory.read_only() as uow:
        counts = await uow.overview.yearly_counts(ids)
        failed = await uow.overview.failed_vouchers(ids)
        years = await uow.overview.tax_years(ids)
    out = {}
    for row in rows:
        mine = [c for c in counts if c.tenant_id == row.tenant_id]
        lost = [f for f in failed if f.tenant_id == row.tenant_id]
        rate = matching_rate(mine)
        out[row.tenant_id] = PortfolioClient(
            rate=rate,
            rate_text="–"
            if rate is None
            else format_percent(rate, locale="de_DE" if lang == "de" else "en_GB"),
            failed=len(lost),
            years=year_lights(
                mine,
                years.get(row.tenant_id, {}),
                lost,
                connection_failed=row.state == "failed",
                never_synced=row.last_success_at is None,
            ),
        )
    return out


def _client_list_state(path: str, request: WebRequest) -> ListState:
    """The client list's state from the URL (the overview and the portfolio share it)."""
    return read_state(
        path,
        dict(request.query_params),
        keys=("q", "state"),
        sorts=CLIENT_SORTS,
        default_sort="urgency",
        default_descending=False,
    )


class StaffListController(Controller):
    path = "/staff"
    include_in_schema = False
    guards = [staff_only]  # noqa: RUF012

    @get("/")
    async def clients(self, request: WebRequest, deps: NamedDependency[WebDeps]) -> Template:
        state = _client_list_state("/staff", request)
        today = berlin_date(deps.clock.now())
        result, extra = await _clients(deps, state, today)
        return render(
            request, "staff/overview.html", result=result, state=state, p=state.params, **extra
        )

    @get("/portfolio")
    async def portfolio(self, request: WebRequest, deps: NamedDependency[WebDeps]) -> Template:
        state = _client_list_state("/staff/portfolio", request)
        today = berlin_date(deps.clock.now())
        result, extra = await _clients(deps, state, today)
        clients = await _portfolio(deps, result.items, formatter(request).lang)
        lights = [y.light for c in clients.values() for y in c.years]
        totals = {
            "failed": sum(1 for r in result.items if r.state == "failed"),
            "expiring": sum(1 for w in extra["warnings"].values() if w is not None),
            "red": lights.count("red"),
            "green": lights.count("green"),
        }
        return render(
            request,
            "staff/portfolio.html",
            result=result,
            state=state,
            p=state.params,
            clients=clients,
            totals=totals,
            **extra,
        )

    @get("/support")
    async def support(self, request: WebRequest, deps: NamedDependency[WebDeps]) -> Template:
        state = read_state(
            "/staff/support",
            dict(request.query_params),
            keys=("q", "status", "from", "to", "client"),
            sorts=SUPPORT_SORTS,
            default_sort="created",
            default_descending=True,
        )
        p = state.params
        async with deps.uow_factory.read_only() as uow:
            result = await uow.staff_lists.support(
                text=p.get("q"),
                status=p.get("status"),
                date_from=query_day(p.get("from")),
                date_to=query_day(p.get("to")),
                tenant_id=p.get("client"),
                sorting=_sorting(state),
                page=state.page,
                per_page=PER_PAGE,
            )
        return render(request, "staff/support.html", result=result, state=state, p=p)

    @get("/outbox")
    async def outbox(self, request: WebRequest, deps: NamedDependency[WebDeps]) -> Template:
        state = read_state(
            "/staff/outbox",
            dict(request.query_params),
            keys=("q", "status", "from", "to"),
            sorts=OUTBOX_SORTS,
            default_sort="created",
            default_descending=True,
        )
        p = state.params
        status = p.get("status") if p.get("status") in ("pending", "sent", "failed") else None
        async with deps.uow_factory.read_only() as uow:
            result = await uow.staff_lists.outbox(
                text=p.get("q"),
                status=status,
                date_from=query_day(p.get("from")),
                date_to=query_day(p.get("to")),
                sorting=_sorting(state),
                page=state.page,
                per_page=PER_PAGE,
            )
        return render(request, "staff/outbox.html", result=result, state=state, p=p)
