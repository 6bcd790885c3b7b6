"""Exports for the tax advisor: Belege as CSV for Excel, a period's files as a ZIP."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

from sqlalchemy import func, select

from belegsync.store.models import Voucher, VoucherFile
from support.volume import generate_volume
from support.web_stack import WebStack, connect_and_sync, text_of


async def test_csv_opens_in_a_german_excel_and_follows_the_filters(stack: WebStack) -> None:
    h = stack.harness
    await generate_volume(
        uow_factory=h.uow_factory,
        files=h.files,
        clock=h.clock,
        tenant_id=stack.tenant_a,
        count=120,
        end=date(2026, 6, 14),
    )
    base = f"/clients/{stack.tenant_a}/exports/vouchers.csv"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        everything = await b.get(base)
        assert everything.status_code == 200
        # one charset (before, "text/csv; charset=utf-8; charset=utf-8")
        assert everything.headers["content-type"] == "text/csv; charset=utf-8"
        assert "attachment" in everything.headers["content-disposition"]
        raw = everything.content
        assert raw.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:5] == ["Belegdatum", "Belegnummer", "Belegart", "Kontakt", "Betrag"]
        assert len(rows) == 1 + 120
        purchase = next(r for r in rows[1:] if r[2] == "Eingangsrechnung")
        sale = next(r for r in rows[1:] if r[2] == "Ausgangsrechnung")
        # Decimal comma, no thousands separator; money out negative, money in positive.
        assert purchase[4].startswith("-") and "," in purchase[4] and "." not in purchase[4]
        assert not sale[4].startswith("-")
        assert purchase[0].count(".") == 2  # TT.MM.JJJJ
        assert "paid" not in {r[7] for r in rows[1:]} and "bezahlt" in {r[7] for r in rows[1:]}
        filtered = await b.get(f"{base}?q=Meier&from=2026-01-01")
        lines = filtered.content.decode("utf-8-sig").strip().splitlines()
    async with stack.harness.uow_factory() as uow:
        expected = await uow.session.scalar(
            select(func.count())
            .select_from(Voucher)
            .where(
                Voucher.tenant_id == stack.tenant_a,
                Voucher.contact_name.ilike("%meier%"),
                Voucher.voucher_date >= date(2026, 1, 1),
            )
        )
    assert expected is not None and len(lines) - 1 == expected > 0


async def test_zip_of_a_period_names_files_by_date_number_and_contact(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_a)
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    async with stack.harness.uow_factory() as uow:
        files = await uow.session.scalar(
            select(func.count())
            .select_from(VoucherFile)
            .join(Voucher, Voucher.id == VoucherFile.voucher_id)
            .where(Voucher.tenant_id == stack.tenant_a, Voucher.voucher_date.between(start, end))
        )
    base = f"/clients/{stack.tenant_a}/exports"
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        r = await b.get(f"{base}/files.zip?from={start}&to={end}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        names = archive.namelist()
        assert files is not None and len(names) == files > 0
        for name in names:
            day, number, rest = name.split("_", 2)
            assert start <= date.fromisoformat(day) <= end
            assert number and rest.endswith((".pdf", ".jpg", ".png", ".xml"))
            assert "/" not in name and "\\" not in name and " " not in name
        assert archive.testzip() is None
        # A missing or reversed period is a clear 400 with the form, nothing streamed.
        for query in ("", "?from=2026-06-30&to=2026-01-01", "?from=x&to=y"):
            bad = await b.get(f"{base}/files.zip{query}")
            assert bad.status_code == 400, query
            assert "Bitte wählen Sie einen Zeitraum" in text_of(bad)
        page = await b.get(base)
        assert page.status_code == 200 and "ZIP herunterladen" in text_of(page)


async def test_exports_are_tenant_scoped(stack: WebStack) -> None:
    await connect_and_sync(stack, stack.tenant_b)
    async with stack.browser() as b:
        await b.login("a@alpha.test")
        period = "from=2020-01-01&to=2026-12-31"
        for path in ("exports", "exports/vouchers.csv", f"exports/files.zip?{period}"):
            r = await b.get(f"/clients/{stack.tenant_b}/{path}")
            assert r.status_code == 404, path
