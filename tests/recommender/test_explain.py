import re

import pytest

from index.analysis import Analyzer
from recommender.explain import Explainer

TEXTS = [
    "Bayi baru lahir langsung mendapat Akta Kelahiran, KTP-el dan KIA -- tanpa antre!",
    "Kelahiran dicatat; kelahiran dilaporkan. (kelahiran)",
    "Pelayanan \u00e9lectronique di Kantor Dinas: 24/7, e-KTP & akta.",
    "",
    "---",
]


def oracle(analyzer: Analyzer, text: str, terms: set[str]) -> list[tuple[int, int, str]]:
    """Every word (span, lower-cased word) whose index term is a query term, one match at a time."""
    return [
        (m.start(), m.end(), m.group().lower())
        for m in re.finditer(r"\w+(?:-\w+)*", text)
        if analyzer.term_of(m.group()) in terms
    ]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("query", ["akta kelahiran bayi", "KTP-el kantor", "xqzv"])
def test_highlights_and_words_are_those_of_a_word_by_word_scan(text: str, query: str) -> None:
    analyzer = Analyzer()
    explainer = Explainer(analyzer)
    terms = set(analyzer.terms(query))
    expected = oracle(analyzer, text, terms)
    for _ in range(2):  # the second time from the cache
        assert explainer.highlights(text, terms) == tuple((a, b) for a, b, _ in expected)
        assert explainer.matched_words([text], terms) == list(dict.fromkeys(w for _, _, w in expected))


def test_a_highlight_covers_the_word_as_written() -> None:
    analyzer = Analyzer()
    terms = set(analyzer.terms("kelahiran ktp-el"))
    text = TEXTS[0]
    spans = Explainer(analyzer).highlights(text, terms)
    assert [text[a:b] for a, b in spans] == ["lahir", "Kelahiran", "KTP-el"]


def test_matched_words_are_distinct_in_order_and_limited() -> None:
    analyzer = Analyzer()
    terms = set(analyzer.terms("kelahiran dicatat bayi"))
    explainer = Explainer(analyzer)
    assert explainer.matched_words([TEXTS[1], TEXTS[0]], terms) == ["kelahiran", "dicatat", "bayi", "lahir"]
    assert explainer.matched_words([TEXTS[1], TEXTS[0]], terms, limit=2) == ["kelahiran", "dicatat"]
