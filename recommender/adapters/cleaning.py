"""Text clean-up for other portals' exports: HTML to text, casing, sentence-boundary cuts, slugs."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from recommender.record import ID_PATTERN

BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "table",
        "tbody",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "hr",
    }
)
CELLS = frozenset({"td", "th"})
SKIPPED = frozenset({"style", "script", "head", "title"})
# Private-use characters (str.strip treats \x1e/\x1f as spaces): where a list item starts and
# where a list ends; removed from the input first, never in the output.
ITEM = "\ue000"
END = "\ue001"
# Plain-text bullets at the start of a line or after a tab ("-\tTop 99", "•\tWawancara").
_BULLET = re.compile(r"(?:^|\n|(?<=\s))[\-•·▪●◦*]\s*\t\s*|(?:^|\n)\s*[•·▪●◦]\s+")
_NUMBERED = re.compile(r"(?:^|\n)\s*(?:\d{1,2}|[a-z])[.)]\s+")
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# Invisible characters and controls validate_record would refuse (soft hyphen, zero widths).
_INVISIBLE = re.compile(r"[\u00ad\u200c-\u200f\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1d\x7f\ufffd]")
_MARKERS = re.compile("[\ue000\ue001]")
# Inline images are megabytes of base64; a source that cut a field short (MySQL TEXT stops at
# 65,535 bytes) leaves the last <img ...> unterminated, which a parser would keep as text.
_IMAGE = re.compile(r"<img\b[^>]*(?:>|$)", re.I)
_BASE64_RUN = re.compile(r"(?:data:[\w/+.-]+;base64,)?[A-Za-z0-9+/=]{200,}")
_ITEM_END = re.compile(r"[\s;,]+$|(?<=[^.])\.$")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?(?=\s)")
_CLAUSE_END = re.compile(r";(?=\s)")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        elif tag == "li":
            self.parts.append("\n" + ITEM)
        elif tag in BLOCKS:
            self.parts.append("\n")
        elif tag in CELLS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag in ("ul", "ol"):
            self.parts.append("\n" + END)
        elif tag in BLOCKS or tag == "li":
            self.parts.append("\n")
        elif tag in CELLS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _lines(text: str) -> list[str]:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return [line for line in (_SPACE.sub(" ", raw).strip() for raw in text.split("\n")) if line]


def html_blocks(value: str | None) -> list[tuple[str, str]]:
    """The cell's text as ordered ('p', paragraph) and ('li', list item) blocks.

    Entities are decoded, whitespace folded; images (often megabytes of base64) and style
    blocks are dropped; ``\\r\\n``, tabs and ``&nbsp;`` runs become single spaces. Plain-text
    bullets ('-\\t', '•') count as list items.
    """
    if not value:
        return []
    value = _BASE64_RUN.sub(" ", _IMAGE.sub(" ", _MARKERS.sub("", value)))
    collector = _TextCollector()
    collector.feed(value.replace("\r\n", "\n").replace("\r", "\n"))
    collector.close()
    text = html.unescape("".join(collector.parts))  # entities double-escaped in the source
    text = _BULLET.sub("\n" + ITEM, text)
    blocks: list[list[str]] = []  # [kind, text]
    in_item = False
    for line in _lines(text):
        first, *opened = line.split(ITEM)
        for n, piece in enumerate([first, *opened]):
            if n > 0:
                blocks.append(["li", ""])
                in_item = True
            if END in piece:
                before, _, piece = piece.partition(END)
                _add(blocks, before.strip(), in_item)
                in_item = False
            _add(blocks, piece.strip(), in_item)
    return [(kind, body) for kind, body in blocks if _has_word(body)]


def _add(blocks: list[list[str]], piece: str, in_item: bool) -> None:
    if not piece:
        return
    if in_item and blocks:
        blocks[-1][1] = f"{blocks[-1][1]} {piece}".strip()  # the open item continues
    else:
        blocks.append(["p", piece])


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def strip_html(value: str | None, *, item_separator: str = "; ") -> str | None:
    """One line of text, in the cell's order: paragraphs joined by spaces, consecutive list
    items by ``item_separator`` (our catalogue's form for replication-kit points)."""
    out: list[str] = []
    previous = ""
    for kind, body in html_blocks(value):
        if kind == "li":
            body = _ITEM_END.sub("", body)
            out.append((item_separator if previous == "li" else " ") + body)
        else:
            out.append(" " + body)
        previous = kind
    text = "".join(out).strip()
    return text or None


def html_items(value: str | None) -> list[str]:
    """The points of a cell: its list items, else its paragraphs (references, URLs)."""
    blocks = html_blocks(value)
    items = [_ITEM_END.sub("", body) for kind, body in blocks if kind == "li"]
    return items or [body for _, body in blocks]


# -- casing ---------------------------------------------------------------------------------
_SMALL = frozenset(
    {
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "yang",
        "atau",
        "dengan",
        "pada",
        "dalam",
        "bagi",
        "oleh",
        "the",
        "of",
        "and",
    }
)
_ACRONYMS = frozenset(
    {
        "ri",
        "ham",
        "pt",
        "pd",
        "pdam",
        "rsud",
        "upt",
        "uptd",
        "bpn",
        "bumn",
        "bumd",
        "dki",
        "diy",
        "ktp",
        "kk",
        "kb",
        "ukm",
        "umkm",
        "tbk",
        "polri",
        "bpkp",
        "bppt",
        "lipi",
        "lan",
        "pln",
        "bri",
        "bni",
        "btn",
        "kai",
        "sim",
        "ntt",
        "ntb",
        "sd",
        "smp",
        "sma",
        "smk",
        "it",
        "ti",
        "ii",
        "iii",
        "iv",
        "bpr",
        "bpjs",
        "psc",
        "ugd",
        "igd",
        "kia",
        "asi",
        "dbd",
        "tb",
        "hiv",
        "aids",
        "oss",
        "pbb",
        "ppdb",
        "cctv",
        "gis",
        "sms",
        "rt",
        "rw",
        "paud",
    }
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def is_shouting(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 4 and sum(ch.isupper() for ch in letters) / len(letters) > 0.85


def _case_word(match: re.Match[str], first: bool) -> str:
    word = match.group(0)
    lower = word.lower()
    if lower in _ACRONYMS or (len(word) >= 2 and not re.search(r"[aiueoAIUEO]", word)):
        return word.upper()
    if lower in _SMALL and not first:
        return lower
    return lower[:1].upper() + lower[1:]


def tame_case(text: str) -> str:
    """'KOTA SURAKARTA' -> 'Kota Surakarta'; acronyms ('RI', 'SPPT') and mixed case stay."""
    if not is_shouting(text):
        return text
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        out.append(text[last : match.start()])
        inside_brackets = text.rfind("(", 0, match.start()) > text.rfind(")", 0, match.start())
        word = match.group(0)
        out.append(
            word.upper()
            if inside_brackets and len(word) <= 8
            else _case_word(match, first=not out[:-1] or last == 0)
        )
        last = match.end()
    out.append(text[last:])
    return "".join(out)


# -- lengths --------------------------------------------------------------------------------
ELLIPSIS = " …"


def cut_at_sentence(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, at the last sentence end that fits.

    A sentence end (. ! ?) in the last half of the allowed length is preferred; else the last
    list point ('; ') or word boundary, followed by an ellipsis, so a long first sentence does
    not empty the field and a reader sees the text goes on.
    """
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    for ends in (_SENTENCE_END, _CLAUSE_END):
        found = [m.end() for m in ends.finditer(window) if m.end() <= limit]
        if found and found[-1] >= limit // 2:
            if ends is _SENTENCE_END:
                return text[: found[-1]]
            if found[-1] + len(ELLIPSIS) <= limit:
                return text[: found[-1] - 1].rstrip(" ;") + ELLIPSIS
    room = limit - len(ELLIPSIS)
    cut = text.rfind(" ", 0, room + 1)
    return text[: cut if cut > room // 2 else room].rstrip(" ,;:") + ELLIPSIS


# -- slugs ----------------------------------------------------------------------------------
SLUG_LIMIT = 120
_SLUG_DROP = frozenset(
    {
        "pemerintah",
        "republik",
        "indonesia",
        "persero",
        "tbk",
        "pt",
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "yang",
        "the",
        "of",
    }
)


def slug_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in re.findall(r"[a-z0-9]+", folded) if w not in _SLUG_DROP]


def _clip(words: list[str], limit: int) -> list[str]:
    """The leading words that fit in ``limit`` characters joined by hyphens (at least a part)."""
    out: list[str] = []
    for word in words:
        if len("-".join([*out, word])) > limit:
            break
        out.append(word)
    if not out and words:
        out = [words[0][:limit]]
    return out


_GENERIC = frozenset({"kota", "kabupaten", "provinsi", "kab", "prov"})


def make_slug(name: str | None, government: str | None = None, limit: int = SLUG_LIMIT) -> str:
    """A valid id from the name (up to 70 characters) and the government; deterministic.

    The government is left out when the name already names it ('... Jawa Tengah').
    """
    words = _clip(slug_words(name or ""), 70)
    place = slug_words(government or "")
    if set(place) - _GENERIC - set(words):
        words += _clip(place, max(1, limit - len("-".join(words)) - 1))
    slug = "-".join(words).strip("-")[:limit].strip("-") or "inovasi"
    assert ID_PATTERN.fullmatch(slug), slug
    return slug
