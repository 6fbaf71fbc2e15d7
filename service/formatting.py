"""Formatting for the planner's pages: highlighted passages, links, contacts, Indonesian dates
and numbers, kit points, score components in words; and the Jinja environment that offers them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from recommender.explain import Passage
from recommender.filters import STATUS_FILTER_VALUES
from recommender.ranking import count_replications
from recommender.record import AWARD_TIERS, LEVELS, LONG_TEXT, SECTORS, Innovation
from recommender.results import Match
from service.labels import (
    ADOPTER_STATUS,
    COMPONENT_WORDS,
    FIELD_LABELS,
    KIT_SECTIONS,
    LEVEL_LABELS,
    MONTHS,
    SECTOR_LABELS,
    STATUS_LABELS,
    TIER_BADGES,
    TIER_LABELS,
)

TEMPLATES = Path(__file__).parent / "templates"
LIMITS = (5, 10, 20, 50)
MAX_PROBLEM = LONG_TEXT  # the domain's limit on a problem text (recommender/query.py)


def highlight(passage: Passage | None, width: int = 600) -> Markup:
    """Escape a passage and wrap its highlight spans in <mark>, clipped around the first one."""
    if passage is None:
        return Markup("")
    text = passage.text
    clamped = ((max(0, s), min(len(text), e)) for s, e in passage.highlights)
    spans = sorted((s, e) for s, e in clamped if s < e)
    start, end = 0, len(text)
    if len(text) > width:
        # Start a little before the first highlight so the reason is visible without scrolling.
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 5)
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = min(len(text), start + width)
    parts: list[str] = ["… " if start else ""]
    cursor = start
    for s, e in spans:
        if s < cursor or e > end:  # overlapping or outside the window: keep the text plain
            continue
        parts += [escape(text[cursor:s]), Markup("<mark>%s</mark>") % text[s:e]]
        cursor = e
    parts += [escape(text[cursor:end]), " …" if end < len(text) else ""]
    return Markup("").join(parts)


def field_label(name: str) -> str:
    """Passage fields may be joined ("problem+solution"); name each part in Indonesian."""
    return " + ".join(FIELD_LABELS.get(part, part) for part in name.split("+"))


def web_link(url: str | None) -> str | None:
    """Only http(s) links become hrefs: a javascript: URL in the catalogue must not run."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def shorten(text: str | None, width: int = 240) -> str:
    """At most ``width`` characters, cut at a word boundary and marked with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > width // 2 else width].rstrip(" ,;:.") + " …"


def points(text: str | None) -> list[str]:
    """A kit field's points: the catalogue separates them with "; "."""
    return [p.strip() for p in re.split(r";\s*", text or "") if p.strip()]


def kit_of(item: Innovation) -> list[tuple[str, str, list[str]]]:
    """(field, Indonesian heading, points) of each kit part the innovation records."""
    return [
        (name, label, points(getattr(item, name)))
        for name, label in KIT_SECTIONS
        if points(getattr(item, name))
    ]


_CONTACT = re.compile(
    r"(?:mailto:)?(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<url>(?:https?://|www\.)[^\s,;()<>\"']+[^\s,;()<>\"'.])"
    r"|(?:tel:)?(?P<phone>(?:\+62[\s-]?|\(0\d{1,4}\)\s?|0\d{1,4}[\s-]?)\d[\d\s-]{3,}\d)",
    re.IGNORECASE,
)


def _tel(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "+62" + digits[1:] if digits.startswith("0") else "+" + digits


def contact_html(text: str | None) -> Markup:
    """A free-text contact with its e-mail addresses, web addresses and phone numbers linked.

    Only mailto:, tel: and http(s) hrefs are made, from the matched address alone, so nothing
    else in the text can become a link; a number labelled only "faks" stays plain.
    """
    text = text or ""
    parts: list[Markup | str] = []
    cursor = 0
    for found in _CONTACT.finditer(text):
        before = text[cursor : found.start()]
        parts.append(escape(before))
        shown = found.group("email") or found.group("url") or found.group("phone")
        if found.group("email"):
            href = f"mailto:{shown}"
        elif found.group("url"):
            href = shown if shown.lower().startswith("http") else f"https://{shown}"
        elif re.search(r"faks", before, re.I) and not re.search(r"tel", before, re.I):
            href = ""
        else:
            href = f"tel:{_tel(shown)}"
        parts.append(Markup('<a href="%s">%s</a>') % (href, shown) if href else escape(shown))
        cursor = found.end()
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


def source_items(sources: list[str]) -> list[tuple[str | None, str]]:
    """(href or None, text) per source: web addresses link, citations stay text, and any
    other scheme (javascript:, data:) is left out."""
    items: list[tuple[str | None, str]] = []
    for source in sources:
        if web_link(source):
            items.append((source, source))
        elif not re.match(r"[a-z][a-z0-9+.-]*:\S", source, re.I):
            items.append((None, source))
    return items


def tanggal(iso: str | None) -> str:
    """An ISO date as Indonesians write it: "5 Maret 2024"."""
    try:
        day = dt.date.fromisoformat(iso or "")
    except ValueError:
        return iso or ""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def angka(value: float, signed: bool = False) -> str:
    """A score as Indonesians write decimals: 0,542 (and +0,060 for an adjustment)."""
    return (f"{value:+.3f}" if signed else f"{value:.3f}").replace(".", ",")


def replication_count(match: Match) -> int:
    return count_replications(match.innovation, match.adopter_list())


def score_rows(match: Match) -> list[dict[str, Any]]:
    """The score components in words: relevance, its parts, then each adjustment that applied."""
    item, parts = match.innovation, match.components
    dense = [name for name in parts if name.startswith("dense_")]
    rows = []
    for name, value in sorted(parts.items(), key=lambda kv: kv[0] != "relevance"):
        kind = "dense" if name in dense else name
        label, meaning = COMPONENT_WORDS.get(kind, (name.replace("_", " "), ""))
        if kind == "dense" and len(dense) > 1:
            label += f" ({name.removeprefix('dense_')})"
        elif kind == "award" and item.award_tier:
            label += f" {TIER_BADGES.get(item.award_tier, item.award_tier)}"
        elif kind == "replications":
            label += f" {replication_count(match)} daerah"
        # The learned fusion's parts (if one is shipped) explain relevance too.
        part = (
            "relevance"
            if kind in ("relevance", "dense", "bm25", "chars", "fused") or kind.startswith("learned_")
            else "bonus"
            if value > 0
            else "penalty"
        )
        if part == "relevance" or value:
            rows.append({"name": name, "label": label, "meaning": meaning, "value": value, "part": part})
    return rows


_SECTOR_GUESS = re.compile(r"sector guessed with confidence ([0-9.]+)")


def review_reason(reason: str) -> str:
    """An import adapter's review reason, for a planner."""
    guess = _SECTOR_GUESS.match(reason)
    if guess:
        return f"sektornya ditebak otomatis (keyakinan {float(guess.group(1)):.0%})"
    if reason == "province not found":
        return "provinsinya tidak ditemukan"
    if reason.startswith("LAN says province"):
        return "provinsi di sumber tidak cocok dengan kabupaten/kotanya"
    return reason


def page_templates() -> Jinja2Templates:
    """The pages' Jinja environment with the filters and names the templates use (built once
    per app, in ``create_app``)."""
    templates = Jinja2Templates(directory=TEMPLATES)
    # Trimmed blocks keep the served HTML readable for anyone who views the source.
    templates.env.trim_blocks = templates.env.lstrip_blocks = True
    templates.env.filters.update(
        highlight=highlight,
        field_label=field_label,
        web_link=web_link,
        shorten=shorten,
        contact_html=contact_html,
        tanggal=tanggal,
        angka=angka,
        review_reason=review_reason,
    )
    templates.env.globals.update(
        LEVELS=LEVELS,
        SECTORS=SECTORS,
        AWARD_TIERS=AWARD_TIERS,
        STATUSES=STATUS_FILTER_VALUES,
        LEVEL_LABELS=LEVEL_LABELS,
        SECTOR_LABELS=SECTOR_LABELS,
        TIER_LABELS=TIER_LABELS,
        TIER_BADGES=TIER_BADGES,
        STATUS_LABELS=STATUS_LABELS,
        LIMITS=LIMITS,
        MAX_PROBLEM=MAX_PROBLEM,
        ADOPTER_STATUS=ADOPTER_STATUS,
        kit_of=kit_of,
        score_rows=score_rows,
    )
    return templates
