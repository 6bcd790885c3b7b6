"""A matching run and a person (or another run) writing the same tenant's links at the
same time: the run computes holding no lock, and writes only what is still true."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from belegsync.domain.links import LinkStateError
from belegsync.matching import service
from belegsync.matching.engine import match
from belegsync.matching.links import confirm_link, link_manually, reject_link
from belegsync.matching.service import run_matching
from belegsync.store.matching_state import (
    LinksNotLocked,
    match_state_from_links,
    stored_match_state,
)
from belegsync.store.models import AuditLogEntry, PaymentLink
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import SUPPLIER_IBAN, line, push, voucher_and_suggestion

ALLOCATING = ("confirmed", "auto_confirmed")
_ENGINE = "belegsync.matching.service.match"  # the engine as the run calls it


# set in the task of the run whose engine is held: the run a person's action makes
# (confirming, linking by hand) passes
_HELD_RUN: contextvars.ContextVar[bool] = contextvars.ContextVar("held_run", default=False)


class _HeldEngine:
    """The real engine, each of the first ``holds`` calls of the held run
    (:func:`_run_held`) held until released: a run whose engine takes long (a busy
    client), with the moment each began known. Later calls, and the calls of other runs
    (the run after a person's confirmation), pass; ``calls`` counts them all."""

    def __init__(self, holds: int = 1) -> None:
        self.entered = [threading.Event() for _ in range(holds)]
        self.released = [threading.Event() for _ in range(holds)]
        self.calls = 0
        self.held_calls = 0
        self._match = match

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if not _HELD_RUN.get():
            return self._match(*args, **kwargs)
        call, self.held_calls = self.held_calls, self.held_calls + 1
        if call < len(self.entered):
            self.entered[call].set()
            self.released[call].wait(60)
        return self._match(*args, **kwargs)

    async def started(self, call: int = 0) -> None:
        await asyncio.to_thread(self.entered[call].wait, 30)

    def release(self, call: int = 0) -> None:
        self.released[call].set()


async def _run_held(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    tenant_id: str,
    monkeypatch: pytest.MonkeyPatch,
    holds: int = 1,
) -> tuple[_HeldEngine, asyncio.Task[Any]]:
    """A run started with its engine held, once the engine was reached."""
    held = _HeldEngine(holds)
    monkeypatch.setattr(_ENGINE, held)
    token = _HELD_RUN.set(True)
    try:  # the task runs in a copy of this context, the flag set
        run = asyncio.create_task(run_matching(uow_factory, clock, tenant_id))
    finally:
        _HELD_RUN.reset(token)
    await held.started()
    return held, run


async def _links(uow_factory: UnitOfWorkFactory, tenant_id: str) -> dict[str, PaymentLink]:
    async with uow_factory() as uow:
        return {link.id: link for link in await uow.matching.links(tenant_id)}


def _live_pairs(links: dict[str, PaymentLink]) -> Counter[tuple[str, str]]:
    """How many links offer or hold each (payment, line) pair."""
    return Counter(
        (k.expected_payment_id, k.bank_transaction_id)
        for k in links.values()
        if k.status in (*ALLOCATING, "suggested")
    )


def _allocating_per_payment(links: dict[str, PaymentLink]) -> Counter[str]:
    return Counter(k.expected_payment_id for k in links.values() if k.status in ALLOCATING)


async def _suggestion_and_a_naming_line(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> tuple[str, PaymentLink]:
    """A tenant whose voucher RE-2024-0077 is suggested on a line that does not name
    it; then a line naming it arrives: the next run links it there and retires the
    suggestion the client is looking at."""
    tenant_id = await voucher_and_suggestion(uow_factory, clock)
    await run_matching(uow_factory, clock, tenant_id)
    [suggested] = [
        k for k in (await _links(uow_factory, tenant_id)).values() if k.status == "suggested"
    ]
    naming = line("-250.00", "2024-03-12", "Rechnung RE-2024-0077", counterparty_iban=SUPPLIER_IBAN)
    await push(uow_factory, clock, tenant_id, [naming])
    return tenant_id, suggested


async def test_a_confirmation_made_while_a_run_computes_stands_and_does_not_wait(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client confirms the suggestion while a run (started before) computes.
    Before, on PostgreSQL the run then retired the confirmed link („undone“, the
    client's decision lost) and linked the voucher to the other line too; on SQLite the
    confirmation waited for the whole run. Now the confirmation is made at once, the
    run sees the links changed, computes again and leaves it standing."""
    tenant_id, suggested = await _suggestion_and_a_naming_line(uow_factory, clock)
    held, run = await _run_held(uow_factory, clock, tenant_id, monkeypatch)

    # made while the engine is still held: the run holds no lock meanwhile
    confirmed = (
        await confirm_link(uow_factory, clock, tenant_id, suggested.id, actor="client@example.org")
    ).link
    assert confirmed.status == "confirmed" and not held.released[0].is_set()
    held.release()
    counts = await run

    links = await _links(uow_factory, tenant_id)
    assert links[suggested.id].status == "confirmed"
    assert links[suggested.id].actor == "client@example.org"
    assert max(_allocating_per_payment(links).values()) == 1
    # computed again on what the client left, holding no lock (besides, the run after
    # the confirmation)
    assert (held.held_calls, held.calls) == (2, 3)
    assert counts.auto_links == 0
    async with uow_factory() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.subject_id == suggested.id)
            )
        )
    assert actions == ["link_confirmed"]  # the run never touched it


async def test_links_changing_during_two_tries_are_matched_holding_the_lock(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client acts during the run's first computation and again during its second:
    the third computes holding the lock, and both decisions stand."""
    tenant_id, suggested = await _suggestion_and_a_naming_line(uow_factory, clock)
    [auto] = [
        k for k in (await _links(uow_factory, tenant_id)).values() if k.status == "auto_confirmed"
    ]
    held, run = await _run_held(uow_factory, clock, tenant_id, monkeypatch, holds=2)
    await confirm_link(uow_factory, clock, tenant_id, suggested.id, actor="client@example.org")
    held.release(0)
    await held.started(1)
    await reject_link(uow_factory, clock, tenant_id, auto.id, actor="client@example.org")
    held.release(1)
    await run

    links = await _links(uow_factory, tenant_id)
    assert held.held_calls == 3
    assert (links[suggested.id].status, links[auto.id].status) == ("confirmed", "rejected")
    assert max(_allocating_per_payment(links).values()) == 1
    live = _live_pairs(links)
    assert (auto.expected_payment_id, auto.bank_transaction_id) not in live


async def test_two_runs_at_once_make_each_link_once(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web app's run after an action and the worker's after a sync, on one tenant
    at the same time: the one that writes second computes again on what the first
    wrote, so no pair is stored twice and no payment is settled twice."""
    tenant_id, _ = await _suggestion_and_a_naming_line(uow_factory, clock)
    held, first = await _run_held(uow_factory, clock, tenant_id, monkeypatch)
    monkeypatch.setattr(_ENGINE, match)
    await run_matching(uow_factory, clock, tenant_id)  # the second, not held
    monkeypatch.setattr(_ENGINE, held)
    held.release()
    await first

    links = await _links(uow_factory, tenant_id)
    live = _live_pairs(links)
    assert max(live.values()) == 1
    assert max(_allocating_per_payment(links).values()) == 1
    assert held.calls == 2


async def test_a_manual_link_made_while_a_run_computes_is_not_doubled(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client links the voucher by hand to the line it was suggested on while the
    run would link it to the line naming it: one allocating link, the client's."""
    tenant_id, suggested = await _suggestion_and_a_naming_line(uow_factory, clock)
    held, run = await _run_held(uow_factory, clock, tenant_id, monkeypatch)
    manual = (
        await link_manually(
            uow_factory,
            clock,
            tenant_id,
            suggested.expected_payment_id,
            suggested.bank_transaction_id,
            actor="client@example.org",
        )
    ).link
    held.release()
    await run

    links = await _links(uow_factory, tenant_id)
    mine = [k for k in links.values() if k.expected_payment_id == manual.expected_payment_id]
    assert [k.id for k in mine if k.status in ALLOCATING] == [manual.id]


async def test_links_written_without_the_links_lock_are_refused(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Every writer of links takes the tenant's links lock first (the run relies on its
    version): a flush of a changed link without it raises and keeps nothing."""
    tenant_id = await voucher_and_suggestion(uow_factory, clock)
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        [link] = await uow.matching.links(tenant_id, statuses=["suggested"])
        link.status = "confirmed"  # type: ignore[assignment]
        with pytest.raises(LinksNotLocked):
            await uow.matching.flush()
    async with uow_factory() as uow:  # any column of a link, not only its status
        [link] = await uow.matching.links(tenant_id, statuses=["suggested"])
        link.reasons = ["manual"]
        with pytest.raises(LinksNotLocked):
            await uow.matching.flush()
    async with uow_factory() as uow:
        version = await uow.matching.lock_links(tenant_id)
        [link] = await uow.matching.links(tenant_id, statuses=["suggested"])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.matching.links_version(tenant_id) == version


async def _statuses(uow_factory: UnitOfWorkFactory, tenant_id: str) -> list[tuple[str, str, str]]:
    async with uow_factory() as uow:
        fresh = await match_state_from_links(uow.session, tenant_id)
        assert await stored_match_state(uow.session, tenant_id) == fresh
    return sorted(
        (k.expected_payment_id, k.bank_transaction_id, str(k.status))
        for k in (await _links(uow_factory, tenant_id)).values()
    )


@pytest.mark.parametrize("stopped", ["computing", "writing"])
async def test_a_run_stopped_midway_keeps_nothing_half_and_the_next_run_completes(
    uow_factory: UnitOfWorkFactory,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    stopped: str,
) -> None:
    """A run that dies while its engine computes (no transaction open) or after part of
    its links were written (the writing transaction open) leaves the links as they
    were and the match state equal to them; the next run makes the links an
    undisturbed run makes."""
    tenant_id, _ = await _suggestion_and_a_naming_line(uow_factory, clock)
    before = await _statuses(uow_factory, tenant_id)
    stuck = asyncio.Event()
    if stopped == "writing":
        write = service._Writer.write

        async def written_then_stuck(self: Any) -> None:
            await write(self)  # the new links inserted, their state kept, not committed
            stuck.set()
            await asyncio.Event().wait()

        monkeypatch.setattr(service._Writer, "write", written_then_stuck)
        run = asyncio.create_task(run_matching(uow_factory, clock, tenant_id))
        await stuck.wait()
    else:
        held, run = await _run_held(uow_factory, clock, tenant_id, monkeypatch)
    run.cancel()  # as a killed process's transaction, nothing of it is committed
    with pytest.raises(asyncio.CancelledError):
        await run
    if stopped == "computing":
        held.release()
    monkeypatch.undo()

    assert await _statuses(uow_factory, tenant_id) == before
    await run_matching(uow_factory, clock, tenant_id)
    after = await _statuses(uow_factory, tenant_id)
    assert after != before
    assert sorted(status for _, _, status in after) == [
        "auto_confirmed",
        "auto_confirmed",
        "undone",
    ]


async def test_a_confirmation_and_a_rejection_at_once_are_one_decision(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Two tabs: „Bestätigen“ in one and „Ablehnen“ in the other, sent at the same
    moment. The second waits for the first (the links lock) and finds the link decided:
    one decision stands, with its one audit row. Before, on PostgreSQL both read the
    suggestion, both were told they succeeded, and the last write won."""
    tenant_id = await voucher_and_suggestion(uow_factory, clock)
    await run_matching(uow_factory, clock, tenant_id)
    [suggested] = [
        k for k in (await _links(uow_factory, tenant_id)).values() if k.status == "suggested"
    ]
    outcomes = await asyncio.gather(
        confirm_link(uow_factory, clock, tenant_id, suggested.id, actor="a@example.org"),
        reject_link(uow_factory, clock, tenant_id, suggested.id, actor="b@example.org"),
        return_exceptions=True,
    )

    refused = [o for o in outcomes if isinstance(o, LinkStateError)]
    assert len(refused) == 1, outcomes
    final = (await _links(uow_factory, tenant_id))[suggested.id]
    async with uow_factory() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.subject_id == suggested.id)
            )
        )
    assert actions == [{"confirmed": "link_confirmed", "rejected": "link_rejected"}[final.status]]
