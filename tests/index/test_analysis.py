import pytest

from index import analysis
from index.analysis import Analyzer, raw_tokens


def test_tokens_keep_hyphenated_compounds() -> None:
    assert raw_tokens("KTP-el dan Akta!") == ["ktp-el", "dan", "akta"]


def test_hyphenated_compounds_count_joined_and_split() -> None:
    terms = Analyzer(stemming=False).terms("KTP-el")
    assert {"ktpel", "ktp", "el", "kartu", "penduduk"} <= set(terms)


def test_english_queries_are_told_apart() -> None:
    from index.analysis import looks_english

    assert looks_english("How can we reduce the waiting time for ID cards?")
    assert not looks_english("Bagaimana cara mengurangi antrean KTP di kantor kami?")


def test_abbreviations_expand_to_the_words_they_stand_for() -> None:
    analyzer = Analyzer(stemming=False)
    assert {"demam", "berdarah", "dengue"} <= set(analyzer.terms("DBD"))


def test_stopwords_are_dropped_and_words_stemmed() -> None:
    analyzer = Analyzer()
    terms = analyzer.terms("pelayanan yang dilayani di kantor")
    assert "yang" not in terms and "di" not in terms
    assert terms.count("layan") == 2


def test_term_of_maps_a_surface_word_to_its_index_term() -> None:
    analyzer = Analyzer()
    assert analyzer.term_of("Kelahiran") == analyzer.term_of("lahir")
    assert analyzer.term_of("yang") == ""


def test_expansions_survive_stopword_removal() -> None:
    # "ibu" is a Sastrawi stopword; without it AKI (maternal deaths) reads like AKB (infant).
    analyzer = Analyzer(stemming=False)
    assert analyzer.terms("AKI") == ["aki", "angka", "kematian", "ibu"]
    assert "ibu" in analyzer.terms("target penurunan AKI")
    assert "ibu" not in analyzer.terms("bapak dan ibu")  # plain text keeps its stopwords


def test_spelling_variants_of_function_words_stay_stopwords() -> None:
    assert Analyzer(stemming=False).terms("yg utk dgn") == ["yg", "utk", "dgn"]


@pytest.mark.parametrize(
    "text", ["Café Ümlaut", "ﬁle Ⅻ ＡＢＣ", "ẞtraße", "İstanbul", "Antrean KTP-el 3 JAM"]
)
def test_normalise_folds_accents_and_compatibility_forms_as_nfkd_does(text: str) -> None:
    import unicodedata

    from index.analysis import normalise

    folded = unicodedata.normalize("NFKD", text.lower())
    assert normalise(text) == "".join(ch for ch in folded if not unicodedata.combining(ch))


def test_terms_of_maps_each_word_as_term_of_does() -> None:
    words = ["Kelahiran", "yang", "KTP-el", "kelahiran", "Kelahiran", "Dinas"]
    assert Analyzer().terms_of(words) == [Analyzer().term_of(w) for w in words]


def test_terms_of_still_answers_once_its_cache_is_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "TERM_CACHE_SIZE", 3)
    analyzer = Analyzer()
    analyzer._term_cache.update({f"filler{i}": "" for i in range(3)})
    assert analyzer.terms_of(["kelahiran", "yang"]) == [Analyzer().term_of("kelahiran"), ""]
    assert len(analyzer._term_cache) == 3  # full: the two words were analysed, not kept
