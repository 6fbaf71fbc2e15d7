"""The national team's printable demand report: one self-contained HTML file (`replikasi report`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from recommender import analytics
from recommender.analytics import Period, QueryVectors
from recommender.engine import Recommender
from service.charts import bar_chart, lines_chart

TOP_CHART = 10
TREND_THEMES = 5
CSS = """
body { font-family: sans-serif; color: #1d2430; max-width: 60rem; margin: 1.5rem auto;
  padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-top: 1px solid
  #d8dde5; padding-top: .75rem; break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #d8dde5; padding: .3rem .4rem; text-align: left;
  vertical-align: top; } th { background: #f2f4f7; } td.n { text-align: right; }
.muted { color: #5b6473; } .chart { max-width: 100%; height: auto; display: block; }
ul.examples { margin: .2rem 0 .6rem; } section.gap { break-inside: avoid; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; max-width: none; } tr, .chart { break-inside: avoid; } }
"""


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(str(v))}</td>' if i in numeric else f"<td>{v}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _share(value: float) -> str:
    return f"{round(value * 100)}%"


def _regions(theme: dict[str, Any]) -> str:
    if theme["regions_suppressed"]:
        return '<span class="muted">tidak dirinci (kurang dari 3 permintaan)</span>'
    cells = [f"{r['province'] or '?'} ({r['level'] or '?'}) {r['queries']}" for r in theme["regions"]]
    if theme["regions_withheld"]:
        cells.append(f"daerah lain, masing-masing < 3: {theme['regions_withheld']}")
    return escape(", ".join(cells))


def themes_section(themes: list[dict[str, Any]]) -> str:
    if not themes:
        return (
            '<section id="tema"><h2>Masalah yang berulang</h2><p>Belum ada permintaan '
            "dalam periode ini.</p></section>"
        )
    bars = bar_chart(
        "Permintaan per tema", [(t["label"], t["queries"]) for t in themes[:TOP_CHART]], chart_id="tema"
    )
    weeks = [w["week"][5:] for w in themes[0]["trend"]]
    trend = lines_chart(
        "Permintaan per minggu",
        weeks,
        [(t["label"], [w["queries"] for w in t["trend"]]) for t in themes[:TREND_THEMES]],
        chart_id="tren",
    )
    rows = [
        (
            escape(t["label"]),
            t["queries"],
            t["region_count"],
            t["province_count"],
            _share(t["no_good_match_share"]),
            escape("; ".join(i["name"] or i["id"] for i in t["top_innovations"][:3])),
        )
        for t in themes
    ]
    return (
        '<section id="tema"><h2>Masalah yang berulang</h2>'
        "<p>Permintaan para perencana dikelompokkan menurut makna.</p>"
        + bars
        + '<h3 id="tren">Tren mingguan</h3>'
        + trend
        + _table(
            ("Tema", "Permintaan", "Daerah", "Provinsi", "Tanpa kecocokan", "Inovasi teratas"),
            rows,
            {1, 2, 3, 4},
        )
        + "</section>"
    )


def innovations_section(items: list[dict[str, Any]]) -> str:
    head = '<section id="inovasi"><h2>Inovasi paling dicari</h2>'
    if not items:
        return head + "<p>Belum ada inovasi yang muncul di tiga teratas.</p></section>"
    bars = bar_chart(
        "Daerah yang mendapatkannya di tiga teratas",
        [(i["name"], i["regions"]) for i in items[:TOP_CHART]],
        chart_id="dicari",
    )
    rows = [
        (
            escape(i["name"]),
            escape(i["government"] or ""),
            i["regions"],
            i["queries"],
            i["interest"],
            escape(i["award_tier"] or "-"),
            len(i["evidence"]),
            escape(i["status"] or "-"),
            escape(", ".join(i["adopters"]) or "-"),
        )
        for i in items
    ]
    return (
        head + "<p>Diurutkan menurut jumlah daerah penanya yang mendapatkannya di tiga "
        "teratas: kandidat replikasi nasional.</p>"
        + bars
        + _table(
            (
                "Inovasi",
                "Pemerintah",
                "Daerah",
                "Permintaan",
                "Minat",
                "Penghargaan",
                "Sumber bukti",
                "Status",
                "Sudah direplikasi",
            ),
            rows,
            {2, 3, 4, 6},
        )
        + "</section>"
    )


def gaps_section(gaps: list[dict[str, Any]]) -> str:
    head = '<section id="celah"><h2>Celah inovasi</h2>'
    if not gaps:
        return head + "<p>Tidak ada tema yang sebagian besar tanpa kecocokan.</p></section>"
    parts = [
        f'<section class="gap"><h3>{escape(g["label"])}</h3>'
        f"<p>{g['queries']} permintaan, {_share(g['no_good_match_share'])} tanpa "
        f'kecocokan. Daerah: {_regions(g)}</p><ul class="examples">'
        + "".join(f"<li>{escape(e)}</li>" for e in g["examples"])
        + "</ul></section>"
        for g in gaps
    ]
    return (
        head + "<p>Masalah yang sebagian besar tidak menemukan inovasi yang cocok: arah "
        "bagi panggilan inovasi nasional.</p>" + "".join(parts) + "</section>"
    )


def duplicates_section(clusters: list[dict[str, Any]]) -> str:
    head = '<section id="duplikat"><h2>Ide yang sama di beberapa instansi</h2>'
    if not clusters:
        return head + "<p>Tidak ada kelompok inovasi yang hampir sama.</p></section>"
    rows = [
        (
            escape("; ".join(c["names"][m] for m in c["members"])),
            len(c["members"]),
            f"{c['similarity']:.2f}".replace(".", ","),
            escape(c["names"][c["representative"]]),
        )
        for c in clusters
    ]
    return head + _table(("Anggota", "Jumlah", "Kemiripan", "Usulan wakil"), rows, {1, 2}) + "</section>"


def build(recommender: Recommender, period: Period, *, today: dt.date | None = None) -> str:
    """The whole report for the period (and its province and level) as one HTML page."""
    vectors = QueryVectors(recommender.encoders[0])
    themes = analytics.themes(recommender, period, vectors)
    gaps = analytics.gaps_among(themes)
    items = analytics.innovations(recommender, period)
    clusters = analytics.duplicates(recommender, period)
    scope = ", ".join(x for x in (period.province, period.level) if x) or "seluruh daerah"
    queries = len(analytics.log_rows(recommender, period))
    made = (today or dt.datetime.now(dt.UTC).date()).isoformat()
    summary = (
        f"<p>{queries} permintaan, {len(themes)} tema, {len(gaps)} celah, "
        f"{len(clusters)} kelompok ide yang sama.</p>"
    )
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        f"<title>Laporan permintaan inovasi {period.start} – {period.end}</title>"
        f"<style>{CSS}</style></head><body><header><h1>Laporan permintaan inovasi</h1>"
        f'<p class="muted">Periode {period.start} sampai {period.end} · {escape(scope)} · '
        f"dibuat {made}. Berisi teks permintaan: hanya untuk tim replikasi nasional.</p>"
        f"{summary}</header><main>{themes_section(themes)}{innovations_section(items)}"
        f"{gaps_section(gaps)}{duplicates_section(clusters)}</main></body></html>\n"
    )
