"""Server-side SVG charts (bar, line) as strings: no script, no network, printable anywhere.

Pure functions of their data, so the /nasional page and a standalone HTML report share them.
Colours are SVG presentation attributes, not style attributes: a `default-src 'self'` CSP
blocks inline CSS but not these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

INK, MUTED, GRID, BAR, LINE = "#1d2430", "#5b6473", "#d8dde5", "#0b5cab", "#0b5cab"
# Further lines of a chart with several: told apart in print and with the common colour-vision
# deficiencies (Okabe-Ito), after the first line's colour.
PALETTE = (LINE, "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
WIDTH = 640
FONT = 'font-family="system-ui, sans-serif"'


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _number(value: float) -> str:
    """A value as Indonesians write it: 1.234 and 0,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def _clip(label: str, width: int) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def nice_ceiling(value: float) -> float:
    """The axis maximum: the value rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _frame(title: str, description: str, height: int, body: list[str], chart_id: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT}>'
        f'<title id="{chart_id}-t">{_e(title)}</title>'
        f'<desc id="{chart_id}-d">{_e(description)}</desc>'
        f'<text x="0" y="16" font-size="15" font-weight="600" fill="{INK}">{_e(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    unit: str = "",
    chart_id: str = "bar",
    label_width: int = 30,
) -> str:
    """Horizontal bars, one row per (label, value), largest scale at the widest bar."""
    row, top, left = 26, 32, 8 * min(label_width, max((len(b[0]) for b in bars), default=4))
    top_value = nice_ceiling(max((v for _, v in bars), default=0))
    span = WIDTH - left - 90  # room for the value after the longest bar
    body = []
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        length = span * value / top_value
        shown = f"{_number(value)}{' ' + unit if unit else ''}"
        body.append(
            f'<g class="bar"><title>{_e(label)}: {_e(shown)}</title>'
            f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="{INK}">{_e(_clip(label, label_width))}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{BAR}"/><text x="{left + length + 5:.1f}" y="{y + 15}" '
            f'font-size="12" fill="{INK}">{_e(shown)}</text></g>'
        )
    if not bars:
        body.append(f'<text x="0" y="{top + 15}" font-size="12" fill="{MUTED}">Belum ada data.</text>')
    height = top + max(len(bars), 1) * row + 6
    description = "; ".join(f"{label}: {_number(value)}" for label, value in bars) or "kosong"
    return _frame(title, description, height, body, chart_id)


def line_chart(
    title: str,
    points: Sequence[tuple[str, float]],
    *,
    y_label: str = "",
    chart_id: str = "line",
    height: int = 200,
) -> str:
    """A line over evenly spaced x labels (e.g. weeks), y from zero, with a marker per point."""
    return lines_chart(
        title,
        [label for label, _ in points],
        [("", [v for _, v in points])],
        y_label=y_label,
        chart_id=chart_id,
        height=height,
    )


def lines_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    y_label: str = "",
    chart_id: str = "lines",
    height: int = 200,
) -> str:
    """One line per (name, values) over shared x labels, each as long as ``labels``; a legend
    under the chart names them when there are several."""
    left, right, top, bottom = 44, 16, 40, 36
    named = [name for name, _ in series if name]
    legend = 18 * len(named) if len(series) > 1 else 0
    peak = max((max(values, default=0) for _, values in series), default=0)
    top_value = nice_ceiling(peak)
    inner_w, inner_h = WIDTH - left - right, height - top - bottom
    step = inner_w / max(len(labels) - 1, 1)
    body = [_y_axis(left, top, inner_w, inner_h, top_value, y_label)]
    every = max(1, math.ceil(len(labels) / 8))  # at most about eight x labels fit
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{top + inner_h + 18}" '
                f'font-size="11" text-anchor="middle" fill="{MUTED}">{_e(label)}</text>'
            )
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        coords = [(left + i * step, top + inner_h * (1 - v / top_value)) for i, v in enumerate(values)]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        prefix = f"{name}, " if name else ""
        body += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{_e(prefix)}'
            f"{_e(labels[i])}: {_e(_number(values[i]))}</title></circle>"
            for i, (x, y) in enumerate(coords)
        ]
        if legend:
            y = height + 14 + 18 * n
            body.append(
                f'<rect x="{left}" y="{y - 10}" width="12" height="10" fill="{colour}"/>'
                f'<text x="{left + 18}" y="{y}" font-size="12" fill="{INK}">{_e(name)}'
                "</text>"
            )
    description = (
        "; ".join(
            f"{name + ': ' if name else ''}"
            + ", ".join(f"{label} {_number(v)}" for label, v in zip(labels, values, strict=False))
            for name, values in series
        )
        or "kosong"
    )
    return _frame(title, description, height + legend, body, chart_id)


def _y_axis(left: int, top: int, width: float, height: float, top_value: float, label: str) -> str:
    parts = []
    for fraction in (0, 0.5, 1):
        y = top + height * (1 - fraction)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + width:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="{MUTED}">{_e(_number(top_value * fraction))}'
            "</text>"
        )
    if label:
        parts.append(f'<text x="{left}" y="{top - 8}" font-size="11" fill="{MUTED}">{_e(label)}</text>')
    return "".join(parts)
