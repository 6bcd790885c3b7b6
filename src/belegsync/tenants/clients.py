"""Clients (tenants) and what decides their sync window: tax years and submitted VAT returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from belegsync.accounts.users import add_user, check_new_login
from belegsync.domain.clock import Clock
from belegsync.domain.dates import berlin_date
from belegsync.domain.errors import InvalidInput
from belegsync.domain.tax import VatReturnPeriod
from belegsync.store.errors import NotFound
from belegsync.store.uow import UnitOfWork

FIRST_TAX_YEAR = 2000


@dataclass(frozen=True, slots=True)
class ClientLogin:
    """The first login of a new client."""

    email: str
    password: str = field(repr=False)


def parse_year(text: str) -> int:
    """A tax year typed into a form ("2025"); anything else is a clear InvalidInput."""
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise InvalidInput(
            "Bitte geben Sie ein Jahr mit vier Ziffern an.",
            code="tax_year_invalid",
            message_en="Please enter a year with four digits.",
        )
    return int(value)


def _check_vat_period(period: VatReturnPeriod, today: date) -> None:
    """A return is filed after its period: refuse periods not yet over, or before 2000."""
    if period.first_day.year < FIRST_TAX_YEAR or period.last_day >= today:
        raise InvalidInput(
            f"Die Voranmeldung {period} kann nicht erfasst werden: Der Zeitraum muss "
            f"zwischen {FIRST_TAX_YEAR} und heute liegen und abgeschlossen sein.",
            code="vat_period_out_of_range",
            message_en=f"The VAT return {period} cannot be recorded: the period must lie "
            f"between {FIRST_TAX_YEAR} and today and be over.",
        )


def _check_years(open_years: Iterable[int], closed_years: Iterable[int], today: date) -> None:
    for year in [*open_years, *closed_years]:
        if not FIRST_TAX_YEAR <= year <= today.year + 1:
            raise InvalidInput(
                f"Steuerjahr {year} liegt außerhalb von {FIRST_TAX_YEAR} bis {today.year + 1}.",
                code="tax_year_out_of_range",
                message_en=f"Tax year {year} is outside {FIRST_TAX_YEAR} to {today.year + 1}.",
            )
    both = set(open_years) & set(closed_years)
    if both:
        raise InvalidInput(
            f"Steuerjahr {min(both)} ist zugleich offen und abgeschlossen.",
            code="tax_year_conflict",
            message_en=f"Tax year {min(both)} is both open and closed.",
        )


async def create_tenant(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    name: str,
    open_tax_years: Iterable[int] = (),
    closed_tax_years: Iterable[int] = (),
    bookkeeping_service: bool = False,
    last_vat_return: str | None = None,
    login: ClientLogin | None = None,
    actor: str = "staff",
) -> str:
    """Create a client with its tax years (and a first client login); returns the new
    tenant id. Validates everything before writing anything, and writes all or nothing."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "Bitte geben Sie einen Namen mit 1 bis 200 Zeichen an.",
            code="tenant_name_invalid",
            message_en="Please give a name of 1 to 200 characters.",
        )
    opened, closed = list(open_tax_years), list(closed_tax_years)
    now = clock.now()
    _check_years(opened, closed, berlin_date(now))
    period = VatReturnPeriod.parse(last_vat_return) if last_vat_return else None
    if period is not None:
        _check_vat_period(period, berlin_date(now))
    if login is not None:
        check_new_login(login.email, login.password)
    if period is not None and not bookkeeping_service:
        raise InvalidInput(
            "Eine abgegebene Umsatzsteuervoranmeldung zählt nur beim Buchhaltungsservice.",
            code="vat_return_without_service",
            message_en="A submitted VAT return only applies with the bookkeeping service.",
        )
    async with uow_factory() as uow:
        if await uow.tenants.get_by_name(name) is not None:
            raise InvalidInput(
                f"Es gibt bereits einen Mandanten „{name}“.",
                code="tenant_exists",
                message_en=f"A client named '{name}' exists already.",
            )
        tenant = await uow.tenants.add(name=name, now=now, bookkeeping_service=bookkeeping_service)
        for year in opened:
            await uow.tenants.set_tax_year(tenant.id, year, closed=False, now=now)
        for year in closed:
            await uow.tenants.set_tax_year(tenant.id, year, closed=True, now=now)
        if period is not None:
            await uow.tenants.add_vat_return(
                tenant.id,
                period=str(period),
                first_day=period.first_day,
                last_day=period.last_day,
                submitted_at=now,
            )
        await uow.connections.get_or_create(tenant.id, now=now)
        await uow.audit.add(
            tenant_id=tenant.id,
            actor=actor,
            action="tenant_created",
            subject_type="tenant",
            subject_id=tenant.id,
            now=now,
        )
        if login is not None:
            await add_user(
                uow,
                clock=clock,
                email=login.email,
                password=login.password,
                role="client",
                tenant_id=tenant.id,
                actor=actor,
            )
        await uow.commit()
        return tenant.id


async def set_tax_year_closed(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    year: int,
    closed: bool,
    actor: str = "staff",
) -> None:
    """Close or reopen a tax year; the next sync follows."""
    now = clock.now()
    _check_years([year], [], berlin_date(now))
    async with uow_factory() as uow:
        await uow.tenants.set_tax_year(tenant_id, year, closed=closed, now=now)
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="tax_year_closed" if closed else "tax_year_reopened",
            subject_type="tax_year",
            subject_id=str(year),
            now=now,
        )
        await uow.commit()


async def record_vat_return(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    period_text: str,
    actor: str = "staff",
) -> VatReturnPeriod:
    """Record a submitted VAT advance return (e.g. "2024-03" or "2024-Q1")."""
    period = VatReturnPeriod.parse(period_text)
    now = clock.now()
    _check_vat_period(period, berlin_date(now))
    async with uow_factory() as uow:
        existing = {v.period for v in await uow.tenants.vat_returns(tenant_id)}
        if str(period) in existing:
            raise InvalidInput(
                f"Die Voranmeldung {period} ist bereits erfasst.",
                code="vat_return_exists",
                message_en=f"The VAT return {period} is recorded already.",
            )
        await uow.tenants.add_vat_return(
            tenant_id,
            period=str(period),
            first_day=period.first_day,
            last_day=period.last_day,
            submitted_at=now,
        )
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="vat_return_recorded",
            subject_type="vat_return",
            subject_id=str(period),
            now=now,
        )
        await uow.commit()
    return period


async def set_bookkeeping_service(
    *,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    tenant_id: str,
    enabled: bool,
    actor: str = "staff",
) -> None:
    """Switch the bookkeeping service on or off; the sync window follows on the next run."""
    now = clock.now()
    async with uow_factory() as uow:
        tenant = await uow.tenants.get(tenant_id)
        if tenant is None:
            raise NotFound("tenant")
        tenant.bookkeeping_service = enabled
        await uow.audit.add(
            tenant_id=tenant_id,
            actor=actor,
            action="bookkeeping_service_on" if enabled else "bookkeeping_service_off",
            subject_type="tenant",
            subject_id=tenant_id,
            now=now,
        )
        await uow.commit()
