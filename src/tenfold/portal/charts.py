"""Charts as server-rendered SVG: no script, no library, nothing from elsewhere. Each chart has a
title and a description that assistive technology reads (``role="img"``, ``aria-labelledby``),
and its figures as a table beside it and as CSV, so nobody depends on seeing the bars."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 56, 56, 16
SERIES_CLASSES = ("portal-chart__a", "portal-chart__b", "portal-chart__c", "portal-chart__d")


@dataclass
class Chart:
    name: str                       # the CSV file's name and the element ids
    title: str
    description: str
    columns: list[str]
    rows: list[list[object]]
    kind: str = "bars"              # bars (vertical, stacked series) | ranking (horizontal)
    series: list[str] = field(default_factory=list)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()

    def svg(self) -> Markup:
        return ranking(self) if self.kind == "ranking" else stacked_bars(self)


def _frame(chart: Chart, body: str, height: int = HEIGHT) -> Markup:
    ident = escape(chart.name)
    return Markup(
        f'<svg class="portal-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-title">{escape(chart.title)}</title>'
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>{body}</svg>')


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def stacked_bars(chart: Chart) -> Markup:
    """Rows are [label, value per series...]; the series stack."""
    values = [[float(v or 0) for v in row[1:1 + max(len(chart.series), 1)]] for row in chart.rows]
    top = _nice_max(max((sum(v) for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(values), 1)
    parts = [f'<line class="portal-chart__axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}"/>']
    for tick in range(5):
        y, label = TOP + plot_h - plot_h * tick / 4, top * tick / 4
        parts.append(f'<line class="portal-chart__grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}"/>'
                     f'<text class="portal-chart__tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label:g}</text>')
    every = max(1, -(-len(values) // 8))
    for index, (row, stack) in enumerate(zip(chart.rows, values)):
        x, base = LEFT + index * step + step * 0.15, TOP + plot_h
        for number, value in enumerate(stack):
            height = plot_h * value / top
            base -= height
            parts.append(f'<rect class="{SERIES_CLASSES[number % len(SERIES_CLASSES)]}" x="{x:.1f}" y="{base:.1f}" '
                         f'width="{step * 0.7:.1f}" height="{height:.1f}"/>')
        if index % every == 0:
            parts.append(f'<text class="portal-chart__label" x="{x + step * 0.35:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                         f'{escape(str(row[0]))}</text>')
    parts.extend(_legend(chart.series, HEIGHT - 18))
    return _frame(chart, "".join(parts))


def _legend(series: Sequence[str], y: int) -> list[str]:
    found, x = [], LEFT
    for number, name in enumerate(series):
        found.append(f'<rect class="{SERIES_CLASSES[number % len(SERIES_CLASSES)]}" x="{x}" y="{y - 10}" width="12" height="12"/>'
                     f'<text class="portal-chart__label" x="{x + 16}" y="{y}">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return found


def ranking(chart: Chart) -> Markup:
    """Rows are [label, value]: one horizontal bar each, largest first as given."""
    rows = chart.rows[:20]
    top = _nice_max(max((float(r[1] or 0) for r in rows), default=0))
    bar, label_w = 22, 220
    height = TOP + len(rows) * (bar + 8) + 8
    parts = []
    for index, row in enumerate(rows):
        y, value = TOP + index * (bar + 8), float(row[1] or 0)
        width = (WIDTH - label_w - 70) * value / top
        parts.append(f'<text class="portal-chart__label" x="{label_w - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
                     f'{escape(str(row[0])[:34])}</text><rect class="{SERIES_CLASSES[0]}" x="{label_w}" y="{y}" width="{width:.1f}" '
                     f'height="{bar}"/><text class="portal-chart__value" x="{label_w + width + 6:.1f}" y="{y + bar * 0.7:.1f}">'
                     f'{value:g}</text>')
    return _frame(chart, "".join(parts), max(height, 60))
