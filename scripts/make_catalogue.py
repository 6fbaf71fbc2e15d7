"""A synthetic catalogue for benchmarks: python -m scripts.make_catalogue --size N --out FILE [--seed S].

Each synthetic innovation recombines sentences of several real innovations of the same sector
(problem, solution and outcomes separately), shuffled, with one generated numeric detail, so that
no two texts are near-duplicates; the other fields are sampled from the real records. The same
seed and source give a byte-identical file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recommender.record import FIELDS
from recommender.workspace import BUNDLED_CATALOGUE

# A sector with fewer real records than this borrows sentences from the whole catalogue
# ("lainnya" has one): recombining one record's sentences would give near-duplicates.
MIN_SECTOR = 3
KIT_SHARE = 0.1  # records with a replication kit (prerequisites, steps, obstacles, contact)
REPLICA_SHARE = 0.05  # records that replicate an earlier synthetic record of their sector
# Real statuses are all unknown so far; without this, a status filter could not be measured.
FALLBACK_STATUS = ((None, 0.6), ("berjalan", 0.3), ("berhenti", 0.1))

_BREAK = re.compile(r"(?<=[.;!?])\s+")
_ABBREVIATION = re.compile(r"(?:^|\s)[A-Za-z]{1,3}\.$")  # "dr.", "Jl.", "No." do not end a sentence
_NAME_WORD = re.compile(r"[A-Za-z]{4,}")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
UNITS = ("kecamatan", "desa", "kelurahan", "puskesmas", "sekolah", "kampung")
DETAILS = {
    "problem": (
        "Pada {year} tercatat sekitar {n} warga terdampak di {k} {unit}.",
        "Data dinas menunjukkan {p}% rumah tangga di {k} {unit} mengalami masalah ini.",
        "Dalam {m} bulan terakhir {n} keluhan serupa masuk lewat kanal pengaduan.",
        "Sekitar {p}% layanan di wilayah ini masih dikerjakan manual hingga {d} hari.",
    ),
    "solution": (
        "Uji coba dimulai di {k} {unit} dengan {s} petugas terlatih.",
        "Layanan ini berjalan dengan anggaran sekitar Rp{n} juta per tahun.",
        "Sebanyak {k} {unit} bergabung pada tahun pertama, {p}% di antaranya daerah terpencil.",
        "Petugas menjangkau {n} warga dalam {m} bulan melalui {k} titik layanan.",
    ),
    "outcomes": (
        "Dalam {m} bulan cakupan layanan naik dari {p}% menjadi {q}%.",
        "Waktu layanan turun dari {d} hari menjadi {e} hari di {k} {unit}.",
        "Sebanyak {n} warga terlayani sepanjang {year}.",
    ),
}
PREREQUISITES = (
    "Peraturan kepala daerah sebagai dasar hukum",
    "Tim lintas perangkat daerah",
    "Anggaran awal sekitar Rp{n} juta",
    "{k} petugas yang dilatih",
    "Jaringan internet di lokasi layanan",
    "Data sasaran yang mutakhir",
)
STEPS = (
    "Memetakan masalah dan sasaran bersama {agency}",
    "Menyusun SOP dan dasar hukum",
    "Melatih petugas pelaksana",
    "Uji coba di {k} lokasi",
    "Evaluasi bulanan dan perbaikan",
    "Memperluas layanan ke seluruh wilayah",
)
OBSTACLES = (
    "Pergantian pejabat membuat dukungan anggaran tidak menentu.",
    "Sinyal internet lemah di wilayah terpencil.",
    "Warga belum terbiasa dengan prosedur baru sehingga sosialisasi perlu diulang.",
    "Data antarinstansi belum terhubung.",
)


@dataclass
class Sector:
    """The material of one sector: sentence units per field, name words and real records."""

    records: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, list[list[str]]] = field(default_factory=lambda: defaultdict(list))
    words: list[str] = field(default_factory=list)


def split_sentences(text: str | None) -> list[str]:
    """Sentences and ';' clauses, each capitalised and ending with a full stop."""
    pieces: list[str] = []
    for piece in _BREAK.split(text or ""):
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] += " " + piece
        elif piece.strip():
            pieces.append(piece)
    out = []
    for piece in pieces:
        piece = piece.strip().rstrip(";.").strip()
        if len(piece.split()) >= 3:
            out.append(piece[0].upper() + piece[1:] + ".")
    return out


def load_sectors(rows: list[dict[str, Any]]) -> dict[str, Sector]:
    """Sectors in first-seen order; small sectors get every record's sentences and name words."""
    sectors: dict[str, Sector] = {}
    for row in rows:
        sectors.setdefault(row["sector"], Sector()).records.append(row)
    everything = [row for sector in sectors.values() for row in sector.records]
    for sector in sectors.values():
        donors = sector.records if len(sector.records) >= MIN_SECTOR else everything
        for part in DETAILS:
            sector.units[part] = [split_sentences(row.get(part)) for row in donors]
        sector.words = sorted(
            {w for row in donors for w in _NAME_WORD.findall(row["name"]) if not w.isupper()}
        )
    return sectors


def _number(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high):,}".replace(",", ".")


def detail(rng: random.Random, part: str) -> str:
    """One generated sentence with numbers, so recombined texts differ."""
    low = rng.randint(5, 60)
    return rng.choice(DETAILS[part]).format(
        year=rng.randint(2010, 2024),
        n=_number(rng, 50, 25_000),
        k=rng.randint(2, 40),
        unit=rng.choice(UNITS),
        p=low,
        q=min(99, low + rng.randint(10, 39)),
        m=rng.randint(3, 24),
        d=rng.randint(7, 30),
        e=rng.randint(1, 6),
        s=rng.randint(5, 400),
    )


def recombine(rng: random.Random, sector: Sector, part: str, count: int) -> list[str]:
    """`count` sentences of `part` from two or three donor records of the sector, shuffled."""
    donors = rng.sample(sector.units[part], min(3, len(sector.units[part])))
    pool = [s for units in donors for s in units]
    if not pool:
        return []
    picked = rng.sample(pool, min(count, len(pool)))
    picked.append(detail(rng, part))
    rng.shuffle(picked)
    return picked


def make_name(rng: random.Random, words: list[str]) -> str:
    chosen = rng.sample(words, min(rng.randint(2, 4), len(words)))
    phrase = " ".join(w[:1].upper() + w[1:] for w in chosen)
    if rng.random() < 0.4:
        return phrase
    acronym = "".join(w[: rng.randint(2, 3)] for w in chosen).upper()
    return f"{acronym} ({phrase})"


def _kit(rng: random.Random, agency: str) -> dict[str, str]:
    fill = {"n": _number(rng, 20, 900), "k": rng.randint(2, 30), "agency": agency}
    steps = sorted(rng.sample(range(len(STEPS)), 4))
    return {
        "prerequisites": "; ".join(p.format(**fill) for p in rng.sample(PREREQUISITES, 3)) + ".",
        "steps": " ".join(f"{i}. {STEPS[s].format(**fill)}." for i, s in enumerate(steps, 1)),
        "obstacles": " ".join(rng.sample(OBSTACLES, rng.randint(1, 2))),
        "contact": f"Bagian inovasi, {agency}",
    }


def _statuses(rows: list[dict[str, Any]]) -> tuple[list[str | None], list[float]]:
    counts = Counter(row.get("status") for row in rows)
    pairs = (
        sorted(counts.items(), key=lambda kv: str(kv[0])) if set(counts) != {None} else list(FALLBACK_STATUS)
    )
    return [p[0] for p in pairs], [float(p[1]) for p in pairs]


def make_record(
    rng: random.Random,
    ident: str,
    sector_name: str,
    sector: Sector,
    rows: list[dict[str, Any]],
    outcome_share: float,
) -> dict[str, Any]:
    place = rng.choice(sector.records)  # who runs it: level, agency, government, province together
    year = rng.choice(rows).get("year")
    awards = [_YEAR.sub(str(year), a) if year else a for a in rng.choice(rows).get("awards", [])]
    statuses, weights = _statuses(rows)
    record: dict[str, Any] = dict.fromkeys(FIELDS)
    record.update(
        id=ident,
        name=make_name(rng, sector.words),
        level=place["level"],
        sector=sector_name,
        agency=place.get("agency"),
        government=place.get("government"),
        province=place.get("province"),
        year=year,
        awards=awards,
        problem=" ".join(recombine(rng, sector, "problem", rng.choice((1, 2, 2, 3)))),
        solution=" ".join(recombine(rng, sector, "solution", rng.choice((1, 2, 2, 3)))),
        outcomes=" ".join(recombine(rng, sector, "outcomes", rng.choice((1, 2))))
        if rng.random() < outcome_share
        else None,
        status=rng.choices(statuses, weights)[0],
        replicated_by=[],
        sources=[],
    )
    if rng.random() < KIT_SHARE:
        record.update(_kit(rng, place.get("agency") or place["name"]))
        record["last_verified"] = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return record


def _link_replica(rng: random.Random, record: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    """Make `record` a replication of an earlier record of its sector (both sides of the link)."""
    original = rng.choice(earlier)
    record["replication_of"] = original["id"]
    record["name"] = f"{original['name']} {record['government'] or ''}".strip()[:300]
    adopter = record["government"] or record["agency"]
    if adopter and adopter not in original["replicated_by"] and len(original["replicated_by"]) < 50:
        original["replicated_by"].append(adopter)


def make_catalogue(size: int, seed: int = 0, source: Path = BUNDLED_CATALOGUE) -> list[dict[str, Any]]:
    """`size` synthetic innovation rows (dicts in the JSONL record shape, all FIELDS present)."""
    rows = [
        json.loads(line) for line in Path(source).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    sectors = load_sectors(rows)
    names = list(sectors)
    weights = [len(sectors[name].records) for name in names]
    outcome_share = sum(1 for row in rows if row.get("outcomes")) / len(rows)
    rng = random.Random(seed)
    width = max(6, len(str(size)))
    by_sector: dict[str, list[dict[str, Any]]] = defaultdict(list)
    out = []
    for number in range(1, size + 1):
        name = rng.choices(names, weights)[0]
        record = make_record(rng, f"syn-{name}-{number:0{width}d}", name, sectors[name], rows, outcome_share)
        if by_sector[name] and rng.random() < REPLICA_SHARE:
            _link_replica(rng, record, by_sector[name])
        by_sector[name].append(record)
        out.append(record)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.make_catalogue", description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="number of innovations")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write ('-': stdout)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--source", type=Path, default=BUNDLED_CATALOGUE, help="real records to recombine (JSONL)"
    )
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error("--size must be at least 1")
    lines = "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in make_catalogue(args.size, args.seed, args.source)
    )
    if str(args.out) == "-":
        sys.stdout.write(lines)
    else:
        args.out.write_text(lines, encoding="utf-8")
        print(f"wrote {args.size} innovations to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
