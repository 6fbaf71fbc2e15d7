"""Indonesian provinces and a regency/city -> province table, and finding them in free text."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from index.analysis import normalise

# The 38 provinces, spelled as our catalogue spells them.
PROVINCES = (
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Kepulauan Riau",
    "Jambi",
    "Bengkulu",
    "Sumatera Selatan",
    "Kepulauan Bangka Belitung",
    "Lampung",
    "Banten",
    "DKI Jakarta",
    "Jawa Barat",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Gorontalo",
    "Sulawesi Tengah",
    "Sulawesi Barat",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
    "Papua Barat Daya",
    "Papua Tengah",
    "Papua Pegunungan",
    "Papua Selatan",
)
PROVINCE_ALIASES = {
    "daerah istimewa yogyakarta": "DI Yogyakarta",
    "d.i. yogyakarta": "DI Yogyakarta",
    "diy": "DI Yogyakarta",
    "jogja": "DI Yogyakarta",
    "jogjakarta": "DI Yogyakarta",
    "yogyakarta": "DI Yogyakarta",
    "dki": "DKI Jakarta",
    "jakarta": "DKI Jakarta",
    "daerah khusus ibukota jakarta": "DKI Jakarta",
    "metro jaya": "DKI Jakarta",
    "jabodetabek": "DKI Jakarta",
    "jatim": "Jawa Timur",
    "jateng": "Jawa Tengah",
    "jabar": "Jawa Barat",
    "sumut": "Sumatera Utara",
    "sumbar": "Sumatera Barat",
    "sumsel": "Sumatera Selatan",
    "sulsel": "Sulawesi Selatan",
    "sulut": "Sulawesi Utara",
    "sultra": "Sulawesi Tenggara",
    "sulteng": "Sulawesi Tengah",
    "kalbar": "Kalimantan Barat",
    "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur",
    "ntb": "Nusa Tenggara Barat",
    "ntt": "Nusa Tenggara Timur",
    "bangka belitung": "Kepulauan Bangka Belitung",
    "babel": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau",
    "sumatra utara": "Sumatera Utara",
    "sumatra barat": "Sumatera Barat",
    "sumatra selatan": "Sumatera Selatan",
    "nanggroe aceh darussalam": "Aceh",
}

# Regencies (kabupaten) and cities (kota) by province: every one in the LAN export and in our
# catalogue, all of Java, Bali and DIY, every city in the country, and common others.
_KOTA = {
    "Aceh": "Banda Aceh, Sabang, Langsa, Lhokseumawe, Subulussalam",
    "Sumatera Utara": "Medan, Binjai, Tebing Tinggi, Pematangsiantar, Tanjungbalai, Sibolga, "
    "Padangsidimpuan, Gunungsitoli",
    "Sumatera Barat": "Padang, Bukittinggi, Padang Panjang, Payakumbuh, Pariaman, Sawahlunto, Solok",
    "Riau": "Pekanbaru, Dumai",
    "Kepulauan Riau": "Batam, Tanjungpinang",
    "Jambi": "Jambi, Sungai Penuh",
    "Bengkulu": "Bengkulu",
    "Sumatera Selatan": "Palembang, Prabumulih, Lubuklinggau, Pagar Alam",
    "Kepulauan Bangka Belitung": "Pangkalpinang",
    "Lampung": "Bandar Lampung, Metro",
    "Banten": "Serang, Cilegon, Tangerang, Tangerang Selatan",
    "DKI Jakarta": "Jakarta Pusat, Jakarta Utara, Jakarta Barat, Jakarta Selatan, Jakarta Timur",
    "Jawa Barat": "Bandung, Bekasi, Bogor, Cimahi, Cirebon, Depok, Sukabumi, Tasikmalaya, Banjar",
    "Jawa Tengah": "Semarang, Surakarta, Salatiga, Magelang, Pekalongan, Tegal",
    "DI Yogyakarta": "Yogyakarta",
    "Jawa Timur": "Surabaya, Malang, Batu, Kediri, Blitar, Madiun, Mojokerto, Pasuruan, Probolinggo",
    "Bali": "Denpasar",
    "Nusa Tenggara Barat": "Mataram, Bima",
    "Nusa Tenggara Timur": "Kupang",
    "Kalimantan Barat": "Pontianak, Singkawang",
    "Kalimantan Tengah": "Palangka Raya",
    "Kalimantan Selatan": "Banjarmasin, Banjarbaru",
    "Kalimantan Timur": "Samarinda, Balikpapan, Bontang",
    "Kalimantan Utara": "Tarakan",
    "Sulawesi Utara": "Manado, Bitung, Tomohon, Kotamobagu",
    "Gorontalo": "Gorontalo",
    "Sulawesi Tengah": "Palu",
    "Sulawesi Selatan": "Makassar, Parepare, Palopo",
    "Sulawesi Tenggara": "Kendari, Baubau",
    "Maluku": "Ambon, Tual",
    "Maluku Utara": "Ternate, Tidore Kepulauan",
    "Papua": "Jayapura",
    "Papua Barat Daya": "Sorong",
}
_KABUPATEN = {
    "Aceh": "Aceh Besar, Aceh Singkil, Aceh Tengah, Aceh Utara, Pidie",
    "Sumatera Utara": "Batu Bara, Deli Serdang, Labuhanbatu, Tapanuli Utara, Karo, Simalungun",
    "Sumatera Barat": "Agam, Dharmasraya, Padang Pariaman, Pesisir Selatan, Tanah Datar, Lima Puluh Kota",
    "Riau": "Bengkalis, Siak, Kampar, Indragiri Hilir",
    "Kepulauan Riau": "Bintan, Karimun",
    "Jambi": "Batanghari, Muaro Jambi, Merangin",
    "Bengkulu": "Seluma, Rejang Lebong",
    "Sumatera Selatan": "Muara Enim, Musi Banyuasin, Musi Rawas, Ogan Komering Ilir, Lahat",
    "Kepulauan Bangka Belitung": "Bangka, Bangka Tengah, Bangka Barat, Belitung, Belitung Timur",
    "Lampung": "Lampung Selatan, Lampung Tengah, Pringsewu, Tulang Bawang Barat",
    "Banten": "Lebak, Pandeglang, Serang, Tangerang",
    "DKI Jakarta": "Kepulauan Seribu",
    "Jawa Barat": "Bandung, Bandung Barat, Bekasi, Bogor, Ciamis, Cianjur, Cirebon, Garut, "
    "Indramayu, Karawang, Kuningan, Majalengka, Pangandaran, Purwakarta, Subang, "
    "Sukabumi, Sumedang, Tasikmalaya",
    "Jawa Tengah": "Banjarnegara, Banyumas, Batang, Blora, Boyolali, Brebes, Cilacap, Demak, "
    "Grobogan, Jepara, Karanganyar, Kebumen, Kendal, Klaten, Kudus, Magelang, Pati, "
    "Pekalongan, Pemalang, Purbalingga, Purworejo, Rembang, Semarang, Sragen, "
    "Sukoharjo, Tegal, Temanggung, Wonogiri, Wonosobo",
    "DI Yogyakarta": "Bantul, Gunungkidul, Kulon Progo, Sleman",
    "Jawa Timur": "Bangkalan, Banyuwangi, Blitar, Bojonegoro, Bondowoso, Gresik, Jember, Jombang, "
    "Kediri, Lamongan, Lumajang, Madiun, Magetan, Malang, Mojokerto, Nganjuk, Ngawi, "
    "Pacitan, Pamekasan, Pasuruan, Ponorogo, Probolinggo, Sampang, Sidoarjo, "
    "Situbondo, Sumenep, Trenggalek, Tuban, Tulungagung",
    "Bali": "Badung, Bangli, Buleleng, Gianyar, Jembrana, Karangasem, Klungkung, Tabanan",
    "Nusa Tenggara Barat": "Bima, Dompu, Lombok Barat, Lombok Tengah, Lombok Timur, Sumbawa",
    "Nusa Tenggara Timur": "Sikka, Timor Tengah Selatan, Kupang, Manggarai, Ende",
    "Kalimantan Barat": "Kubu Raya, Sambas, Ketapang",
    "Kalimantan Tengah": "Kotawaringin Barat",
    "Kalimantan Selatan": "Balangan, Banjar, Hulu Sungai Selatan, Tabalong, Tanah Laut",
    "Kalimantan Timur": "Berau, Kutai Kartanegara, Penajam Paser Utara, Paser",
    "Kalimantan Utara": "Bulungan, Nunukan, Malinau",
    "Sulawesi Utara": "Kepulauan Sangihe, Minahasa, Minahasa Utara, Minahasa Selatan",
    "Gorontalo": "Gorontalo, Boalemo, Pohuwato",
    "Sulawesi Tengah": "Banggai, Parigi Moutong, Poso",
    "Sulawesi Barat": "Mamuju, Polewali Mandar, Majene",
    "Sulawesi Selatan": "Bantaeng, Bone, Bulukumba, Gowa, Jeneponto, Luwu Utara, Maros, "
    "Pangkajene dan Kepulauan, Sinjai, Takalar, Wajo",
    "Sulawesi Tenggara": "Buton, Buton Utara, Konawe, Konawe Selatan, Kolaka, Wakatobi",
    "Maluku": "Maluku Tengah, Seram Bagian Barat",
    "Maluku Utara": "Halmahera Utara",
    "Papua": "Biak Numfor, Jayapura, Sarmi",
    "Papua Barat": "Manokwari, Teluk Bintuni, Fakfak",
    "Papua Barat Daya": "Sorong, Raja Ampat",
    "Papua Selatan": "Merauke",
}
# Bare names (no 'Kota'/'Kabupaten') are trusted in free text only when they are not also
# everyday words or other places' names ('batu', 'metro', 'banjar', 'kudus', 'serang'...).
_COMMON_WORDS = frozenset(
    {
        "batu",
        "metro",
        "banjar",
        "medan",
        "kudus",
        "pati",
        "bone",
        "agam",
        "solok",
        "tuban",
        "serang",
        "batang",
        "tegal",
        "kuningan",
        "karo",
        "buton",
        "paser",
        "bima",
        "poso",
        "ende",
        "siak",
        "palu",
        "lahat",
        "kampar",
        "malang",
        "padang",
        "bangka",
        "belitung",
        "jambi",
        "bengkulu",
        "gorontalo",
        "batu bara",
        "tanah laut",
        "tanah datar",
    }
)
CITY_ALIASES = {"solo": "Kota Surakarta", "jogja": "Kota Yogyakarta"}


def _table() -> dict[str, tuple[str, str]]:
    """'kota surabaya' -> ('Kota Surabaya', 'Jawa Timur')."""
    table: dict[str, tuple[str, str]] = {}
    for kind, groups in (("Kota", _KOTA), ("Kabupaten", _KABUPATEN)):
        for province, names in groups.items():
            for name in (n.strip() for n in names.split(",")):
                full = f"{kind} {name}"
                table[normalise(full)] = (full, province)
    return table


REGIONS = _table()
_PROVINCE_KEYS = {normalise(p): p for p in PROVINCES} | PROVINCE_ALIASES


def _bare_names() -> dict[str, set[str]]:
    bare: dict[str, set[str]] = {}
    for key, (full, _province) in REGIONS.items():
        bare.setdefault(key.split(" ", 1)[1], set()).add(full)
    return bare


_BARE = _bare_names()
_PREFIX = re.compile(
    r"\b(kota|kabupaten|kab|kabupatan|pemkab|pemkot|pemda|provinsi|prov|propinsi)"
    r"\b\.?\s*",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Region:
    government: str  # 'Kota Surakarta', 'Kabupaten Jember', 'Pemerintah Provinsi Jawa Timur'
    province: str
    kind: str  # 'kota', 'kabupaten' or 'provinsi'
    how: str  # 'table', 'fuzzy', 'alias', 'bare'


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", normalise(text)))


def province_named(text: str | None) -> str | None:
    """'JAWA TENGAH', 'Prov. Jawa Tengah', 'DIY' -> the catalogue's spelling of the province."""
    if not text:
        return None
    key = _key(_PREFIX.sub(" ", text))
    return _PROVINCE_KEYS.get(key)


def region_named(text: str | None) -> Region | None:
    """The government a name denotes: 'KOTA SURAKARTA', 'Pemda Jember', 'Prov. Riau'."""
    if not text:
        return None
    key = _key(text.replace("Kab.", "Kabupaten ").replace("kab.", "kabupaten "))
    key = re.sub(r"^(pemerintah|pemda|pemkab|pemkot)\s+", "", key)
    key = re.sub(r"^(propinsi|prov)\b", "provinsi", key)
    if key.startswith("provinsi "):
        province = province_named(key)
        return Region(f"Pemerintah Provinsi {province}", province, "provinsi", "table") if province else None
    if key in REGIONS:
        full, province = REGIONS[key]
        return Region(full, province, full.split()[0].lower(), "table")
    if key.startswith(("kota ", "kabupaten ")):
        close = difflib.get_close_matches(key, list(REGIONS), n=1, cutoff=0.9)
        if close:
            full, province = REGIONS[close[0]]
            return Region(full, province, full.split()[0].lower(), "fuzzy")
        return None
    candidates = _BARE.get(key, set())
    if len(candidates) == 1:  # 'Pemda Jember': Jember is only a regency
        full, province = REGIONS[normalise(next(iter(candidates)))]
        return Region(full, province, full.split()[0].lower(), "bare")
    return None


# Zero-width, so 'Kota A dan Kota B' yields a mention at each prefix, not one swallowing both.
_MENTION = re.compile(
    r"(?=\b((?:kota|kabupaten|kab\.?|pemkab|pemkot|provinsi|prov\.?)\s+"
    r"(?:[a-z]+\s?){1,4}))",
    re.I,
)


def province_in_text(text: str | None) -> str | None:
    """The province a free text (an address, a unit name) points to, if exactly one is named.

    Looks for 'Kota X' / 'Kab. X' / 'Prov. X' phrases first, then province names and aliases,
    then distinctive bare city and regency names; None when nothing or several disagree.
    """
    if not text:
        return None
    for found in (_prefixed(text), _named_provinces(text), _bare_mentions(text)):
        if len(found) == 1:
            return next(iter(found))
        if found:
            return None
    return None


def regions_in_text(text: str | None, *, fuzzy: bool = False) -> list[Region]:
    """Every 'Kota X' / 'Kab. X' / 'Prov. X' phrase of a text that names a known region."""
    found: list[Region] = []
    for match in _MENTION.finditer(text or ""):
        words = match.group(1).split()
        for end in range(len(words), 1, -1):  # longest name first: 'Kota Tangerang Selatan'
            region = region_named(" ".join(words[:end]))
            if region is not None and (fuzzy or region.how != "fuzzy"):
                found.append(region)
                break
    return found


def _prefixed(text: str) -> set[str]:
    return {region.province for region in regions_in_text(text)}


def _named_provinces(text: str) -> set[str]:
    key = f" {_key(text)} "
    found: set[str] = set()
    # Longest names first, each blanked once found: 'Papua Barat Daya' is not also 'Papua'.
    for name in sorted(_PROVINCE_KEYS, key=len, reverse=True):
        if len(name) > 3 and f" {name} " in key:
            found.add(_PROVINCE_KEYS[name])
            key = key.replace(f" {name} ", " | ")
    return found


def _bare_mentions(text: str) -> set[str]:
    key = f" {_key(text)} "
    found: set[str] = set()
    for alias, government in CITY_ALIASES.items():
        if f" {alias} " in key:
            found.add(REGIONS[normalise(government)][1])
    for name, fulls in _BARE.items():
        if len(name) >= 6 and name not in _COMMON_WORDS and f" {name} " in key:
            found.update(REGIONS[normalise(full)][1] for full in fulls)
    return found
