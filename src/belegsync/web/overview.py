"""The overviews' figures from the store's counts: the 12-month chart, what needs
action now, and per tax year the completeness light a tax advisor checks before
closing a year."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from belegsync.store.overview import FailedVoucher, MonthCounts, YearCounts
from belegsync.web.charts import Column, Series, legend, stacked_bars
from belegsync.web.labels import _

Light = Literal["green", "yellow", "red"]

CHART_SERIES: tuple[tuple[str, str, str], ...] = (
    ("auto", _("automatisch verknüpft"), "s-auto"),
    ("confirmed", _("bestätigt"), "s-confirmed"),
    ("external", _("extern"), "s-external"),
    ("open", _("offen"), "s-open"),
    ("cash", _("bar bezahlt"), "s-cash"),
    ("none", _("noch nicht abgeglichen"), "s-none"),
)
MONTHS = (
    _("Jan"),
    _("Feb"),
    _("Mär"),
    _("Apr"),
    _("Mai"),
    _("Jun"),
    _("Jul"),
    _("Aug"),
    _("Sep"),
    _("Okt"),
    _("Nov"),
    _("Dez"),
)


@dataclass(frozen=True, slots=True)
class Chart:
    svg: Markup
    legend: Markup
    months: list[MonthCounts]
    series: list[Series]


def month_chart(months: Sequence[MonthCounts], gettext: Callable[[str], str]) -> Chart:
    series = [Series(key, gettext(text), css) for key, text, css in CHART_SERIES]
    columns = [
        Column(gettext(MONTHS[m.month - 1]), m.buckets, f" {m.year % 100:02d}") for m in months
    ]
    title = gettext("Belege der letzten 12 Monate nach Abgleich")
    return Chart(stacked_bars(title, columns, series), legend(series), list(months), series)


@dataclass
class YearLight:
    """One tax year of one client: is every paid voucher accounted for?"""

    year: int
    closed: bool
    synced: int = 0
    linked: int = 0
    waiting: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    failed: Counter[str] = field(default_factory=Counter)
    connection_failed: bool = False
    # No sync has finished yet: nobody knows what Lexware holds, so never green.
    never_synced: bool = False

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())

    @property
    def flagged_total(self) -> int:
        return sum(self.flagged.values())

    @property
    def in_lexware(self) -> int:
        """Paid in Lexware as far as the last sync saw: synced and still paid, plus
        those it could not store."""
        gone = self.flagged.get("deleted", 0) + self.flagged.get("no_longer_paid", 0)
        return self.synced - gone + self.failed_total

    @property
    def light(self) -> Light:
        if self.connection_failed or self.failed_total or self.flagged_total:
            return "red"
        return "yellow" if self.waiting_total or self.never_synced else "green"


def year_lights(
    counts: Sequence[YearCounts],
    years: dict[int, bool],
    failed: Sequence[FailedVoucher],
    *,
    connection_failed: bool,
    never_synced: bool,
) -> list[YearLight]:
    """Newest year first: every recorded tax year and every year with vouchers."""
    lights = {y: YearLight(y, closed) for y, closed in years.items()}
    for c in counts:
        light = lights.setdefault(c.year, YearLight(c.year, years.get(c.year, False)))
        light.synced, light.linked = c.synced, c.linked
        light.waiting = dict(c.waiting)
        if c.buckets.get("none"):
            light.waiting["none"] = c.buckets["none"]
        light.flagged = dict(c.flagged)
    for f in failed:
        # A voucher never stored has no known date: it may belong to any open year.
        targets = (
            [lights[f.year]]
            if f.year in lights
            else [light for light in lights.values() if not light.closed]
        )
        for light in targets:
            light.failed[f.code] += 1
    for light in lights.values():
        light.connection_failed = connection_failed and not light.closed
        light.never_synced = never_synced
    return sorted(lights.values(), key=lambda light: -light.year)


def matching_rate(counts: Sequence[YearCounts]) -> float | None:
    """Share of vouchers with bank payments whose payments are all linked."""
    linked = sum(c.buckets["auto"] + c.buckets["confirmed"] for c in counts)
    external_done = sum(c.buckets["external"] - c.waiting.get("external", 0) for c in counts)
    waiting = sum(c.buckets["open"] + c.waiting.get("external", 0) for c in counts)
    done = linked + external_done
    return None if done + waiting == 0 else done / (done + waiting)


@dataclass(frozen=True, slots=True)
class ActionCounts:
    suggestions: int
    external: int
    open: int
    flagged: int
    failed_vouchers: int
    # confirmed links whose collection came back, not yet checked (Rücklastschrift)
    returns: int = 0

    @property
    def anything(self) -> bool:
        return any(
            (
                self.suggestions,
                self.external,
                self.open,
                self.flagged,
                self.failed_vouchers,
                self.returns,
            )
        )


def action_counts(
    counts: Sequence[YearCounts], failed: Sequence[FailedVoucher], returns: int = 0
) -> ActionCounts:
    return ActionCounts(
        suggestions=sum(c.waiting.get("suggested", 0) for c in counts),
        external=sum(c.waiting.get("external", 0) for c in counts),
        open=sum(c.waiting.get("open", 0) for c in counts),
        flagged=sum(sum(c.flagged.values()) for c in counts),
        failed_vouchers=len(failed),
        returns=returns,
    )
