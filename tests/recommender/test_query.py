"""clean_problem: a planner's problem text, checked and stripped of invisible characters."""

from __future__ import annotations

import pytest

from recommender.errors import InvalidRecord
from recommender.query import clean_problem
from recommender.record import LONG_TEXT


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "\n\t",
        "\u200b",
        "\u200b\u200c\u200d",
        "\ufeff",
        "\u2060",
        " \u200b \ufeff ",
        "!!!",
        "...?",
        "- - -",
        "()[]{}",
        "\x00",
        "\x01\x02\x1f",
        "\x7f",
        "\u200b!\u200c?",
        "🚑",
        "\u00ad",
    ],
)
def test_a_problem_without_a_letter_or_digit_is_refused(bad: str) -> None:
    with pytest.raises(InvalidRecord) as raised:
        clean_problem(bad)
    assert raised.value.field == "problem"


@pytest.mark.parametrize("bad", [None, 42, ["ambulans"], b"ambulans", {"problem": "x"}])
def test_a_problem_that_is_not_a_string_is_refused(bad: object) -> None:
    with pytest.raises(InvalidRecord) as raised:
        clean_problem(bad)
    assert raised.value.field == "problem" and "string" in raised.value.reason


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("ambulans", "ambulans"),
        ("  ambulans lambat \n", "ambulans lambat"),
        ("ambu\u200blans", "ambulans"),
        ("\ufeffambulans\u2060", "ambulans"),
        ("a\u200cb\u200dc", "abc"),
        ("119", "119"),
        ("x", "x"),
        ("Ambulans? Lambat!", "Ambulans? Lambat!"),
        ("gizi\tburuk\r\ndi desa", "gizi\tburuk\r\ndi desa"),
        ("ambulans\x00lambat", "ambulans lambat"),
        ("Jalan rusak 🚧", "Jalan rusak 🚧"),
        ("é", "é"),
        ("٣", "٣"),
    ],
)
def test_a_problem_is_stripped_of_invisible_characters(text: str, clean: str) -> None:
    assert clean_problem(text) == clean


def test_the_length_limit_counts_visible_characters() -> None:
    assert clean_problem("a" * LONG_TEXT) == "a" * LONG_TEXT
    assert clean_problem("a" * LONG_TEXT + "\u200b" * 10) == "a" * LONG_TEXT
    with pytest.raises(InvalidRecord) as raised:
        clean_problem("a" * (LONG_TEXT + 1))
    assert raised.value.field == "problem" and str(LONG_TEXT) in raised.value.reason
