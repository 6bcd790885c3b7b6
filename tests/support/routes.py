"""Every page and action of the web app that takes a tenant or one of its ids, with a
tenant's real ids to fill them (the isolation and the lock tests walk them all)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from belegsync.domain.advice import Advice, AdviceItem, AdviceKind
from belegsync.matching.external import create_external_transaction
from belegsync.matching.service import run_matching
from belegsync.store.models import SyncRun, Voucher, VoucherFile
from support.web_stack import WebStack

# (method, path template) for every page and action taking a tenant or one of its ids.
CLIENT_ROUTES = [
    ("GET", "/clients/{tenant}/connection"),
    ("POST", "/clients/{tenant}/connection/start"),
    ("GET", "/clients/{tenant}/connection/key"),
    ("POST", "/clients/{tenant}/connection/key"),
    ("POST", "/clients/{tenant}/connection/sync"),
    ("GET", "/clients/{tenant}/connection/progress"),
    ("GET", "/clients/{tenant}/connection/disconnect"),
    ("POST", "/clients/{tenant}/connection/disconnect"),
    ("POST", "/clients/{tenant}/connection/tax-advisor/sent"),
    ("GET", "/clients/{tenant}/connection/runs/{run}"),
    ("GET", "/clients/{tenant}/overview"),
    ("GET", "/clients/{tenant}/exports"),
    ("GET", "/clients/{tenant}/exports/vouchers.csv"),
    ("GET", "/clients/{tenant}/exports/files.zip"),
    ("GET", "/clients/{tenant}/vouchers"),
    ("GET", "/clients/{tenant}/vouchers/{voucher}"),
    ("GET", "/clients/{tenant}/files/{file}"),
    ("GET", "/clients/{tenant}/files/{file}/download"),
    ("GET", "/clients/{tenant}/support"),
    ("POST", "/clients/{tenant}/support"),
    ("GET", "/clients/{tenant}/matching"),
    ("POST", "/clients/{tenant}/matching/run"),
    ("POST", "/clients/{tenant}/matching/links/{link}/confirm"),
    ("POST", "/clients/{tenant}/matching/links/{link}/reject"),
    ("POST", "/clients/{tenant}/matching/links/{link}/undo"),
    ("POST", "/clients/{tenant}/matching/links/{link}/keep"),
    ("POST", "/clients/{tenant}/matching/payments/{payment}/link/{txn}"),
    ("POST", "/clients/{tenant}/matching/payments/{payment}/external"),
    ("GET", "/clients/{tenant}/matching/payments/{payment}"),
    ("POST", "/clients/{tenant}/matching/confirm-safe"),
    ("POST", "/clients/{tenant}/matching/confirm-selected"),
    ("POST", "/clients/{tenant}/matching/batches/{batch}/undo"),
    ("GET", "/clients/{tenant}/bank/upload"),
    ("POST", "/clients/{tenant}/bank/upload"),
    ("GET", "/clients/{tenant}/bank/transactions"),
    ("GET", "/clients/{tenant}/bank/transactions.csv"),
    ("GET", "/clients/{tenant}/bank/accounts"),
    ("GET", "/clients/{tenant}/bank/upload/{draft}"),
    ("POST", "/clients/{tenant}/bank/upload/{draft}"),
    ("POST", "/clients/{tenant}/bank/advices/{advice}/remove"),
]
STAFF_ROUTES = [
    ("GET", "/staff"),
    ("POST", "/staff/clients"),
    ("GET", "/staff/clients/{tenant}"),
    ("POST", "/staff/clients/{tenant}/tax-years"),
    ("POST", "/staff/clients/{tenant}/vat-returns"),
    ("POST", "/staff/clients/{tenant}/bookkeeping-service"),
    ("POST", "/staff/clients/{tenant}/tax-advisor"),
    ("POST", "/staff/clients/{tenant}/sync"),
    ("POST", "/staff/clients/{tenant}/api-tokens"),
    ("POST", "/staff/clients/{tenant}/api-tokens/{token}/revoke"),
    ("POST", "/staff/clients/{tenant}/support/{request}/resolve"),
    ("GET", "/staff/portfolio"),
    ("GET", "/staff/support"),
    ("GET", "/staff/outbox"),
]
PUBLIC = {
    "/",
    "/login",
    "/logout",
    "/language",
    "/webhooks/lexware",
    "/static",
    "/favicon.ico",
}


@dataclass
class Ids:
    tenant: str
    run: str
    voucher: str
    file: str
    link: str = "00000000-0000-0000-0000-000000000000"
    payment: str = "00000000-0000-0000-0000-000000000000"
    txn: str = "00000000-0000-0000-0000-000000000000"
    token: str = "00000000-0000-0000-0000-000000000000"
    request: str = "00000000-0000-0000-0000-000000000000"
    batch: str = "00000000-0000-0000-0000-000000000000"
    draft: str = "00000000-0000-0000-0000-000000000000"
    advice: str = "00000000-0000-0000-0000-000000000000"


async def ids_of(stack: WebStack, tenant_id: str) -> Ids:
    async with stack.harness.uow_factory() as uow:
        s = uow.session
        run = await s.scalar(select(SyncRun.id).where(SyncRun.tenant_id == tenant_id))
        voucher = await s.scalar(select(Voucher.id).where(Voucher.tenant_id == tenant_id))
        file = await s.scalar(
            select(VoucherFile.id)
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == tenant_id)
        )
    assert run and voucher and file
    # A real payment, transaction and link of this tenant for the matching routes.
    await run_matching(stack.harness.uow_factory, stack.harness.clock, tenant_id)
    async with stack.harness.uow_factory() as uow:
        payment = (await uow.matching.payments(tenant_id))[0][0].id
    link = await create_external_transaction(
        stack.harness.uow_factory, stack.harness.clock, tenant_id, payment, actor="test"
    )
    async with stack.harness.uow_factory() as uow:
        advice = await uow.advices.add(
            tenant_id=tenant_id,
            advice=Advice(AdviceKind.PAYOUT, "2024/1", None, True, (AdviceItem("RE-1", 1, 1),)),
            fingerprint=tenant_id,
            file_name="avis.csv",
            actor="test",
            now=stack.harness.clock.now(),
        )
        await uow.commit()
    ids = Ids(tenant_id, run, voucher, file, link.id, payment, link.bank_transaction_id)
    ids.advice = advice.id
    return ids


def fill(template: str, ids: Ids, tenant: str | None = None) -> str:
    values = {**ids.__dict__, "tenant": tenant or ids.tenant}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
