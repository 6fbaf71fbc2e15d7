"""Indonesian-aware text analysis: normalisation, stopwords, stemming, abbreviation expansion."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*")

# English function words, only to tell an English query from an Indonesian one.
ENGLISH_STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our ours out over own same she should so
    some such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you
    your yours
    """.split()
)


@lru_cache(maxsize=1)
def indonesian_stopwords() -> frozenset[str]:
    """Sastrawi's Indonesian stopword list (809 words), shipped inside PySastrawi."""
    from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

    return frozenset(StopWordRemoverFactory().get_stop_words())


def looks_english(text: str) -> bool:
    """More English than Indonesian function words: the lexical legs then have little to match."""
    words = raw_tokens(text)
    english = sum(w in ENGLISH_STOPWORDS for w in words)
    return english > sum(w in indonesian_stopwords() for w in words)


LEXICON_FILE = Path(__file__).with_name("english_lexicon.json")
# Words an Analyzer keeps the term of (a catalogue's vocabulary and its queries' fit well under).
TERM_CACHE_SIZE = 500_000


@lru_cache(maxsize=1)
def english_lexicon() -> dict[str, str]:
    """English -> Indonesian public-service terms (phrases of up to three words)."""
    raw = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def _singular(word: str) -> str:
    for suffix, stem in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("ses", "s"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and not word.endswith("ss"):
            return word[: -len(suffix)] + stem
    return word


def translate_english(text: str) -> tuple[str, float]:
    """The Indonesian terms of an English text, for the lexical legs, and the share of its
    content words the lexicon translated. Lexicon phrases (longest first, plurals folded)
    become their Indonesian words; other words stay (loanwords such as "online" or "stunting"
    are shared), English function words go."""
    lexicon, words = english_lexicon(), raw_tokens(text)
    out: list[str] = []
    i = translated = content = 0
    while i < len(words):
        for n in (3, 2, 1):
            span = words[i : i + n]
            hit = (
                next(
                    (lexicon[p] for p in (" ".join(span), " ".join(map(_singular, span))) if p in lexicon),
                    None,
                )
                if len(span) == n
                else None
            )
            if hit is not None:
                out.append(hit)
                words_in = sum(w not in ENGLISH_STOPWORDS for w in span)
                translated, content, i = translated + words_in, content + words_in, i + n
                break
        else:
            if words[i] not in ENGLISH_STOPWORDS:
                out.append(words[i])
                content += 1
            i += 1
    return " ".join(out), translated / max(content, 1)


# Common abbreviations of Indonesian public administration, expanded on both the query and
# the document side so that "DBD" meets "demam berdarah" in either direction.
ABBREVIATIONS: Mapping[str, str] = {
    "adminduk": "administrasi kependudukan",
    "akb": "angka kematian bayi",
    "aki": "angka kematian ibu",
    "akn": "angka kematian neonatal",
    "anc": "antenatal pemeriksaan kehamilan",
    "angkot": "angkutan kota",
    "apbd": "anggaran pendapatan belanja daerah",
    "apbdes": "anggaran pendapatan belanja desa",
    "asi": "air susu ibu",
    "asn": "aparatur sipil negara pegawai",
    "atm": "anjungan tunai mandiri",
    "ats": "anak tidak sekolah",
    "b3": "bahan berbahaya beracun",
    "bab": "buang air besar",
    "babs": "buang air besar sembarangan",
    "bansos": "bantuan sosial",
    "bblr": "berat badan lahir rendah bayi",
    "blm": "belum",
    "blt": "bantuan langsung tunai",
    "bpbd": "badan penanggulangan bencana daerah",
    "bphtb": "bea perolehan hak tanah bangunan",
    "bpjs": "jaminan kesehatan",
    "bumdes": "badan usaha milik desa",
    "bumil": "ibu hamil",
    "capil": "pencatatan sipil",
    "damkar": "pemadam kebakaran",
    "dbd": "demam berdarah dengue",
    "dgn": "dengan",
    "difabel": "disabilitas penyandang",
    "disabilitas": "difabel penyandang",
    "dpmptsp": "penanaman modal pelayanan terpadu satu pintu",
    "dr": "dari",
    "dtks": "data terpadu kesejahteraan sosial",
    "dukcapil": "kependudukan pencatatan sipil",
    "e-ktp": "kartu tanda penduduk elektronik ktp",
    "ews": "early warning system peringatan dini",
    "hiv": "human immunodeficiency virus",
    "hp": "telepon seluler",
    "ibu-anak": "ibu anak",
    "igd": "instalasi gawat darurat",
    "ikd": "identitas kependudukan digital",
    "ikm": "industri kecil menengah",
    "imb": "izin mendirikan bangunan",
    "imd": "inisiasi menyusu dini",
    "ipal": "instalasi pengolahan air limbah",
    "jkn": "jaminan kesehatan nasional",
    "kades": "kepala desa",
    "karhutla": "kebakaran hutan lahan",
    "kb": "keluarga berencana",
    "kdrt": "kekerasan dalam rumah tangga",
    "kia": "kartu identitas anak kesehatan ibu",
    "kk": "kartu keluarga",
    "krn": "karena",
    "ktp": "kartu tanda penduduk",
    "ktp-el": "kartu tanda penduduk elektronik ktp",
    "lansia": "lanjut usia",
    "lapor": "layanan aspirasi pengaduan online rakyat",
    "medsos": "media sosial",
    "musrenbang": "musyawarah perencanaan pembangunan",
    "nakes": "tenaga kesehatan",
    "nib": "nomor induk berusaha",
    "nik": "nomor induk kependudukan",
    "odgj": "orang dengan gangguan jiwa",
    "ojk": "otoritas jasa keuangan",
    "opd": "organisasi perangkat daerah",
    "ortu": "orang tua",
    "oss": "online single submission perizinan berusaha",
    "pad": "pendapatan asli daerah",
    "paud": "pendidikan anak usia dini",
    "pbb": "pajak bumi bangunan",
    "pbb-p2": "pajak bumi bangunan perdesaan perkotaan pbb",
    "pbg": "persetujuan bangunan gedung",
    "pdam": "perusahaan daerah air minum",
    "pemda": "pemerintah daerah",
    "phbs": "perilaku hidup bersih sehat",
    "pinjol": "pinjaman online",
    "pkb": "pajak kendaraan bermotor",
    "pkh": "program keluarga harapan",
    "pkk": "pemberdayaan kesejahteraan keluarga",
    "pkl": "pedagang kaki lima",
    "pmt": "pemberian makanan tambahan",
    "pns": "pegawai negeri sipil",
    "posyandu": "pos pelayanan terpadu",
    "ppdb": "penerimaan peserta didik baru",
    "ppid": "pejabat pengelola informasi dokumentasi",
    "psc": "public safety center gawat darurat",
    "ptsp": "pelayanan terpadu satu pintu",
    "pungli": "pungutan liar",
    "puskesmas": "pusat kesehatan masyarakat",
    "pustu": "puskesmas pembantu",
    "rsud": "rumah sakit umum daerah",
    "rt": "rukun tetangga",
    "rw": "rukun warga",
    "samsat": "sistem administrasi manunggal satu atap kendaraan",
    "sanimas": "sanitasi berbasis masyarakat",
    "satpol": "satuan polisi pamong praja",
    "sd": "sekolah dasar",
    "sdh": "sudah",
    "siup": "surat izin usaha perdagangan",
    "skck": "surat keterangan catatan kepolisian",
    "skpd": "satuan kerja perangkat daerah",
    "slb": "sekolah luar biasa",
    "sma": "sekolah menengah atas",
    "smk": "sekolah menengah kejuruan",
    "smp": "sekolah menengah pertama",
    "spgdt": "sistem penanggulangan gawat darurat terpadu",
    "spj": "surat pertanggungjawaban",
    "sppt": "surat pemberitahuan pajak terutang",
    "stbm": "sanitasi total berbasis masyarakat",
    "stnk": "surat tanda nomor kendaraan",
    "tb": "tuberkulosis",
    "tbc": "tuberkulosis tb",
    "tdk": "tidak",
    "tpa": "tempat pemrosesan akhir sampah",
    "tps": "tempat penampungan sementara sampah",
    "tps3r": "tempat pengolahan sampah reduce reuse recycle",
    "tpu": "tempat pemakaman umum",
    "ukm": "usaha kecil menengah",
    "umkm": "usaha mikro kecil menengah",
    "utk": "untuk",
    "wa": "whatsapp",
    "yg": "yang",
}


def normalise(text: str) -> str:
    """Lower-case, fold compatibility characters and drop accents."""
    text = text.lower()
    if text.isascii():  # most of the catalogue: nothing to fold, and NFKD leaves ASCII as it is
        return text
    text = unicodedata.normalize("NFKD", text)
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
    if len(word) <= 3 or not word.isalpha():
        return word
    return str(_sastrawi().stem(word))  # type: ignore[attr-defined]


class Analyzer:
    """Turns text into index terms: tokens, expansions, stopword removal, optional stemming."""

    def __init__(
        self,
        *,
        stemming: bool = True,
        stopwords: Iterable[str] | None = None,
        abbreviations: Mapping[str, str] = ABBREVIATIONS,
    ) -> None:
        self.stemming = stemming
        self.stopwords = frozenset(indonesian_stopwords() if stopwords is None else stopwords)
        self.abbreviations = dict(abbreviations)
        # Surface word -> term: explanations look up every word of ten results per query.
        self._term_cache: dict[str, str] = {}

    def describe(self) -> dict[str, object]:
        """Settings recorded in a snapshot manifest."""
        return {
            "stemming": self.stemming,
            "stopwords": len(self.stopwords),
            "hyphens": "joined+split",
            "abbreviations": len(self.abbreviations),
        }

    def expand(self, tokens: list[str]) -> list[str]:
        """Add each abbreviation's expansion; a hyphenated compound also counts joined and split."""
        return [word for word, _ in self._expanded(tokens)]

    def _expanded(self, tokens: list[str]) -> list[tuple[str, bool]]:
        """(word, came from an expansion) for each token and expansion word, in order."""
        out: list[tuple[str, bool]] = []
        for token in tokens:
            parts = [token]
            if "-" in token:
                parts = [token.replace("-", ""), *token.split("-")]
            out.extend((part, False) for part in parts)
            for part in dict.fromkeys([token, *parts]):
                expansion = self.abbreviations.get(part)
                if expansion:
                    words = expansion.split()
                    # A spelling variant of a function word ("yg": "yang") stays a stopword.
                    content = not all(w in self.stopwords for w in words)
                    out.extend((word, content) for word in words)
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of a text, in order (duplicates kept for term frequency).

        Expansion words are never dropped as stopwords: "AKI" means "angka kematian ibu", and
        without "ibu" it would match infant mortality (AKB) just as well.
        """
        words = [
            w
            for w, expanded in self._expanded(raw_tokens(text))
            if (expanded or w not in self.stopwords) and len(w) > 1
        ]
        return [stem(w) for w in words] if self.stemming else words

    def term_of(self, word: str) -> str:
        """The index term a single surface word maps to ('' if it is dropped)."""
        cached = self._term_cache.get(word)
        if cached is None:
            terms = self.terms(word)
            cached = terms[0] if terms else ""
            if len(self._term_cache) < TERM_CACHE_SIZE:
                self._term_cache[word] = cached
        return cached

    def terms_of(self, words: Sequence[str]) -> list[str]:
        """``term_of`` of each word, looked up in one pass (a result's text has a few hundred
        words, most of them analysed before)."""
        cache = self._term_cache
        for word in set(words).difference(cache):
            self.term_of(word)
        terms = list(map(cache.get, words))
        if None in terms:  # the cache is full: some words were analysed but not kept
            return [self.term_of(w) for w in words]
        return terms  # type: ignore[return-value]
