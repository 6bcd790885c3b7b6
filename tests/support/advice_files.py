"""A client's own SEPA collection batch as a pain.008 file, and the statement booking it
as one line: for the advice tests of the upload page and the CLI."""

from __future__ import annotations

from datetime import date

from belegsync.store.uow import UnitOfWorkFactory
from support.matching_helpers import add_voucher

OWN = "DE17100500000123456789"
INVOICES = (("RE-2024-00101", "1190.00"), ("RE-2024-00102", "595.00"), ("RE-2024-00103", "238.00"))
TOTAL = "2023.00"


def pain008_batch(control_sum: str = TOTAL) -> bytes:
    items = "".join(
        f"<DrctDbtTxInf><PmtId><EndToEndId>KBT{number[3:].replace('-', '')}</EndToEndId></PmtId>"
        f'<InstdAmt Ccy="EUR">{amount}</InstdAmt><DrctDbtTx><MndtRltdInf>'
        f"<MndtId>KBT-1000{k}-01</MndtId><DtOfSgntr>2023-01-10</DtOfSgntr></MndtRltdInf>"
        f"</DrctDbtTx><DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>"
        f"<Dbtr><Nm>Kunde {k} GmbH</Nm></Dbtr><DbtrAcct><Id><IBAN>DE8937040044053201300{k}"
        f"</IBAN></Id></DbtrAcct><RmtInf><Ustrd>Rechnung {number} Kd 1000{k}</Ustrd></RmtInf>"
        f"</DrctDbtTxInf>"
        for k, (number, amount) in enumerate(INVOICES)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02">'
        "<CstmrDrctDbtInitn><GrpHdr><MsgId>MSG-20240403-1</MsgId>"
        "<CreDtTm>2024-04-01T10:00:00</CreDtTm><NbOfTxs>3</NbOfTxs>"
        f"<CtrlSum>{control_sum}</CtrlSum><InitgPty><Nm>Werkzeug Weber GmbH</Nm></InitgPty>"
        "</GrpHdr><PmtInf><PmtInfId>B2B-20240403-001</PmtInfId><PmtMtd>DD</PmtMtd>"
        f"<BtchBookg>true</BtchBookg><NbOfTxs>3</NbOfTxs><CtrlSum>{control_sum}</CtrlSum>"
        "<PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>B2B</Cd></LclInstrm>"
        "<SeqTp>RCUR</SeqTp></PmtTpInf><ReqdColltnDt>2024-04-03</ReqdColltnDt>"
        "<Cdtr><Nm>Werkzeug Weber GmbH</Nm></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{OWN}</IBAN></Id></CdtrAcct>"
        "<CdtrAgt><FinInstnId><BIC>BELADEBEXXX</BIC></FinInstnId></CdtrAgt>"
        f"{items}</PmtInf></CstmrDrctDbtInitn></Document>"
    ).encode()


def statement_with_batch() -> bytes:
    """One day's camt.053: the batch booked as one line (no amounts per item)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>S1</MsgId><CreDtTm>2024-04-04T06:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S-2024-04-03</Id><CreDtTm>2024-04-04T06:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{OWN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f'<Ntry><Amt Ccy="EUR">{TOTAL}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2024-04-03</Dt></BookgDt><ValDt><Dt>2024-04-03</Dt></ValDt>"
        "<AcctSvcrRef>S-001</AcctSvcrRef><NtryDtls><Btch><PmtInfId>B2B-20240403-001</PmtInfId>"
        "<NbOfTxs>3</NbOfTxs></Btch></NtryDtls>"
        "<AddtlNtryInf>SEPA-B2B-SAMMLER ANZAHL 3</AddtlNtryInf></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def notification_of_batch() -> bytes:
    """The bank's camt.054 „Sammelbuchungsdatei“ of that batch: the entry with the
    batch's amount, day and bank reference, its items as transaction details."""
    details = "".join(
        "<TxDtls><Refs><EndToEndId>"
        f"KBT{number[3:].replace('-', '')}</EndToEndId><MndtId>KBT-1000{k}-01</MndtId></Refs>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<RltdPties><Dbtr><Pty><Nm>Kunde {k} GmbH</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>"
        f"DE8937040044053201300{k}</IBAN></Id></DbtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>Rechnung {number} Kd 1000{k}</Ustrd></RmtInf></TxDtls>"
        for k, (number, amount) in enumerate(INVOICES)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId>"
        "<CreDtTm>2024-04-04T06:00:00</CreDtTm></GrpHdr>"
        "<Ntfctn><Id>N-2024-04-03</Id><CreDtTm>2024-04-04T06:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{OWN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f'<Ntry><Amt Ccy="EUR">{TOTAL}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-04-03</Dt></BookgDt>"
        "<ValDt><Dt>2024-04-03</Dt></ValDt><AcctSvcrRef>S-001</AcctSvcrRef>"
        "<NtryDtls><Btch><PmtInfId>B2B-20240403-001</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>"
        f"{details}</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


async def add_batch_invoices(
    uow_factory: UnitOfWorkFactory, tenant_id: str, count: int = len(INVOICES)
) -> None:
    """The invoices the batch collects (the first ``count``), paid in Lexware on the
    collection day."""
    for k, (number, amount) in enumerate(INVOICES[:count]):
        await add_voucher(
            uow_factory,
            tenant_id,
            f"b2b-{k}",
            voucher_type="salesinvoice",
            voucher_number=number,
            contact_name=f"Kunde {k} GmbH",
            total_gross_cents=int(amount.replace(".", "")),
            total_tax_cents=0,
            voucher_date=date(2024, 3, 20),
            paid_date=date(2024, 4, 3),
        )
