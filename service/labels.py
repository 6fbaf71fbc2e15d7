"""The planner's page in Indonesian: the names of provinces, months, levels, sectors, awards,
statuses, form fields and score components."""

from __future__ import annotations

from recommender.adapters.regions import PROVINCES as REGION_PROVINCES

# The 38 provinces as the catalogue spells them, in alphabetical order for the forms.
PROVINCES = tuple(sorted(REGION_PROVINCES, key=str.casefold))
LEVEL_LABELS = {
    "kementerian/lembaga": "Kementerian/Lembaga",
    "provinsi": "Provinsi",
    "kabupaten": "Kabupaten",
    "kota": "Kota",
    "bumn": "BUMN",
    "bumd": "BUMD",
}
SECTOR_LABELS = {
    "kesehatan": "Kesehatan",
    "kesehatan-ibu-anak": "Kesehatan ibu dan anak",
    "gizi-anak": "Gizi anak",
    "kependudukan": "Kependudukan",
    "perizinan": "Perizinan",
    "kebencanaan": "Kebencanaan",
    "lingkungan": "Lingkungan",
    "air-sanitasi": "Air dan sanitasi",
    "pendidikan": "Pendidikan",
    "ekonomi-umkm": "Ekonomi dan UMKM",
    "pertanian-pangan": "Pertanian dan pangan",
    "sosial-perlindungan": "Sosial dan perlindungan",
    "keamanan-ketertiban": "Keamanan dan ketertiban",
    "transportasi": "Transportasi",
    "keuangan-pajak": "Keuangan dan pajak",
    "pengaduan-partisipasi": "Pengaduan dan partisipasi",
    "tata-kelola-digital": "Tata kelola digital",
    "pariwisata": "Pariwisata",
    "lainnya": "Lainnya",
}
TIER_LABELS = {
    "penghargaan-lain": "Berpenghargaan apa pun",
    "top-99": "Top 99 atau lebih tinggi",
    "top-40": "Top 40/45 atau lebih tinggi",
    "unpsa": "UNPSA (PBB)",
}
TIER_BADGES = {"penghargaan-lain": "Penghargaan", "top-99": "Top 99", "top-40": "Top 40/45", "unpsa": "UNPSA"}
STATUS_LABELS = {
    "berjalan": "Masih berjalan",
    "berhenti": "Sudah berhenti",
    "tidak-diketahui": "Status tidak diketahui",
}
FIELD_LABELS = {
    "problem": "Masalah",
    "solution": "Solusi",
    "outcomes": "Hasil terukur",
    "name": "Nama inovasi",
    "filters.sector": "Sektor",
    "filters.level": "Tingkat pemerintahan",
    "filters.province": "Provinsi",
    "filters.award_tier": "Penghargaan minimal",
    "filters.year_from": "Tahun dari",
    "filters.year_to": "Tahun sampai",
    "filters.status": "Status",
    "asker.level": "Tingkat pemerintahan Anda",
    "asker.province": "Provinsi Anda",
    "asker_level": "Tingkat pemerintahan Anda",
    "asker_province": "Provinsi Anda",
    "limit": "Jumlah hasil",
}
KIT_SECTIONS = (
    ("prerequisites", "Yang harus tersedia"),
    ("steps", "Langkah-langkah"),
    ("obstacles", "Kendala yang dihadapi"),
)
# Score components in a planner's words: (label, what it means).
COMPONENT_WORDS = {
    "relevance": (
        "Kecocokan dengan masalah Anda",
        "gabungan tiga ukuran di bawah ini; inilah dasar peringkat",
    ),
    "dense": ("Kemiripan makna", "maksud teks inovasi dekat dengan masalah Anda, walau kata-katanya berbeda"),
    "bm25": ("Kata kunci yang sama", "kata khas dari masalah Anda muncul di teks inovasi"),
    "chars": ("Ejaan dan potongan kata yang mirip", "menangkap singkatan, imbuhan dan salah ketik"),
    "award": ("Penghargaan", "sudah dinilai panel; makin tinggi penghargaannya makin besar"),
    "evidence": ("Bukti hasil terukur", "hasilnya dilaporkan dengan angka"),
    "replications": ("Sudah direplikasi", "daerah lain sudah berhasil menirunya"),
    "status": ("Sudah berhenti", "diturunkan; pelajari penyebabnya sebelum meniru"),
    "recency": ("Inovasi lima tahun terakhir", "masih baru, konteksnya mirip keadaan sekarang"),
    "same_level": ("Sama tingkat pemerintahan", "setingkat dengan pemerintahan Anda"),
    "same_province": ("Sama provinsi", "berasal dari provinsi Anda"),
    "adopter_level": ("Ditiru pemerintahan setingkat", "pemerintahan setingkat dengan Anda sudah menirunya"),
}
# A replication's status as the card lists it beside the adopter (None: not in the registry).
ADOPTER_STATUS = {"direncanakan": "direncanakan", "berjalan": "berjalan", "berhenti": "sudah berhenti"}
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
