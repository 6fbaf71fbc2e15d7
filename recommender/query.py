"""A planner's problem text: type, length, and at least one letter or digit."""

from __future__ import annotations

import re

from recommender.errors import InvalidRecord
from recommender.record import LONG_TEXT

# Characters that render as nothing: zero-width spaces and joiners, word joiner, invisible
# operators, bidirectional marks and isolates, soft hyphen, byte-order mark.
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Control characters other than tab and line breaks carry no meaning in a query: a space each.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_problem(text: object) -> str:
    """The problem as searched: invisible characters removed, controls spaced, stripped.

    Raises InvalidRecord("problem", ...) when it is not a string, holds no letter or digit
    (empty, or only invisible characters, punctuation, symbols or controls), or is longer than
    the limit once cleaned.
    """
    if not isinstance(text, str):
        raise InvalidRecord("problem", f"must be a string, got {type(text).__name__}")
    cleaned = CONTROL.sub(" ", INVISIBLE.sub("", text)).strip()
    if not cleaned:
        raise InvalidRecord("problem", "is empty; describe the problem in words")
    if not any(char.isalnum() for char in cleaned):
        raise InvalidRecord("problem", "must contain at least one letter or digit")
    if len(cleaned) > LONG_TEXT:
        raise InvalidRecord("problem", f"is {len(cleaned)} characters long, the limit is {LONG_TEXT}")
    return cleaned
