"""The accounts page: each account's bank, sources, period covered and gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from belegsync.domain.matching import lines_reach
from belegsync.store.banking_repository import AccountStats
from belegsync.store.models.banking import BankStatement
from belegsync.store.uow import UnitOfWork

# Without balances a gap is only a guess: this many days without any statement.
QUIET_DAYS = 10


@dataclass(frozen=True, slots=True)
class Gap:
    after: date | None
    before: date | None
    # "balance": the closing balance of one statement is not the opening of the next;
    # "days": no statement for more than QUIET_DAYS days (no balances to compare).
    kind: str
    missing_cents: int | None = None


@dataclass(frozen=True, slots=True)
class AccountOverview:
    iban: str
    name: str
    bank_name: str | None
    identifier_valid: bool
    connected: bool
    sources: tuple[str, ...]
    transactions: int
    first_booking: date | None
    last_booking: date | None
    last_import: datetime | None
    statements: int
    gaps: tuple[Gap, ...]
    # the last day whose bookings are all here (``AccountLines.reach``; None: stale or
    # no lines)
    complete_until: date | None = None


@dataclass(frozen=True, slots=True)
class AccountsPage:
    """The accounts, and the last day all of them together reach
    (``domain.matching.lines_reach``): a payment paid since waits for the next lines
    before it is listed as needing an external transaction."""

    accounts: list[AccountOverview]
    complete_until: date | None
    # the accounts whose lines end there while another's reach further (a credit card
    # uploaded once a month beside a daily connection): what to bring to move it on
    behind: tuple[AccountOverview, ...] = ()
    # the furthest any account's lines reach
    furthest: date | None = None


def bank_name(iban: str, fallback: str | None) -> str | None:
    """The bank's name from the IBAN's bank code (schwifty's registry), else what the
    statement said."""
    try:
        name = IBAN(iban).bank_name
    except (SchwiftyException, ValueError):
        name = None
    return name or fallback


def find_gaps(statements: tuple[BankStatement, ...] | list[BankStatement]) -> list[Gap]:
    ordered = sorted(
        (s for s in statements if s.period_from and s.period_to),
        key=lambda s: (s.period_from, s.period_to),
    )
    gaps: list[Gap] = []
    for before, after in pairwise(ordered):
        assert before.period_to is not None and after.period_from is not None
        if after.period_from <= before.period_to:
            continue  # overlapping exports: nothing missing between them
        closing, opening = before.closing_balance_cents, after.opening_balance_cents
        if closing is not None and opening is not None:
            if closing != opening:
                gaps.append(Gap(before.period_to, after.period_from, "balance", opening - closing))
        elif after.period_from - before.period_to > timedelta(days=QUIET_DAYS):
            gaps.append(Gap(before.period_to, after.period_from, "days"))
    return gaps


def _overview(stats: AccountStats, reach: date | None) -> AccountOverview:
    account = stats.account
    sources = list(stats.sources)
    if account.connected and "connection" not in sources:
        sources.append("connection")
    return AccountOverview(
        iban=account.iban,
        name=account.name,
        bank_name=bank_name(account.iban, account.bank_name)
        if account.identifier_valid
        else account.bank_name,
        identifier_valid=account.identifier_valid,
        connected=account.connected,
        sources=tuple(sorted(sources)),
        transactions=stats.transactions,
        first_booking=stats.first_booking,
        last_booking=stats.last_booking,
        last_import=stats.last_import,
        statements=len(stats.statements),
        gaps=tuple(find_gaps(stats.statements)),
        complete_until=reach,
    )


async def accounts_page(uow: UnitOfWork, tenant_id: str) -> AccountsPage:
    reach = await uow.matching.account_lines(tenant_id)
    accounts = [
        _overview(s, lines.reach if (lines := reach.get(s.account.id)) else None)
        for s in await uow.banking.account_stats(tenant_id)
    ]
    complete = lines_reach(reach.values())
    furthest = max((a.complete_until for a in accounts if a.complete_until), default=None)
    if complete is None or furthest is None or furthest <= complete:
        return AccountsPage(accounts, complete)
    behind = tuple(a for a in accounts if a.complete_until == complete)
    return AccountsPage(accounts, complete, behind, furthest)
