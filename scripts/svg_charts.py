"""Inline SVG bar and line charts for printable reports: no script, no fonts or files from elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Distinguishable in print and for the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
FONT = 'font-family="sans-serif" font-size="11"'


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def bar_chart(bars: Sequence[tuple[str, float]], title: str, *, width: int = 640,
              label_width: int = 240, bar_height: int = 18) -> str:
    """Horizontal bars, longest first as given, each labelled with its name and value."""
    if not bars:
        return ""
    top = max(value for _, value in bars) or 1
    span = width - label_width - 50
    height = len(bars) * (bar_height + 6) + 6
    rows = []
    for i, (label, value) in enumerate(bars):
        y = 6 + i * (bar_height + 6)
        length = max(1.0, span * value / top)
        shown = label if len(label) <= 38 else label[:37] + "…"
        rows.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">'
            f"{escape(shown)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {_number(value)}</title></rect>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 5}">'
            f"{_number(value)}</text>")
    return (f'<svg class="chart bar" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>'
            f"<title>{escape(title)}</title>{''.join(rows)}</svg>")


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str,
               *, width: int = 640, plot_height: int = 160) -> str:
    """One line per series over the shared x labels (about eight of them written), a legend
    below; every series is as long as ``labels``."""
    if not labels or not series:
        return ""
    left, top, plot_w = 36, 12, width - 48
    base = top + plot_height
    peak = max((max(values, default=0) for _, values in series), default=0) or 1
    step = plot_w / max(1, len(labels) - 1)

    def point(i: int, value: float) -> str:
        return f"{left + i * step:.1f},{base - plot_height * value / peak:.1f}"

    parts = [f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_number(peak)}</text>',
             f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>']
    every = -(-len(labels) // 8)
    parts += [f'<text x="{left + i * step:.1f}" y="{base + 14}" text-anchor="middle">'
              f"{escape(label)}</text>" for i, label in enumerate(labels) if i % every == 0]
    for n, (name, values) in enumerate(series):
        colour, y = PALETTE[n % len(PALETTE)], base + 34 + 16 * n
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                     f'{" ".join(point(i, v) for i, v in enumerate(values))}">'
                     f"<title>{escape(name)}</title></polyline>"
                     f'<rect x="{left}" y="{y - 9}" width="12" height="10" fill="{colour}"/>'
                     f'<text x="{left + 18}" y="{y}">{escape(name)}</text>')
    height = base + 30 + 16 * len(series)
    return (f'<svg class="chart line" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" {FONT}>'
            f"<title>{escape(title)}</title>{''.join(parts)}</svg>")
