"""A Swiss customer's SWIFT transfer with shared charges, through the real stack: the
camt.053 file says the payer instructed 2.500,00 € (``AmtDtls/InstdAmt``) and the banks
kept 12,50 € (``Chrgs``); 2.487,50 € arrived. The parser read the instructed amount and
the store kept it, but matching never looked at it: the invoice of 2.500,00 € was only
offered, „2,50 € weniger als erwartet (innerhalb von 5 %)“, for the client to confirm."""

from __future__ import annotations

from datetime import date

from belegsync.domain.matching import LinkStatus
from belegsync.domain.matching_reasons import describe_all
from belegsync.matching.inbox import manual_search
from belegsync.matching.service import run_matching
from belegsync.store.access import TenantContext
from belegsync.store.uow import UnitOfWorkFactory
from fakes.clock import FixedClock
from support.matching_helpers import add_voucher, line, links_by_voucher_number, push, upload
from support.store_helpers import add_tenant

ACCOUNT = "DE02120300000000202051"


def _entry(booked: str, instructed: str | None, text: str, payer: str = "Alpenholz AG") -> str:
    amounts = (
        f"""<AmtDtls>
              <InstdAmt><Amt Ccy="EUR">{instructed}</Amt></InstdAmt>
              <TxAmt><Amt Ccy="EUR">{booked}</Amt></TxAmt>
            </AmtDtls>"""
        if instructed is not None
        else ""
    )
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{booked}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2024-05-06</Dt></BookgDt>
        <ValDt><Dt>2024-05-06</Dt></ValDt>
        <BkTxCd><Prtry><Cd>NTRF+202</Cd><Issr>DK</Issr></Prtry></BkTxCd>
        <NtryDtls>
          <TxDtls>
            <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
            {amounts}
            <Chrgs><Rcrd><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd></Rcrd></Chrgs>
            <RltdPties>
              <Dbtr><Nm>{payer}</Nm></Dbtr>
              <DbtrAcct><Id><IBAN>CH9300762011623852957</IBAN></Id></DbtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>"""


def _statement(*entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-20240506</MsgId><CreDtTm>2024-05-07T04:00:00+02:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>20240506-1</Id>
      <CreDtTm>2024-05-07T04:00:00+02:00</CreDtTm>
      <Acct><Id><IBAN>{ACCOUNT}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>""".encode()


async def _client(uow_factory: UnitOfWorkFactory) -> str:
    tenant_id, _ = await add_tenant(uow_factory, "Schreinerei Holzwerk")
    for lexware_id, number in (("v-ch", "RE-2024-0117"), ("v-ch2", "RE-2024-0118")):
        await add_voucher(
            uow_factory,
            tenant_id,
            lexware_id,
            voucher_type="salesinvoice",
            voucher_number=number,
            contact_name="Alpenholz AG",
            total_gross_cents=250000,
            total_tax_cents=0,
            voucher_date=date(2024, 4, 15),
            paid_date=date(2024, 5, 6),
        )
    return tenant_id


FILE = "camt053_20240506.xml"


async def test_a_transfer_whose_banks_kept_their_charges_pays_its_invoice_in_full(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    tenant_id = await _client(uow_factory)
    await upload(
        uow_factory,
        clock,
        tenant_id,
        FILE,
        _statement(
            _entry("2487.50", "2500.00", "/RFB/RE-2024-0117 INVOICE 0117"),
            # the second invoice's transfer: no instructed amount reported
            _entry("2487.50", None, "/RFB/RE-2024-0118 INVOICE 0118"),
        ),
    )

    counts = await run_matching(uow_factory, clock, tenant_id)

    links = await links_by_voucher_number(uow_factory, tenant_id)
    assert links["RE-2024-0117"] == (LinkStatus.AUTO_CONFIRMED.value, 248750, 1250)
    assert links["RE-2024-0118"][0] == LinkStatus.SUGGESTED.value
    assert counts.auto_links == 1
    async with uow_factory() as uow:
        [link] = [
            link
            for link in await uow.matching.links(tenant_id)
            if link.status == LinkStatus.AUTO_CONFIRMED.value
        ]
        said = [german for german, _ in describe_all(link.reasons)]
    assert "Auftragsbetrag stimmt auf den Cent, die Banken behielten 12,50 € Gebühren ein" in said
    assert "Differenz: Bankgebühr" in said

    # the next run finds nothing new to do
    again = await run_matching(uow_factory, clock, tenant_id)
    assert again.auto_links == 0
    assert await links_by_voucher_number(uow_factory, tenant_id) == links


async def test_the_manual_search_finds_a_transfer_by_the_amount_its_payer_instructed(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Its payer's bank wrote another name and the purpose names nothing: no run links
    or offers it, so the client opens the voucher, whose search looks for its amount
    around its paid date. 2.487,50 € is not 2.500,00 €: before, it said „Keine Umsätze
    gefunden“."""
    tenant_id = await _client(uow_factory)
    await upload(
        uow_factory,
        clock,
        tenant_id,
        FILE,
        _statement(_entry("2487.50", "2500.00", "PAYMENT", payer="TREUHAND HUBER AG ZUG")),
    )
    await run_matching(uow_factory, clock, tenant_id)
    async with uow_factory() as uow:
        [payment_id] = [
            p.id for p, v in await uow.matching.payments(tenant_id) if v.lexware_id == "v-ch"
        ]
        search = await manual_search(
            uow, TenantContext(tenant_id=tenant_id, actor="test", is_staff=True), payment_id
        )

    assert search.defaults_used and not search.widened
    assert [t.amount_cents for t, _ in search.found] == [248750]


async def test_a_pushed_transfer_with_the_amount_ordered_pays_its_invoice_in_full(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The same through the bank connection's push (``original_amount``), as the demo's
    bank sends it."""
    tenant_id = await _client(uow_factory)
    await push(
        uow_factory,
        clock,
        tenant_id,
        [
            line(
                "2487.50",
                "2024-05-06",
                "/RFB/RE-2024-0117 INVOICE 0117",
                counterparty_name="Alpenholz AG",
                original_amount="2500.00",
                original_currency="EUR",
            )
        ],
    )

    await run_matching(uow_factory, clock, tenant_id)

    links = await links_by_voucher_number(uow_factory, tenant_id)
    assert links["RE-2024-0117"] == (LinkStatus.AUTO_CONFIRMED.value, 248750, 1250)
