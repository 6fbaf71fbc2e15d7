"""The national team's tables (Indonesian headers) from the analytics bodies, and their CSV.

Pure functions of `recommender.analytics` output and registry records, shared by the /nasional
page's downloads and any printed report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from recommender.csvtext import export_cell
from recommender.replication import Replication

Table = tuple[list[str], list[list[Any]]]
THEME_HEADERS = [
    "id",
    "tema",
    "kata khas",
    "jumlah pertanyaan",
    "jumlah daerah",
    "jumlah provinsi",
    "porsi tanpa kecocokan",
    "inovasi teratas",
    "daerah",
    "tren mingguan",
    "contoh masalah",
]


def _joined(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values)


def region_text(region: Mapping[str, Any]) -> str:
    """ "Jawa Barat (kabupaten): 3"; a missing province or level is left out."""
    place = region.get("province") or "provinsi tidak diisi"
    level = f" ({region['level']})" if region.get("level") else ""
    return f"{place}{level}: {region['queries']}"


def themes_table(themes: Sequence[Mapping[str, Any]]) -> Table:
    rows = [
        [
            t["id"],
            t["label"],
            _joined(t["terms"]),
            t["queries"],
            t["region_count"],
            t["province_count"],
            t["no_good_match_share"],
            _joined(f"{i['name'] or i['id']} ({i['count']})" for i in t["top_innovations"]),
            "(disembunyikan: kurang dari 3 pertanyaan)"
            if t["regions_suppressed"]
            else _joined(
                [
                    *(region_text(r) for r in t["regions"]),
                    *(
                        [f"lainnya (< 3 per daerah): {t['regions_withheld']}"]
                        if t["regions_withheld"]
                        else []
                    ),
                ]
            ),
            _joined(f"{w['week']}: {w['queries']}" for w in t["trend"]),
            _joined(t["examples"]),
        ]
        for t in themes
    ]
    return THEME_HEADERS, rows


def innovations_table(items: Sequence[Mapping[str, Any]]) -> Table:
    headers = [
        "id",
        "inovasi",
        "pemerintah",
        "jumlah daerah",
        "jumlah pertanyaan",
        "minat",
        "penghargaan",
        "tingkat penghargaan",
        "status",
        "bukti",
        "daerah yang meniru",
    ]
    rows = [
        [
            i["id"],
            i["name"],
            i["government"],
            i["regions"],
            i["queries"],
            i["interest"],
            _joined(i["awards"]),
            i["award_tier"],
            i["status"],
            _joined(i["evidence"]),
            _joined(i["adopters"]),
        ]
        for i in items
    ]
    return headers, rows


def duplicates_table(clusters: Sequence[Mapping[str, Any]]) -> Table:
    headers = ["id", "perwakilan", "nama perwakilan", "kemiripan", "jumlah anggota", "anggota"]
    rows = [
        [
            c["id"],
            c["representative"],
            c["names"].get(c["representative"]),
            c["similarity"],
            len(c["members"]),
            _joined(f"{m} ({c['names'].get(m, m)})" for m in c["members"]),
        ]
        for c in clusters
    ]
    return headers, rows


def replications_table(items: Sequence[Replication], names: Mapping[str, str]) -> Table:
    headers = [
        "id",
        "id inovasi",
        "inovasi",
        "pemerintah",
        "instansi",
        "tingkat",
        "provinsi",
        "tahun",
        "status",
        "bukti",
        "catatan",
    ]
    rows = [
        [
            r.id,
            r.innovation_id,
            names.get(r.innovation_id),
            r.government,
            r.agency,
            r.level,
            r.province,
            r.year,
            r.status,
            r.evidence,
            r.note,
        ]
        for r in items
    ]
    return headers, rows


def to_csv(table: Table) -> str:
    """Comma-separated, one header row; text cells neutralised so no spreadsheet runs them."""
    headers, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([export_cell(v) for v in row])
    return buffer.getvalue()
