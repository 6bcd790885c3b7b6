"""Charts as inline SVG, drawn on the server: no script, no CDN, readable without colour
(every bar has a title with its numbers, and the page has the same data as a table)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    css_class: str


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    values: Mapping[str, int]
    # Shown after the label where there is room (e.g. the year); phones leave it out.
    suffix: str = ""


WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 22, 28


def nice_ceiling(value: int) -> int:
    """The smallest 1/2/5 × 10^n at or above ``value`` (at least 4, for 4 grid lines)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step * 4:
                return factor * step * 4
        step *= 10


def stacked_bars(title: str, columns: Sequence[Column], series: Sequence[Series]) -> Markup:
    """A stacked bar per column, series stacked bottom-up in the given order."""
    top = nice_ceiling(
        max((sum(c.values.get(s.key, 0) for s in series) for c in columns), default=0)
    )
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(columns))
    bar_w = slot * 0.64
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for index, column in enumerate(columns):
        x = LEFT + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h
        details = ", ".join(f"{s.label}: {column.values.get(s.key, 0)}" for s in series)
        name = f"{column.label}{column.suffix}"
        parts.append(f"<g><title>{escape(name)} – {escape(details)}</title>")
        for s in series:
            count = column.values.get(s.key, 0)
            if count <= 0:
                continue
            height = plot_h * count / top
            y -= height
            parts.append(
                f'<rect class="{s.css_class}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar_w:.1f}" height="{height:.1f}"/>'
            )
        parts.append(
            f'</g><text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="middle">{escape(column.label)}'
            f'<tspan class="suffix">{escape(column.suffix)}</tspan></text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def legend(series: Sequence[Series]) -> Markup:
    items = "".join(
        f'<li><span class="swatch {s.css_class}" aria-hidden="true"></span>{escape(s.label)}</li>'
        for s in series
    )
    return Markup(f'<ul class="legend">{items}</ul>')  # noqa: S704 - labels escaped
