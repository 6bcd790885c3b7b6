"""A collection returned after the run linked it, as statements arrive day by day.

Runs happen as lines arrive: the retainer's collection is linked on the day it is
booked; days later the customer's bank returns it; two weeks after that the client
collects again. The linked collection is used up, so a run does not read it — until
2026-12 the return was never paired with it: the voucher stayed linked to money that
came back, and the collection made again was left over.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from belegsync.banking.advice_import import import_advices
from belegsync.domain.links import ReturnNotPending
from belegsync.domain.matching import LinkStatus
from belegsync.matching.links import confirm_link, keep_after_return, undo_link
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext
from belegsync.store.errors import NotFound
from belegsync.store.matching_queries import returns_to_check
from belegsync.store.models import AuditLogEntry, ExpectedPayment, PaymentLink
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.advice_files import TOTAL, add_batch_invoices, pain008_batch
from support.matching_helpers import add_voucher, line, push, run_killed_in_the_engine
from support.store_helpers import add_tenant

CUSTOMER_IBAN = "DE02120300000000202051"
CUSTOMER = {"counterparty_name": "MUELLER METALLBAU GMBH", "counterparty_iban": CUSTOMER_IBAN}
PURPOSE = "Beratungspauschale 03/2024 PA-24-0013"


async def _links(
    uow_factory: UnitOfWorkFactory, tenant_id: str
) -> list[tuple[str, str, str | None]]:
    """(line's booking day, status, status reason) of every link, by day."""
    async with uow_factory() as uow:
        out = []
        for link in await uow.matching.links(tenant_id):
            found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
            assert found is not None
            out.append((found[0].booking_date.isoformat(), str(link.status), link.status_reason))
        return sorted(out)


async def _payment_open(uow_factory: UnitOfWorkFactory, tenant_id: str) -> bool:
    async with uow_factory() as uow:
        settled = await uow.session.scalar(
            select(ExpectedPayment.settled).where(ExpectedPayment.tenant_id == tenant_id)
        )
        return settled is False


async def _setup(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Beratung Vogt")
    await add_voucher(
        uow_factory,
        tenant_id,
        "pa-13",
        voucher_type="salesinvoice",
        voucher_number="PA-24-0013",
        contact_name="Müller Metallbau GmbH",
        total_gross_cents=59500,
        total_tax_cents=9500,
        voucher_date=date(2024, 3, 1),
        paid_date=date(2024, 3, 8),
    )
    await push(uow_factory, clock, tenant_id, [line("595.00", "2024-03-08", PURPOSE, **CUSTOMER)])
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.auto_links == 1
    return tenant_id


@pytest.mark.parametrize(
    "returned",
    [
        {"amount": "-595.00"},
        # the banks' charges in the return's amount, flagged by the importer (RtrInf)
        {"amount": "-601.50", "is_reversal": True},
    ],
)
async def test_a_linked_collection_returned_later_is_unlinked_and_the_next_one_pays(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, returned: dict[str, Any]
) -> None:
    tenant_id = await _setup(uow_factory, clock)
    back = line("0", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [{**back, **returned}])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 1 and counts.auto_links == 0
    assert await _links(uow_factory, tenant_id) == [
        ("2024-03-08", "undone", "zurückgebucht (Rücklastschrift)")
    ]
    assert await _payment_open(uow_factory, tenant_id)
    # waiting for the collection made again: not a case for an external transaction
    assert counts.no_candidate == 0
    async with uow_factory() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == tenant_id)
            )
        )
    assert actions.count("link_returned") == 1

    await push(uow_factory, clock, tenant_id, [line("595.00", "2024-03-26", PURPOSE, **CUSTOMER)])
    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.auto_links == 1 and counts.returned == 0
    assert [(day, status) for day, status, _ in await _links(uow_factory, tenant_id)] == [
        ("2024-03-08", "undone"),
        ("2024-03-26", "auto_confirmed"),
    ]
    assert not await _payment_open(uow_factory, tenant_id)


async def test_a_confirmed_link_is_left_as_the_person_confirmed_it(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The engine never changes a person's decision: a confirmed link on a line that
    was returned later stays."""
    tenant_id = await _setup(uow_factory, clock)
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        link = await uow.session.scalar(
            select(PaymentLink).where(PaymentLink.tenant_id == tenant_id)
        )
        assert link is not None
        link.status = LinkStatus.CONFIRMED
        link.actor = "mandant@demo.test"
        await uow.commit()
    back = line("-595.00", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 0
    assert [status for _, status, _ in await _links(uow_factory, tenant_id)] == ["confirmed"]
    # … and names the return, for the person to decide (once: the next run shows none new)
    assert counts.returns_to_check == 1
    async with uow_factory() as uow:
        (link,) = await uow.matching.links(tenant_id)
        found = await uow.matching.transaction(tenant_id, link.returned_by_txn_id or "")
        assert found is not None and found[0].amount_cents == -59500
    assert (await run_matching(uow_factory, clock, tenant_id)).returns_to_check == 0


async def test_a_run_killed_after_retiring_keeps_the_link(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retiring happens in the run's transaction: a run that dies before it commits
    (here the engine fails after the links were retired) leaves the link and writes no
    audit row; the next run retires it."""
    tenant_id = await _setup(uow_factory, clock)
    back = line("-595.00", "2024-03-12", f"RUECKLASTSCHRIFT {PURPOSE} AM04", **CUSTOMER)
    await push(uow_factory, clock, tenant_id, [back])

    await run_killed_in_the_engine(uow_factory, clock, tenant_id, monkeypatch)

    assert [status for _, status, _ in await _links(uow_factory, tenant_id)] == ["auto_confirmed"]
    async with uow_factory() as uow:
        audit = await uow.session.scalars(
            select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == tenant_id)
        )
        assert "link_returned" not in list(audit)
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.returned == 1


MEMBERS = (("m1", "Anna Keller"), ("m2", "Bernd Schulze"), ("m3", "Clara Vogt"))
SCHULZE = {"counterparty_name": "SCHULZE, BERND", "counterparty_iban": CUSTOMER_IBAN}


async def _batch(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> tuple[str, dict[str, str]]:
    """A dance school's three members' fees collected as one SEPA batch line (no payer,
    "ANZAHL 3"): the run suggests the three, a person confirms them. Returns the tenant
    and each member's link id."""
    tenant_id, _ = await add_tenant(uow_factory, "Tanzschule Rhythmus")
    for lexware_id, name in MEMBERS:
        await add_voucher(
            uow_factory,
            tenant_id,
            lexware_id,
            voucher_type="salesinvoice",
            voucher_number=f"KB-24-{lexware_id}",
            contact_name=name,
            total_gross_cents=4900,
            total_tax_cents=0,
            voucher_date=date(2024, 3, 1),
            paid_date=date(2024, 3, 5),
        )
    batch = line("147.00", "2024-03-05", "SEPA-SAMMLER-GUTSCHRIFT 20240305-001 ANZAHL 3")
    await push(uow_factory, clock, tenant_id, [batch])
    await run_matching(uow_factory, clock, tenant_id)
    links: dict[str, str] = {}
    async with uow_factory() as uow:
        for link in await uow.matching.links(tenant_id):
            _, voucher = await uow.matching.payment(tenant_id, link.expected_payment_id)
            links[voucher.lexware_id] = link.id
    assert len(links) == 3
    for link_id in links.values():
        await confirm_link(uow_factory, clock, tenant_id, link_id, actor="mandant@demo.test")
    return tenant_id, links


async def _automatic_batch(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> tuple[str, dict[str, str]]:
    """The batch of :func:`_batch` with its links left automatic (a batch citing the
    members' invoice numbers)."""
    tenant_id, links = await _batch(uow_factory, clock)
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        for link in await uow.matching.links(tenant_id):
            link.status = LinkStatus.AUTO_CONFIRMED
        await uow.commit()
    return tenant_id, links


async def test_one_returned_item_of_a_confirmed_batch_is_shown_and_its_recollection_pays(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Schulze's bank returns his fee (with the banks' charges in the amount). Before,
    the return paired with nothing: all three stayed „bestätigt“, nobody was told; once
    the link was taken apart, the batch's rest of 49,00 € was offered to Schulze again
    and his collection made two weeks later to nobody."""
    tenant_id, links = await _batch(uow_factory, clock)
    back = line("-52.00", "2024-03-11", "RUECKLASTSCHRIFT Kursbeitrag 03/2024 AM04", **SCHULZE)
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returns_to_check == 1 and counts.returned == 0
    async with uow_factory() as uow:
        named = {link.id: link.returned_by_txn_id for link in await uow.matching.links(tenant_id)}
    assert [k for k, by in named.items() if by] == [links["m2"]]

    # the person undoes Schulze's link; the rest of the batch line pays nothing
    await undo_link(uow_factory, clock, tenant_id, links["m2"], actor="mandant@demo.test")
    async with uow_factory() as uow:
        statuses = sorted(
            (link.id == links["m2"], str(link.status))
            for link in await uow.matching.links(tenant_id)
        )
    assert statuses == [(False, "confirmed"), (False, "confirmed"), (True, "undone")]

    again = line("49.00", "2024-03-25", "Kursbeitrag 03/2024 KB-24-m2", **SCHULZE)
    await push(uow_factory, clock, tenant_id, [again])
    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.auto_links == 1
    async with uow_factory() as uow:
        for link in await uow.matching.links(tenant_id):
            if link.status == LinkStatus.AUTO_CONFIRMED:
                found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
                assert found is not None
                assert found[0].booking_date == date(2024, 3, 25)


async def test_an_automatic_item_of_a_batch_returned_later_is_retired(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The same with the batch's links left automatic (a batch citing the members'
    invoice numbers): Schulze's is retired, the two others stay."""
    tenant_id, links = await _automatic_batch(uow_factory, clock)
    back = line("-49.00", "2024-03-11", "RUECKLASTSCHRIFT Kursbeitrag 03/2024 MD06", **SCHULZE)
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 1 and counts.auto_links == 0
    async with uow_factory() as uow:
        statuses = {link.id: str(link.status) for link in await uow.matching.links(tenant_id)}
    assert statuses == {
        links["m1"]: "auto_confirmed",
        links["m2"]: "undone",
        links["m3"]: "auto_confirmed",
    }
    assert counts.no_candidate == 0  # Schulze waits for the collection made again


KUNDE_1 = {"counterparty_name": "Kunde 1 GmbH", "counterparty_iban": "DE89370400440532013001"}


async def _first_import(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, back: dict[str, Any]
) -> str:
    """A client's first import: the batch of three invoices (its pain.008 file
    uploaded), the return ``back`` of Kunde 1's collection a week later, and that item
    collected again two weeks after. Returns the tenant."""
    tenant_id, _ = await add_tenant(uow_factory, "Werkzeug Weber")
    await add_batch_invoices(uow_factory, tenant_id)
    again = line("595.00", "2024-04-24", "Rechnung RE-2024-00102 Kd 10001 WIEDERVORLAGE", **KUNDE_1)
    await push(
        uow_factory,
        clock,
        tenant_id,
        [line(TOTAL, "2024-04-03", "SEPA-B2B-SAMMLER ANZAHL 3"), back, again],
    )
    await _upload_batch(uow_factory, clock, tenant_id)
    return tenant_id


async def _upload_batch(uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str) -> None:
    """The client uploads the batch's pain.008 file: it finds the batch line."""
    result = await import_advices(
        uow_factory=uow_factory,
        clock=clock,
        tenant_id=tenant_id,
        filename="sammler.xml",
        data=pain008_batch(),
        actor="test",
    )
    assert result.attached == 1


def _holding_return() -> dict[str, Any]:
    """The return of Kunde 1's item from an account Lexware does not know under another
    name, saying nothing but its reason and keeping the item's end-to-end id."""
    return line(
        "-598.00",
        "2024-04-10",
        "RUECKLASTSCHRIFT MD06",
        counterparty_name="Holding Eins AG",
        counterparty_iban="DE44500105175407324931",
        end_to_end_id="KBT202400102",
    )


async def test_a_return_naming_nothing_is_told_by_the_end_to_end_id_of_the_advices_item(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The return comes from an account Lexware does not know under another name and
    says nothing but its reason; the end-to-end id it keeps is that of Kunde 1's item
    in the uploaded pain.008 file: the batch pays the two others, the collection made
    again Kunde 1's invoice. Before, the batch's three were linked, Kunde 1's money
    having come back."""
    back = _holding_return()
    tenant_id = await _first_import(uow_factory, clock, back)

    await run_matching(uow_factory, clock, tenant_id)

    assert await _statuses_by_voucher(uow_factory, tenant_id) == {
        "b2b-0": [("2024-04-03", "auto_confirmed", 119000)],
        "b2b-1": [("2024-04-24", "auto_confirmed", 59500)],
        "b2b-2": [("2024-04-03", "auto_confirmed", 23800)],
    }


async def test_a_returned_item_from_a_parents_account_is_known_by_the_invoice_it_names(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Bernd Schulze's fee is paid from his father's account, which Lexware does not
    know: neither the account nor the name tells whose item came back. The return
    carries the collection's purpose, which names the invoice: his link is retired.
    Before, the return paired with nothing and the link stayed."""
    tenant_id, links = await _automatic_batch(uow_factory, clock)
    father = {"counterparty_name": "SCHULZE, PETER", "counterparty_iban": "DE91100000000123456789"}
    back = line("-49.00", "2024-03-11", "RUECKLASTSCHRIFT Kursbeitrag KB-24-m2 MD06", **father)
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 1
    async with uow_factory() as uow:
        statuses = {link.id: str(link.status) for link in await uow.matching.links(tenant_id)}
    assert statuses[links["m2"]] == "undone"
    assert statuses[links["m1"]] == statuses[links["m3"]] == "auto_confirmed"


async def _to_check(uow_factory: UnitOfWorkFactory, tenant_id: str) -> int:
    async with uow_factory() as uow:
        return await returns_to_check(uow, TenantContext(tenant_id=tenant_id, actor="test"))


async def test_a_person_who_checked_the_return_keeps_the_link(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Schulze's fee came back, then he paid it in cash at the desk: the person keeps
    the link. The notice is checked once and for all: the next runs show it no more,
    the link stays confirmed and still names the return."""
    tenant_id, links = await _batch(uow_factory, clock)
    back = line("-52.00", "2024-03-11", "RUECKLASTSCHRIFT Kursbeitrag 03/2024 AM04", **SCHULZE)
    await push(uow_factory, clock, tenant_id, [back])
    assert (await run_matching(uow_factory, clock, tenant_id)).returns_to_check == 1
    assert await _to_check(uow_factory, tenant_id) == 1
    # nothing to check on the two others: refused, nothing written
    with pytest.raises(ReturnNotPending):
        await keep_after_return(uow_factory, clock, tenant_id, links["m1"], actor="p")

    kept = await keep_after_return(
        uow_factory, clock, tenant_id, links["m2"], actor="mandant@demo.test"
    )

    assert kept.return_checked_at == clock.now()
    assert await _to_check(uow_factory, tenant_id) == 0
    with pytest.raises(ReturnNotPending):  # a second click
        await keep_after_return(uow_factory, clock, tenant_id, links["m2"], actor="p")
    counts = await run_matching(uow_factory, clock, tenant_id)
    assert counts.returns_to_check == 0 and counts.returned == 0
    async with uow_factory() as uow:
        by_id = {link.id: link for link in await uow.matching.links(tenant_id)}
        actions = list(
            await uow.session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.tenant_id == tenant_id)
            )
        )
    assert {str(link.status) for link in by_id.values()} == {"confirmed"}
    assert by_id[links["m2"]].returned_by_txn_id is not None
    assert by_id[links["m2"]].return_checked_at is not None
    assert by_id[links["m1"]].return_checked_at is None
    assert actions.count("link_kept_after_return") == 1
    assert await _to_check(uow_factory, tenant_id) == 0


async def test_keeping_is_only_for_a_link_of_the_tenant(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Another client's link, or no link at all: not found, nothing changed."""
    tenant_id, links = await _batch(uow_factory, clock)
    other, _ = await add_tenant(uow_factory, "Nachbar")
    back = line("-52.00", "2024-03-11", "RUECKLASTSCHRIFT Kursbeitrag 03/2024 AM04", **SCHULZE)
    await push(uow_factory, clock, tenant_id, [back])
    await run_matching(uow_factory, clock, tenant_id)

    for tenant, link_id in ((other, links["m2"]), (tenant_id, "no-such-link")):
        with pytest.raises(NotFound):
            await keep_after_return(uow_factory, clock, tenant, link_id, actor="p")

    assert await _to_check(uow_factory, tenant_id) == 1


async def _statuses_by_voucher(
    uow_factory: UnitOfWorkFactory, tenant_id: str
) -> dict[str, list[tuple[str, str, int]]]:
    """Per voucher (Lexware id), its links as (line's booking day, status, allocated)."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    async with uow_factory() as uow:
        for link in await uow.matching.links(tenant_id):
            _, voucher = await uow.matching.payment(tenant_id, link.expected_payment_id)
            found = await uow.matching.transaction(tenant_id, link.bank_transaction_id)
            assert found is not None
            out.setdefault(voucher.lexware_id, []).append(
                (found[0].booking_date.isoformat(), str(link.status), link.allocated_cents)
            )
    return {k: sorted(v) for k, v in sorted(out.items())}


@pytest.mark.parametrize("charges", ["0.00", "3.00"])
async def test_a_batch_one_item_of_which_came_back_read_in_one_run_pays_the_others(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, charges: str
) -> None:
    """A client's first import: a month's statement with its SEPA batch (three
    invoices, its pain.008 file uploaded), the return of Kunde 1's collection a week
    later (the banks' charges in its amount) and that item collected again two weeks
    after. Before, the batch's group and the collection made again competed for
    Kunde 1's invoice: nothing was linked, all three were only offered, every run
    again. The return now pairs with Kunde 1's item of the batch: the batch pays the
    two others, the collection made again pays Kunde 1's invoice."""
    returned = f"{595 + float(charges):.2f}"
    back = line(f"-{returned}", "2024-04-10", "RUECKLASTSCHRIFT RE-2024-00102 MD06", **KUNDE_1)
    tenant_id = await _first_import(uow_factory, clock, back)

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.suggestions == 0 and counts.unmatched == 0
    assert await _statuses_by_voucher(uow_factory, tenant_id) == {
        "b2b-0": [("2024-04-03", "auto_confirmed", 119000)],
        "b2b-1": [("2024-04-24", "auto_confirmed", 59500)],
        "b2b-2": [("2024-04-03", "auto_confirmed", 23800)],
    }
    # the next run finds the batch's rest paired with the return as this one did
    again = await run_matching(uow_factory, clock, tenant_id)
    assert (again.auto_links, again.suggestions, again.returned) == (0, 0, 0)
    assert len(await _statuses_by_voucher(uow_factory, tenant_id)) == 3


async def test_a_counted_batch_keeps_its_returned_item_apart_on_the_runs_after(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The same first import without the pain.008 file: the batch line only announces
    its count („ANZAHL 3“). The first run pairs the return with Kunde 1's item, links
    the collection made again to Kunde 1's invoice and offers the batch's rest to the
    two others. The runs after read only open payments: Kunde 1's, settled now, was
    not read, the return paired with nothing, the two others fell short of the batch's
    amount — and the next morning their suggestions were gone, all three left
    without a candidate. The settled payment the return may have undone is read
    again, and changes nothing of its own."""
    tenant_id, _ = await add_tenant(uow_factory, "Werkzeug Weber")
    await add_batch_invoices(uow_factory, tenant_id)
    back = line("-598.00", "2024-04-10", "RUECKLASTSCHRIFT RE-2024-00102 MD06", **KUNDE_1)
    again = line("595.00", "2024-04-24", "Rechnung RE-2024-00102 Kd 10001 WIEDERVORLAGE", **KUNDE_1)
    batch = line(TOTAL, "2024-04-03", "SEPA-B2B-SAMMLER ANZAHL 3")
    await push(uow_factory, clock, tenant_id, [batch, back, again])
    offered = {
        "b2b-0": [("2024-04-03", "suggested", 119000)],
        "b2b-1": [("2024-04-24", "auto_confirmed", 59500)],
        "b2b-2": [("2024-04-03", "suggested", 23800)],
    }

    first = await run_matching(uow_factory, clock, tenant_id)

    assert (first.auto_links, first.suggestions, first.unmatched) == (1, 2, 0)
    assert await _statuses_by_voucher(uow_factory, tenant_id) == offered
    for _ in range(2):
        again_counts = await run_matching(uow_factory, clock, tenant_id)
        assert (again_counts.payments, again_counts.unmatched) == (2, 0)
        assert (again_counts.auto_links, again_counts.suggestions) == (0, 2)
        assert await _statuses_by_voucher(uow_factory, tenant_id) == offered


async def test_a_returned_item_of_a_batch_still_partly_open_is_retired(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The batch of three is booked and its pain.008 file uploaded while one invoice is
    not yet synced (marked paid in Lexware later): the two others are linked, and the
    batch line keeps the third's rest open. A week later Kunde 1's collection comes back
    (end-to-end id of its item). Before, only lines links held whole were searched for
    the item: Kunde 1's link stayed on money that came back, and its collection made
    again paid nothing."""
    tenant_id, _ = await add_tenant(uow_factory, "Werkzeug Weber")
    await add_batch_invoices(uow_factory, tenant_id, count=2)
    await push(
        uow_factory, clock, tenant_id, [line(TOTAL, "2024-04-03", "SEPA-B2B-SAMMLER ANZAHL 3")]
    )
    await _upload_batch(uow_factory, clock, tenant_id)
    await run_matching(uow_factory, clock, tenant_id)
    # the two offered on the batch's advice, left automatic (as a batch naming its
    # items' invoices in its purpose links them)
    async with uow_factory() as uow:
        await uow.matching.lock_links(tenant_id)
        for link in await uow.matching.links(tenant_id):
            link.status = LinkStatus.AUTO_CONFIRMED
        await uow.commit()
    back = _holding_return()
    await push(uow_factory, clock, tenant_id, [back])

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert counts.returned == 1
    assert await _statuses_by_voucher(uow_factory, tenant_id) == {
        "b2b-0": [("2024-04-03", "auto_confirmed", 119000)],
        "b2b-1": [("2024-04-03", "undone", 59500)],
    }
    again = line("595.00", "2024-04-24", "Rechnung RE-2024-00102 Kd 10001 WIEDERVORLAGE", **KUNDE_1)
    await push(uow_factory, clock, tenant_id, [again])
    await run_matching(uow_factory, clock, tenant_id)
    assert (await _statuses_by_voucher(uow_factory, tenant_id))["b2b-1"] == [
        ("2024-04-03", "undone", 59500),
        ("2024-04-24", "auto_confirmed", 59500),
    ]
