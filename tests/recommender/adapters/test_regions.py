from __future__ import annotations

import json

import pytest

from recommender.adapters.regions import (
    PROVINCES,
    REGIONS,
    province_in_text,
    province_named,
    region_named,
    regions_in_text,
)


@pytest.mark.parametrize(
    ("name", "government", "province", "kind"),
    [
        ("KOTA SURAKARTA", "Kota Surakarta", "Jawa Tengah", "kota"),
        ("KABUPATEN BANTAENG ", "Kabupaten Bantaeng", "Sulawesi Selatan", "kabupaten"),
        ("Pemda Jember", "Kabupaten Jember", "Jawa Timur", "kabupaten"),
        (" Prov. Sumatera Selatan", "Pemerintah Provinsi Sumatera Selatan", "Sumatera Selatan", "provinsi"),
        (
            "Provinsi Daerah Istimewa Yogyakarta",
            "Pemerintah Provinsi DI Yogyakarta",
            "DI Yogyakarta",
            "provinsi",
        ),
        ("Kab. Kulon Progo", "Kabupaten Kulon Progo", "DI Yogyakarta", "kabupaten"),
    ],
)
def test_region_named(name: str, government: str, province: str, kind: str) -> None:
    region = region_named(name)
    assert region is not None
    assert (region.government, region.province, region.kind) == (government, province, kind)


def test_ambiguous_bare_name_is_not_guessed() -> None:
    # Malang is both a city and a regency; Banjar a city in Jawa Barat and a regency elsewhere.
    assert region_named("Malang") is None
    assert region_named("Banjar") is None


def test_fuzzy_match_only_inside_a_kabupaten_or_kota_phrase() -> None:
    found = regions_in_text("Bagian Umum Kabupaten Minahassa Utara", fuzzy=True)
    assert [r.government for r in found] == ["Kabupaten Minahasa Utara"]
    assert regions_in_text("Bagian Umum Kabupaten Minahassa Utara") == []


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("Jl. Melati No. 7, Solo 57100", "Jawa Tengah"),
        ("Gedung Serbaguna, Jogjakarta", "DI Yogyakarta"),
        ("Jl. Contoh Raya 1, Jakarta Pusat 10000", "DKI Jakarta"),
        ("Bank Jatim", "Jawa Timur"),
        ("Kantor di Kota Pontianak, Kalimantan Barat", "Kalimantan Barat"),
        ("Papua Barat Daya", "Papua Barat Daya"),
        ("Kepulauan Riau", "Kepulauan Riau"),
    ],
)
def test_province_in_text(text: str, province: str) -> None:
    assert province_in_text(text) == province


def test_province_in_text_refuses_everyday_words_and_disagreement() -> None:
    assert province_in_text("batu bara dan metro") is None
    assert province_in_text("Kota Surabaya dan Kota Medan") is None
    assert province_in_text(None) is None


def test_province_named() -> None:
    assert province_named("JAWA TENGAH") == "Jawa Tengah"
    assert province_named("DI YOGYAKARTA") == "DI Yogyakarta"
    assert province_named("Atlantis") is None


def test_table_provinces_are_ours() -> None:
    assert {p for _, p in REGIONS.values()} <= set(PROVINCES)
    assert len(PROVINCES) == 38


def test_table_holds_every_regency_of_the_lan_export(lan_bytes: bytes) -> None:
    records = [json.loads(line) for line in lan_bytes.splitlines() if line.strip()]
    for record in records:
        if record.get("kabkota"):
            region = region_named(record["kabkota"])
            assert region is not None, record["kabkota"]
            if record.get("provinsi"):
                assert region.province == province_named(record["provinsi"]), record["kabkota"]


def test_table_agrees_with_the_bundled_catalogue(catalogue: list[dict]) -> None:
    for record in catalogue:
        if record["level"] in ("kota", "kabupaten"):
            region = region_named(record["government"])
            assert region is not None, record["government"]
            assert region.province == record["province"], record["government"]
