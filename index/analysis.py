"""Indonesian-aware text analysis: normalisation, stopwords, stemming, abbreviation expansion."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

_TOKEN = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*")

# Function words of Indonesian and English that carry no topic. Kept short on purpose:
# domain words ("layanan", "masyarakat") are frequent but still discriminate a little,
# and BM25's idf already discounts them.
STOPWORDS: frozenset[str] = frozenset(
    """
    ada adalah agar akan akibat aku anda antara apa apabila atas atau bagai bagaimana bagi bahwa
    baik banyak baru belum berapa bersama beberapa biasa bila bisa boleh bukan cukup dalam dan
    dapat dari daripada demi dengan di dia dimana dua guna hal hampir hanya harus hingga ia ialah
    ini itu jadi jika juga kali kalau kami kamu kan karena ke kepada ketika kita lagi lain lalu
    lebih maka mana masih mau melalui membuat menjadi mereka meski milik mungkin namun nya oleh
    pada para per perlu pula pun saat saja salah sama sampai sangat satu saya se sebagai sebelum
    sebuah secara sedang sehingga sejak sekali selain selalu semua sendiri seperti serta sering
    setelah setiap siapa sudah supaya tak tanpa tapi tdk telah tentang tetap tetapi tiap tidak
    tiga untuk walau ya yaitu yakni yang
    a an and are as at be by for from has have in is it its of on or that the their this to was
    were which with we our us how can
    """.split()
)

# Common abbreviations of Indonesian public administration, expanded on both the query and
# the document side so that "DBD" meets "demam berdarah" in either direction.
ABBREVIATIONS: Mapping[str, str] = {
    "aki": "angka kematian ibu",
    "akb": "angka kematian bayi",
    "dbd": "demam berdarah dengue",
    "kdrt": "kekerasan dalam rumah tangga",
    "pbb": "pajak bumi bangunan",
    "ktp": "kartu tanda penduduk",
    "ktp-el": "kartu tanda penduduk elektronik",
    "e-ktp": "kartu tanda penduduk elektronik",
    "kk": "kartu keluarga",
    "kia": "kartu identitas anak kesehatan ibu anak",
    "bblr": "berat bayi lahir rendah",
    "pad": "pendapatan asli daerah",
    "umkm": "usaha mikro kecil menengah",
    "ukm": "usaha kecil menengah",
    "odgj": "orang dengan gangguan jiwa",
    "atm": "anjungan tunai mandiri",
    "tbc": "tuberkulosis",
    "tb": "tuberkulosis",
    "hiv": "human immunodeficiency virus",
    "asi": "air susu ibu",
    "imd": "inisiasi menyusu dini",
    "pmt": "pemberian makanan tambahan",
    "bumil": "ibu hamil",
    "posyandu": "pos pelayanan terpadu",
    "puskesmas": "pusat kesehatan masyarakat",
    "rsud": "rumah sakit umum daerah",
    "igd": "instalasi gawat darurat",
    "adminduk": "administrasi kependudukan",
    "dukcapil": "kependudukan pencatatan sipil",
    "capil": "pencatatan sipil",
    "apbd": "anggaran pendapatan belanja daerah",
    "apbdes": "anggaran pendapatan belanja desa",
    "bpjs": "jaminan sosial kesehatan",
    "jkn": "jaminan kesehatan nasional",
    "pkh": "program keluarga harapan",
    "bansos": "bantuan sosial",
    "dtks": "data terpadu kesejahteraan sosial",
    "ptsp": "pelayanan terpadu satu pintu",
    "imb": "izin mendirikan bangunan",
    "pbg": "persetujuan bangunan gedung",
    "siup": "surat izin usaha perdagangan",
    "nib": "nomor induk berusaha",
    "tpa": "tempat pemrosesan akhir sampah",
    "tps": "tempat penampungan sementara sampah",
    "b3": "bahan berbahaya beracun",
    "pdam": "perusahaan daerah air minum",
    "sanimas": "sanitasi berbasis masyarakat",
    "bab": "buang air besar",
    "babs": "buang air besar sembarangan",
    "stbm": "sanitasi total berbasis masyarakat",
    "paud": "pendidikan anak usia dini",
    "ats": "anak tidak sekolah",
    "ppdb": "penerimaan peserta didik baru",
    "bpbd": "badan penanggulangan bencana daerah",
    "karhutla": "kebakaran hutan lahan",
    "pkk": "pemberdayaan kesejahteraan keluarga",
    "asn": "aparatur sipil negara",
    "pns": "pegawai negeri sipil",
    "spj": "surat pertanggungjawaban",
    "ppid": "pejabat pengelola informasi dokumentasi",
    "lapor": "layanan aspirasi pengaduan online rakyat",
    "bumdes": "badan usaha milik desa",
    "ojk": "otoritas jasa keuangan",
    "samsat": "sistem administrasi manunggal satu atap kendaraan",
    "pkb": "pajak kendaraan bermotor",
    "bphtb": "bea perolehan hak tanah bangunan",
    "nik": "nomor induk kependudukan",
    "ibu-anak": "ibu anak",
}


def normalise(text: str) -> str:
    """Lower-case, fold compatibility characters and drop accents."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def raw_tokens(text: str) -> list[str]:
    """Lower-cased word tokens, hyphenated compounds kept whole (``ktp-el``)."""
    return _TOKEN.findall(normalise(text))


@lru_cache(maxsize=1)
def _sastrawi() -> object:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Sastrawi stem of one Indonesian word (cached: the stemmer is slow per call)."""
    if len(word) <= 3 or word.isdigit():
        return word
    return str(_sastrawi().stem(word))  # type: ignore[attr-defined]


class Analyzer:
    """Turns text into index terms: tokens, expansions, stopword removal, optional stemming."""

    def __init__(
        self,
        *,
        stemming: bool = True,
        stopwords: Iterable[str] = STOPWORDS,
        abbreviations: Mapping[str, str] = ABBREVIATIONS,
    ) -> None:
        self.stemming = stemming
        self.stopwords = frozenset(stopwords)
        self.abbreviations = dict(abbreviations)

    def describe(self) -> dict[str, object]:
        """Settings recorded in a snapshot manifest."""
        return {
            "stemming": self.stemming,
            "stopwords": len(self.stopwords),
            "abbreviations": len(self.abbreviations),
        }

    def expand(self, tokens: list[str]) -> list[str]:
        """Append the expansion of every known abbreviation; split hyphenated compounds."""
        out: list[str] = []
        for token in tokens:
            out.append(token)
            if "-" in token:
                out.extend(token.split("-"))
            expansion = self.abbreviations.get(token)
            if expansion:
                out.extend(expansion.split())
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of a text, in order (duplicates kept for term frequency)."""
        words = [t for t in self.expand(raw_tokens(text)) if t not in self.stopwords]
        if self.stemming:
            words = [stem(w) for w in words]
        return [w for w in words if len(w) > 1 and w not in self.stopwords]

    def term_of(self, word: str) -> str:
        """The index term a single surface word maps to ('' if it is dropped)."""
        terms = self.terms(word)
        return terms[0] if terms else ""
