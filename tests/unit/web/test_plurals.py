"""Counts read as German and English write them: „1 Beleg“, „2 Belege“."""

from __future__ import annotations

import pytest

from belegsync.web.i18n import Formatter, Lang


@pytest.mark.parametrize(
    ("lang", "n", "text"),
    [
        ("de", 0, "0 Belege"),
        ("de", 1, "1 Beleg"),
        ("de", 2, "2 Belege"),
        ("en", 1, "1 voucher"),
        ("en", 1234, "1,234 vouchers"),
    ],
)
def test_a_count_takes_the_form_its_number_needs(lang: Lang, n: int, text: str) -> None:
    fmt = Formatter(lang)
    assert fmt.ngettext("%(n)s Beleg", "%(n)s Belege", n, n=fmt.number(n)) == text


def test_the_upload_says_one_new_line_in_the_singular() -> None:
    singular = "%(added)s neuer Umsatz, %(dups)s bereits vorhanden (Format %(format)s)."
    plural = "%(added)s neue Umsätze, %(dups)s bereits vorhanden (Format %(format)s)."
    values = {"added": 1, "dups": 2, "format": "CSV"}
    assert Formatter("de").ngettext(singular, plural, 1, **values) == (
        "1 neuer Umsatz, 2 bereits vorhanden (Format CSV)."
    )
    assert Formatter("en").ngettext(singular, plural, 3, **{**values, "added": 3}) == (
        "3 new transactions, 2 already present (format CSV)."
    )
