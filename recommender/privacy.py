"""Scrubbing personal data (NIK, phone numbers, e-mail addresses) out of free text."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A NIK (the national identity number) is 16 digits, often grouped by spaces, dots or hyphens.
NIK = re.compile(r"(?<![\w.])\d(?:[ .-]?\d){15}(?![ .-]?\d)")
# +62 / 62 (then a mobile 8) / 0 (then an area or mobile code), a (0xx) area code in
# brackets, then digits with single separators; 9-14 digits in all (checked in _phone).
PHONE = re.compile(
    r"(?<![\w+])(?:\+62|62(?=[ .-]?8)|\(0\d{1,3}\)|0(?=[1-9]))"
    r"(?:[ .-]?\d){5,14}(?![ .-]?\d)"
)
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 9, 14


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "[telepon]" if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS else match.group()


def scrub(text: str) -> str:
    """The text with NIKs, Indonesian phone numbers and e-mail addresses replaced by
    `[NIK]`, `[telepon]` and `[email]`; everything else is kept as it is."""
    text = EMAIL.sub("[email]", text)
    text = NIK.sub("[NIK]", text)
    return PHONE.sub(_phone, text)
