"""German by default, English second. Texts in templates and code are German msgids;
``locale/en.po`` holds the English translations, compiled in memory at start-up."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from belegsync.domain.dates import BERLIN
from belegsync.domain.money import Money

Lang = Literal["de", "en"]
LANGUAGES: tuple[Lang, ...] = ("de", "en")
DEFAULT_LANGUAGE: Lang = "de"
# Parsed once: babel would parse the locale name again for every formatted cell.
_BABEL_LOCALE = {"de": Locale.parse("de_DE"), "en": Locale.parse("en_GB")}


def parse_lang(value: str | None) -> Lang | None:
    if value == "de":
        return "de"
    if value == "en":
        return "en"
    return None


def load_po(lang: str) -> Translations:
    """Compile ``locale/<lang>.po`` to an in-memory catalogue."""
    source = resources.files("belegsync.web").joinpath(f"locale/{lang}.po")
    with source.open("rb") as po_file:
        catalog = read_po(po_file, locale=_BABEL_LOCALE[parse_lang(lang) or "en"])
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@cache
def translations(lang: Lang) -> NullTranslations:
    return NullTranslations() if lang == "de" else load_po(lang)


def pick_language(accept_language: str | None) -> Lang:
    """The first of our languages in an Accept-Language header; German otherwise."""
    for part in (accept_language or "").split(","):
        lang = parse_lang(part.split(";")[0].strip().lower()[:2])
        if lang is not None:
            return lang
    return DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Formatter:
    """gettext and date, time and money formatting for one language."""

    lang: Lang

    def gettext(self, message: str, **values: Any) -> str:
        text = translations(self.lang).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """The text for ``count`` things („1 Beleg“, „2 Belege“), the ``values`` put in
        (the count among them, as ``n`` or another name, formatted as the caller
        wants it)."""
        text = translations(self.lang).ngettext(singular, plural, count)
        return text % values if values else text

    def date(self, value: date | None) -> str:
        return "–" if value is None else _date(value, self.lang)

    def datetime(self, value: datetime | None) -> str:
        """An instant in Berlin time, e.g. "15.06.2026, 10:00"."""
        return "–" if value is None else _datetime(value, self.lang)

    def money(self, cents: int | None, currency: str = "EUR") -> str:
        return "–" if cents is None else _money(cents, currency, self.lang)

    def number(self, value: int | None) -> str:
        return "–" if value is None else _number(value, self.lang)

    def pick(self, german: str | None, english: str | None) -> str:
        """Domain texts come in both languages; choose ours."""
        return (english if self.lang == "en" else german) or ""


# A list page formats hundreds of cells, most of them repeats (dates, common amounts):
# the formatted text is cached per value and language.
@lru_cache(maxsize=8192)
def _date(value: date, lang: Lang) -> str:
    return format_date(value, "medium", locale=_BABEL_LOCALE[lang])


@lru_cache(maxsize=8192)
def _datetime(value: datetime, lang: Lang) -> str:
    return format_datetime(
        value.astimezone(BERLIN),
        "dd.MM.yyyy, HH:mm" if lang == "de" else "d MMM yyyy, HH:mm",
        locale=_BABEL_LOCALE[lang],
    )


@lru_cache(maxsize=32768)
def _money(cents: int, currency: str, lang: Lang) -> str:
    amount = Decimal(Money(cents, currency).to_decimal_string())
    return format_currency(amount, currency, locale=_BABEL_LOCALE[lang])


@lru_cache(maxsize=8192)
def _number(value: int, lang: Lang) -> str:
    return format_decimal(value, locale=_BABEL_LOCALE[lang])
