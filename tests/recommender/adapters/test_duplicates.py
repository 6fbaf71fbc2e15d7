from __future__ import annotations

import pytest

from recommender.adapters.base import AdaptedRow
from recommender.adapters.duplicates import DUPLICATE_THRESHOLD, find_duplicates
from recommender.adapters.measure import duplicate_check, lan_citations
from recommender.record import validate_record

STORED = [
    {
        "id": "ktp-kilat-kota-a",
        "name": "KTP Kilat",
        "government": "Kota Tegal",
        "level": "kota",
        "sector": "kependudukan",
        "solution": "KTP elektronik selesai dalam satu jam di kecamatan.",
    },
    {
        "id": "bus-sekolah-kab-b",
        "name": "Bus Sekolah Gratis",
        "government": "Kabupaten Sleman",
        "level": "kabupaten",
        "sector": "transportasi",
        "solution": "Bus gratis menjemput siswa desa terpencil ke sekolah setiap pagi.",
    },
]


def test_find_duplicates_pairs_the_same_innovation_only() -> None:
    incoming = [
        (
            1,
            {
                "name": "KTP KILAT SATU JAM",
                "government": "Kota Tegal",
                "solution": "Warga mendapat KTP elektronik dalam satu jam di kantor kecamatan.",
            },
        ),
        (
            2,
            {
                "name": "Bank Sampah Digital",
                "government": "Kota Ambon",
                "solution": "Warga menabung sampah plastik dan menukarnya dengan saldo.",
            },
        ),
    ]
    stored = [validate_record(r) for r in STORED]  # Innovations work as well as dicts
    found = find_duplicates(incoming, stored)
    assert [(row, ident) for row, ident, _ in found] == [(1, "ktp-kilat-kota-a")]
    assert found[0][2] >= DUPLICATE_THRESHOLD
    assert find_duplicates([], stored) == [] and find_duplicates(incoming, []) == []


@pytest.mark.heavy
def test_threshold_on_the_lan_records_the_catalogue_cites(lan_bytes: bytes, catalogue: list[dict]) -> None:
    assert len(lan_citations(catalogue)) == 111
    (check,) = duplicate_check(lan_bytes, catalogue, [DUPLICATE_THRESHOLD])
    assert check.positives == 111
    assert check.precision >= 0.9 and check.recall >= 0.9


@pytest.mark.heavy
def test_lan_rows_point_at_the_record_citing_them(lan_rows: list[AdaptedRow], catalogue: list[dict]) -> None:
    cited = lan_citations(catalogue)
    rows = [(r.flags["source_id"], r.raw) for r in lan_rows if r.raw is not None]
    found = {source: ident for source, ident, _ in find_duplicates(rows, catalogue)}
    right = sum(found.get(source) == cited[source]["id"] for source in cited)
    assert right >= 100
    assert len(set(found) - set(cited)) <= 10  # LAN records the catalogue does not cite
