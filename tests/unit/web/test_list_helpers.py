"""The small pure pieces of the web lists and exports."""

from __future__ import annotations

from datetime import date

from belegsync.store.voucher_list import VoucherRow
from belegsync.web.charts import Column, Series, nice_ceiling, stacked_bars
from belegsync.web.exports import csv_row, decimal_comma
from belegsync.web.filenames import safe_part, unique, voucher_file_name
from belegsync.web.listing import ListState, query_amount_cents, query_day, read_state


def test_file_names_are_safe_and_readable() -> None:
    name = voucher_file_name(
        date(2026, 3, 14), "RE/2026\\001", "Müller & Söhne <GmbH>", "application/pdf", None
    )
    assert name == "2026-03-14_RE-2026-001_Müller-Söhne-GmbH.pdf"
    assert voucher_file_name(date(2026, 1, 2), None, "..", "image/png", "x.png", 2) == (
        "2026-01-02_ohne-Nummer_ohne-Kontakt_2.png"
    )
    assert voucher_file_name(date(2026, 1, 2), "1", "A", "application/x-odd", "f.EXE") == (
        "2026-01-02_1_A.exe"
    )
    assert len(safe_part("x" * 500, "-")) == 60
    assert safe_part("\x00\n\t", "leer") == "leer"
    taken: set[str] = set()
    assert [unique("a.pdf", taken) for _ in range(3)] == ["a.pdf", "a-2.pdf", "a-3.pdf"]


def test_csv_cells_for_a_german_excel() -> None:
    assert decimal_comma(-123456) == "-1234,56"
    assert decimal_comma(5) == "0,05"
    assert decimal_comma(None) == ""
    row = VoucherRow(
        id="v",
        voucher_type="purchaseinvoice",
        voucher_status="paidoff",
        voucher_number="=1+1",
        voucher_date=date(2026, 3, 1),
        contact_name="@evil",
        total_gross_cents=11028,
        currency="EUR",
        paid_date=None,
        review_reason=None,
        match_state="suggested",
    )
    cells = csv_row(row, lambda text: text)
    assert cells[:7] == ["01.03.2026", "'=1+1", "Eingangsrechnung", "'@evil", "-110,28", "EUR", ""]
    assert cells[7] == "bezahlt (ausgeglichen)" and cells[8] == "Vorschlag offen"


def test_list_state_lives_in_the_url() -> None:
    state = read_state(
        "/l",
        {"q": " Meier ", "sort": "amount", "dir": "desc", "page": "3", "x": "1"},
        keys=("q",),
        sorts=("date", "amount"),
        default_sort="date",
        default_descending=True,
    )
    assert state.url() == "/l?q=Meier&sort=amount&dir=desc&page=3"
    assert state.sort_url("amount") == "/l?q=Meier&sort=amount&dir=asc"
    assert state.sort_url("date") == "/l?q=Meier&sort=date&dir=asc"
    assert state.page_url(1) == "/l?q=Meier&sort=amount&dir=desc"
    assert state.with_path("/e.csv") == "/e.csv?q=Meier&sort=amount&dir=desc"
    bad = read_state(
        "/l",
        {"sort": "evil", "page": "-1"},
        keys=(),
        sorts=("date",),
        default_sort="date",
        default_descending=True,
    )
    assert (bad.sort, bad.descending, bad.page) == ("date", True, 1)
    assert ListState("/l").url() == "/l"


def test_searched_amounts_and_days() -> None:
    assert query_amount_cents("1.234,56") == 123456
    assert query_amount_cents("-110,28 €") == 11028
    assert query_amount_cents("110.28") == 11028
    assert [query_amount_cents(t) for t in ("", "abc", "1,234", "nan")] == [None] * 4
    assert query_day("14.03.2026") == query_day("2026-03-14") == date(2026, 3, 14)
    assert query_day("31.02.2026") is None and query_day("x") is None


def test_chart_scales_and_escapes() -> None:
    assert [nice_ceiling(n) for n in (0, 3, 5, 9, 41, 399, 401)] == [4, 4, 8, 20, 80, 400, 800]
    svg = stacked_bars(
        "<T>",
        [Column("Jan", {"a": 3, "b": 1}, " 26"), Column("Feb", {})],
        [Series("a", "A & B", "s-a"), Series("b", "B", "s-b")],
    )
    assert "<T>" not in svg and "&lt;T&gt;" in svg and "A &amp; B: 3" in svg
    assert svg.count("<rect") == 2
