"""Belege: list, filters, pagination, detail, review flags, files inline and as download."""

from __future__ import annotations

import re

from sqlalchemy import select

from belegsync.store.models import Voucher, VoucherFile
from support.web_stack import WebStack, connect_and_sync, text_of


async def test_list_filters_and_pages(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    base = f"/clients/{stack.tenant_a}/vouchers"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        all_ = await b.get(base)
        assert "20 Belege" in text_of(all_)
        assert all_.text.count(f'href="{base}/') == 20
        y2025 = text_of(await b.get(f"{base}?year=2025"))
        y2026 = text_of(await b.get(f"{base}?year=2026"))
        n2025 = int(re.findall(r"(\d+) Belege", y2025)[-1])
        n2026 = int(re.findall(r"(\d+) Belege", y2026)[-1])
        assert n2025 + n2026 == 20
        assert "0 Belege" in text_of(await b.get(f"{base}?flagged=1"))
        assert "Keine Belege für diese Auswahl." in text_of(await b.get(f"{base}?flagged=1"))
        # Nonsense filters are ignored rather than failing.
        assert "20 Belege" in text_of(await b.get(f"{base}?year=abc&type=x&page=-3"))
    async with stack.harness.uow_factory() as uow:
        voucher = await uow.session.scalar(
            select(Voucher).where(Voucher.tenant_id == stack.tenant_a).limit(1)
        )
        assert voucher is not None
        voucher.review_reason = "no_longer_paid"
        await uow.commit()
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        flagged = await b.get(f"{base}?flagged=1")
        assert "1 Beleg" in text_of(flagged) and "1 Belege" not in text_of(flagged)
        detail = text_of(await b.get(f"{base}/{voucher.id}"))
        assert "nicht mehr bezahlt" in detail and "Zur Prüfung markiert" in detail


async def test_pagination(stack: WebStack) -> None:
    stack.harness.tenant_id = stack.tenant_a
    await stack.harness.connect()
    for i in range(40):
        await stack.harness.add_paid_voucher(__import__("datetime").date(2026, 3, 1 + i % 28))
    outcome = await stack.harness.sync()
    assert outcome.status == "succeeded"
    base = f"/clients/{stack.tenant_a}/vouchers"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        first = await b.get(base)
        assert "Seite 1 von 2" in text_of(first)
        second = await b.get(f"{base}?page=2")
        assert "Seite 2 von 2" in text_of(second)
        assert second.text.count(f'href="{base}/') == 60 - 50


async def test_detail_and_files_inline_and_download(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    async with stack.harness.uow_factory() as uow:
        stored = await uow.session.scalar(
            select(VoucherFile)
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == stack.tenant_a, VoucherFile.media_type == "application/pdf")
            .limit(1)
        )
        assert stored is not None
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        detail = await b.get(f"/clients/{stack.tenant_a}/vouchers/{stored.voucher_id}")
        assert f"/clients/{stack.tenant_a}/files/{stored.id}" in detail.text
        assert "Zahlungen" in text_of(detail)
        inline = await b.get(f"/clients/{stack.tenant_a}/files/{stored.id}")
        assert inline.status_code == 200
        assert inline.headers["content-type"].startswith("application/pdf")
        assert inline.headers["content-disposition"].startswith("inline;")
        assert inline.headers["x-content-type-options"] == "nosniff"
        assert inline.content.startswith(b"%PDF")
        assert len(inline.content) == stored.size_bytes
        download = await b.get(f"/clients/{stack.tenant_a}/files/{stored.id}/download")
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.content == inline.content
    # Staff may open it too; another client may not.
    async with stack.browser() as staff:
        await staff.login("staff@kanzlei.test")
        r = await staff.get(f"/clients/{stack.tenant_a}/files/{stored.id}")
        assert r.status_code == 200
    async with stack.browser() as other:
        await other.login("b@beta.test")
        assert (await other.get(f"/clients/{stack.tenant_b}/files/{stored.id}")).status_code == 404
