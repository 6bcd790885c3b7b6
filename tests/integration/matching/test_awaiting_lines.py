"""A payment without a line is sent to "Externe Transaktion erforderlich" only once the
client's lines reach past its date window; before, it awaits the next statement.

Found by the replay (``bench/matching.py --only replay``, ``listed_external_before_their
_line``): a client uploading a statement file a month lives three weeks of every month
with the vouchers Lexware marked paid since the last statement listed as needing an
external transaction — 594 of the café's 934 payments, 530 of the dental practice's
811, 639 of the wholesaler's 880, and 249 of the online shop's 783 (its payouts booked
days after the sale). The client was told to create what its next statement held.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from belegsync.matching.external import external_needed
from belegsync.matching.service import run_matching
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, push, upload
from support.store_helpers import add_tenant

FILED = "DE89370400440532013000"  # its statements uploaded as files, a month each
CONNECTED = "DE02120300000000202051"  # pushed by the firm's bank connection


def _entry(day: str, amount: str, debit: bool, text: str, payer: str) -> str:
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>{"DBIT" if debit else "CRDT"}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <NtryDtls><TxDtls>
          <RltdPties><Cdtr><Nm>{payer}</Nm></Cdtr></RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def _statement(first: str, last: str, *entries: str, period: bool = True) -> bytes:
    """A month's camt.053 of the account; ``period``: with the period it covers
    (``FrToDt``; without, it reaches its last booking)."""
    covers = (
        f"<FrToDt><FrDtTm>{first}T00:00:00+01:00</FrDtTm>"
        f"<ToDtTm>{last}T23:59:59+01:00</ToDtTm></FrToDt>"
        if period
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-{last}</MsgId><CreDtTm>{last}T22:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{last}-1</Id>
      <CreDtTm>{last}T22:00:00+01:00</CreDtTm>
      {covers}
      <Acct><Id><IBAN>{FILED}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


async def _reasons(uow_factory: UnitOfWorkFactory, tenant_id: str) -> dict[str, str | None]:
    """Per voucher number, its payment's reason for being left open (None: linked or
    offered)."""
    async with uow_factory() as uow:
        return {
            str(v.voucher_number): p.unmatched_reason
            for p, v in await uow.matching.payments(tenant_id)
        }


async def _chairs_after(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, tenant_id: str, name: str, data: bytes
) -> str | None:
    """The statement ``data`` uploaded and matched: the chairs' reason for being open."""
    await upload(uow_factory, clock, tenant_id, name, data)
    await run_matching(uow_factory, clock, tenant_id)
    return (await _reasons(uow_factory, tenant_id))["ER-2024-0032"]


async def _listed(uow_factory: UnitOfWorkFactory, tenant_id: str) -> set[str]:
    async with uow_factory() as uow:
        return {str(n.voucher.voucher_number) for n in await external_needed(uow, tenant_id)}


async def _client(uow_factory: UnitOfWorkFactory) -> str:
    """A joinery paying two suppliers on 13 February: Holzhandel Bauer from the account
    whose statements it uploads, the office chairs from an account the app does not
    know."""
    tenant_id, _ = await add_tenant(uow_factory, "Schreinerei Holzwerk")
    for lexware_id, number, cents in (
        ("v-holz", "ER-2024-0031", 184_260),
        ("v-stuhl", "ER-2024-0032", 61_880),
    ):
        await add_voucher(
            uow_factory,
            tenant_id,
            lexware_id,
            voucher_number=number,
            contact_name="Holzhandel Bauer GmbH" if lexware_id == "v-holz" else "Sitz & Co",
            total_gross_cents=cents,
            voucher_date=date(2024, 2, 2),
            paid_date=date(2024, 2, 13),
        )
    return tenant_id


# the timber's line as the bank connection pushes it
TIMBER_PUSHED = {
    "booking_date": "2024-02-14",
    "amount": "-1842.60",
    "counterparty_name": "Holzhandel Bauer GmbH",
    "remittance": "ER-2024-0031 Holz",
}
RENT = _entry("2024-01-03", "1450.00", True, "Miete Werkstatt Januar", "Immobilien Weber GbR")
TIMBER = _entry("2024-02-14", "1842.60", True, "ER-2024-0031 Holz", "Holzhandel Bauer GmbH")


async def test_a_voucher_paid_after_the_last_statement_awaits_the_next_one(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _client(uow_factory)
    clock.set(datetime(2024, 2, 19, 18, tzinfo=UTC))
    await upload(
        uow_factory, clock, tenant_id, "januar.xml", _statement("2024-01-01", "2024-01-31", RENT)
    )

    counts = await run_matching(uow_factory, clock, tenant_id)

    assert (counts.awaiting_lines, counts.no_candidate) == (2, 0)
    # January's statement reaches 31 January: neither payment of 13 February can be
    # told apart yet (before, both were listed as needing an external transaction)
    assert await _reasons(uow_factory, tenant_id) == {
        "ER-2024-0031": "awaiting_lines",
        "ER-2024-0032": "awaiting_lines",
    }
    assert await _listed(uow_factory, tenant_id) == set()

    clock.set(datetime(2024, 3, 4, 18, tzinfo=UTC))
    await upload(
        uow_factory,
        clock,
        tenant_id,
        "februar.xml",
        _statement("2024-02-01", "2024-02-29", TIMBER),
    )
    counts = await run_matching(uow_factory, clock, tenant_id)

    assert (counts.awaiting_lines, counts.no_candidate) == (0, 1)
    # February's statement brought the timber's line; the chairs were paid elsewhere
    reasons = await _reasons(uow_factory, tenant_id)
    assert reasons == {"ER-2024-0031": None, "ER-2024-0032": "no_candidate"}
    assert await _listed(uow_factory, tenant_id) == {"ER-2024-0032"}


async def test_a_statement_reaches_the_end_of_the_period_it_states(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """February's statement's last booking is the 14th; the period it states ends on
    the 29th. Without the period, the chairs' window (to the 23rd) lies past the last
    booking: they await; with it, the statement says nothing more came."""
    tenant_id = await _client(uow_factory)
    clock.set(datetime(2024, 3, 4, 18, tzinfo=UTC))
    without = _statement("2024-02-01", "2024-02-29", TIMBER, period=False)
    assert await _chairs_after(uow_factory, clock, tenant_id, "feb.xml", without) == (
        "awaiting_lines"
    )

    stated = _statement("2024-02-01", "2024-02-29", TIMBER)
    assert await _chairs_after(uow_factory, clock, tenant_id, "feb2.xml", stated) == (
        "no_candidate"
    )


async def test_a_push_reaches_the_day_before_it_and_the_least_current_account_decides(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The bank connection pushes the business account daily; the credit card's
    statement comes as a file at the end of the month. The chairs (no line) wait for
    both: until the card's statement reaches past their window, they may be on it."""
    tenant_id = await _client(uow_factory)
    clock.set(datetime(2024, 2, 20, 6, tzinfo=UTC))
    await push(uow_factory, clock, tenant_id, [TIMBER_PUSHED], iban=CONNECTED)
    await run_matching(uow_factory, clock, tenant_id)
    # pushed on 20 February: every booking to the 19th is here, the window ends the 23rd
    assert await _reasons(uow_factory, tenant_id) == {
        "ER-2024-0031": None,
        "ER-2024-0032": "awaiting_lines",
    }

    clock.set(datetime(2024, 2, 26, 6, tzinfo=UTC))
    rent = {**TIMBER_PUSHED, "booking_date": "2024-02-23", "amount": "-1450.00"}
    await push(uow_factory, clock, tenant_id, [rent], iban=CONNECTED)
    # the connection reaches the 25th, the uploaded account only 31 January
    january = _statement("2024-01-01", "2024-01-31", RENT)
    assert await _chairs_after(uow_factory, clock, tenant_id, "jan.xml", january) == (
        "awaiting_lines"
    )

    february = _statement("2024-02-01", "2024-02-29", period=True)  # nothing booked
    assert await _chairs_after(uow_factory, clock, tenant_id, "feb.xml", february) == (
        "no_candidate"
    )


async def test_a_line_dated_far_ahead_leaves_the_other_accounts_counted(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A bank's export with a booking dated 2099 (a typo, a garbled file): the reach is
    read from the recent lines only, counted back from the newest booking — but from
    that line's import day, not from 2099, or every other account's lines fall out and
    the payments are listed as needing an external transaction too early."""
    tenant_id = await _client(uow_factory)
    card = "DE75512108001245126199"
    clock.set(datetime(2024, 2, 20, 6, tzinfo=UTC))
    await push(uow_factory, clock, tenant_id, [TIMBER_PUSHED], iban=CONNECTED)
    clock.set(datetime(2024, 3, 20, 6, tzinfo=UTC))
    garbled = {
        **TIMBER_PUSHED,
        "booking_date": "2099-03-18",
        "amount": "-12.90",
        "remittance": "Gebühr",
    }
    await push(uow_factory, clock, tenant_id, [garbled], iban=card)

    await run_matching(uow_factory, clock, tenant_id)

    # the business account reaches 19 February: the chairs' window (to the 23rd) waits
    assert (await _reasons(uow_factory, tenant_id))["ER-2024-0032"] == "awaiting_lines"
