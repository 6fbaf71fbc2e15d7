"""A constructed query log whose themes, regions and gaps are known, for the analytics tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recommender.catalogue import Catalogue

STUNTING = [
    "Angka stunting pada balita di desa kami masih tinggi karena gizi anak kurang",
    "Banyak balita stunting dan pendek karena ibu kurang paham gizi seimbang",
    "Prevalensi stunting anak di bawah lima tahun di kabupaten kami di atas rata-rata nasional",
    "Anak balita gizi buruk dan stunting tidak terpantau posyandu",
    "Penurunan stunting lambat, balita kekurangan gizi kronis di daerah terpencil",
    "Ibu hamil kurang gizi sehingga bayi lahir berisiko stunting",
    "Kasus stunting balita meningkat, pemberian makanan tambahan gizi tidak tepat sasaran",
    "Pemantauan tumbuh kembang balita stunting di posyandu tidak berjalan",
    "Gizi anak buruk, banyak balita stunting di keluarga miskin",
    "Stunting pada anak usia dini tinggi karena pola asuh dan gizi yang kurang",
    "Data balita stunting tidak akurat sehingga intervensi gizi terlambat",
    "Kader posyandu kesulitan mendampingi keluarga dengan balita stunting",
    "Anak-anak kami pendek dan kurus, stunting dan gizi kurang jadi masalah desa",
    "Balita dengan gizi kurang dan stunting tidak mendapat makanan bergizi",
    "Target penurunan stunting balita belum tercapai, gizi ibu dan anak lemah",
    "Tingginya stunting balita karena sanitasi buruk dan asupan gizi rendah",
    "Remaja putri anemia dan kurang gizi, nanti melahirkan anak stunting",
    "Stunting balita tersebar di banyak kecamatan, penanganan gizi tidak terpadu",
    "Orang tua tidak tahu anaknya stunting karena jarang menimbang balita di posyandu",
    "Masalah gizi buruk dan stunting anak balita di wilayah pesisir",
    "Balita stunting sulit dijangkau petugas gizi puskesmas",
    "Angka balita pendek stunting tinggi, makanan pendamping ASI kurang bergizi",
    "Kurangnya edukasi gizi membuat stunting pada balita terus terjadi",
    "Percepatan penurunan stunting balita terhambat koordinasi gizi antar dinas",
]
KTP = [
    "Antrean perekaman KTP elektronik di kantor Dukcapil sangat panjang",
    "Warga harus antre berjam-jam untuk mengurus KTP-el di Disdukcapil",
    "Blanko KTP elektronik sering habis sehingga antrean cetak KTP menumpuk",
    "Pelayanan KTP-el lambat, antrean di kantor kependudukan mengular sejak pagi",
    "Penduduk di desa jauh sulit datang ke Dukcapil untuk rekam KTP elektronik",
    "Antrean panjang cetak KTP-el membuat warga kembali berkali-kali",
    "Mengurus KTP elektronik memakan waktu lama karena antrean di Disdukcapil",
    "Perekaman data KTP-el lansia dan difabel terkendala antrean di kantor",
    "Kantor Dukcapil penuh antrean pembuatan KTP elektronik setiap hari",
    "Warga mengeluh antrean KTP-el yang panjang dan tidak tertib",
    "Pencetakan KTP elektronik tertunda, antrean warga di Dukcapil menumpuk",
    "Antre KTP-el di Disdukcapil bisa seharian, warga harus izin kerja",
]
# Out of the catalogue's scope: every one of these got "no good match".
GAP = [
    "Kawanan monyet liar merusak kebun dan ladang warga desa",
    "Babi hutan dan monyet liar masuk ke ladang jagung petani",
    "Gajah liar merusak kebun sawit dan rumah warga di pinggir hutan",
    "Monyet liar menyerang kebun buah warga setiap musim panen",
    "Konflik satwa liar dengan warga, babi hutan merusak ladang",
    "Serangan monyet liar ke permukiman dan kebun membuat warga resah",
    "Satwa liar seperti babi hutan dan gajah merusak tanaman ladang warga",
    "Kebun warga rusak oleh kawanan monyet dan babi hutan liar",
]
FLOOD = [  # only two: a theme too small to break down by province
    "Banjir rob merendam permukiman pesisir setiap bulan purnama",
    "Rumah warga pesisir terendam banjir rob saat air laut pasang",
]
PROVINCES = [
    "Aceh",
    "Sumatera Utara",
    "Jawa Barat",
    "Jawa Tengah",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Sulawesi Selatan",
    "Papua",
]
START = dt.date(2025, 3, 3)  # a Monday


@dataclass(frozen=True)
class Logged:
    request_id: str
    theme: str
    problem: str
    province: str
    level: str
    day: dt.date


def build_log(catalogue: Catalogue) -> list[Logged]:
    """Log every problem above over four weeks; stunting from all ten provinces (kabupaten and
    kota alternating), KTP-el from three, the gap from two; one stunting query a year earlier."""
    plan: list[Logged] = []
    themes = (("stunting", STUNTING, 10), ("ktp", KTP, 3), ("gap", GAP, 2), ("flood", FLOOD, 1))
    for theme, problems, provinces in themes:
        for i, problem in enumerate(problems):
            plan.append(
                Logged(
                    f"{theme}-{i}",
                    theme,
                    problem,
                    PROVINCES[i % provinces],
                    ("kabupaten", "kota")[i // provinces % 2],
                    START + dt.timedelta(days=(i * 3) % 28),
                )
            )
    plan.append(Logged("old-0", "stunting", STUNTING[0], "Aceh", "kabupaten", START - dt.timedelta(days=365)))
    for item in plan:
        catalogue.log_recommendation(_entry(item))
    return plan


RESULTS = {
    "stunting": (["stunting-iota", "dbd-zeta", "akta-lahir-gamma"], False),
    "ktp": (["ktp-keliling-kappa", "akta-lahir-gamma", "izin-theta"], False),
    "gap": (["bank-sampah-delta", "izin-theta"], True),
    "flood": (["bank-sampah-delta"], False),
}


def _entry(item: Logged) -> dict[str, object]:
    ids, weak = RESULTS[item.theme]
    return {
        "kind": "api",
        "problem": item.problem,
        "filters": {},
        "asker_level": item.level,
        "asker_province": item.province,
        "results": [{"id": i, "score": 0.5} for i in ids],
        "top_score": 0.5,
        "no_good_match": weak,
        "request_id": item.request_id,
        "created_at": f"{item.day.isoformat()}T09:00:00Z",
    }
