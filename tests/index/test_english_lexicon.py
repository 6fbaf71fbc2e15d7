import json

import pytest

from index.analysis import LEXICON_FILE, english_lexicon, translate_english


def test_the_lexicon_is_json_of_lower_case_public_service_terms() -> None:
    lexicon = english_lexicon()
    assert len(lexicon) >= 150
    assert all(k == k.lower() and v for k, v in lexicon.items())
    assert "_about" in json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    assert "_about" not in lexicon


def test_phrases_are_translated_before_their_words() -> None:
    text, share = translate_english("the health centre")
    assert text == "puskesmas" and share == 1.0


def test_plurals_fold_and_function_words_go() -> None:
    text, _ = translate_english("Floods in the villages")
    assert text.split() == ["banjir", "desa"]


def test_unknown_words_stay_and_lower_the_share() -> None:
    text, share = translate_english("stunting among toddlers in villages")
    assert text.split() == ["stunting", "tengkes", "among", "toddlers", "desa"]
    assert share == pytest.approx(2 / 4)


def test_nothing_translated_gives_share_zero() -> None:
    assert translate_english("the of and")[1] == 0.0
