from __future__ import annotations

import pytest

from recommender.adapters.cleaning import (
    ELLIPSIS,
    cut_at_sentence,
    html_items,
    make_slug,
    strip_html,
    tame_case,
)
from recommender.record import ID_PATTERN


def test_strip_html_decodes_entities_and_folds_padding() -> None:
    cell = (
        '<p style="text-align: justify;">\r\n\tWarga&nbsp;&nbsp; menunggu &amp; '
        "mengeluh&hellip;</p>\r\n<p>&nbsp;</p>"
    )
    assert strip_html(cell) == "Warga menunggu & mengeluh…"


def test_strip_html_joins_list_items_with_semicolons() -> None:
    cell = "<ul>\r\n\t<li>\r\n\t\tSatu;</li>\r\n\t<li>&nbsp;Dua.</li>\r\n</ul>"
    assert strip_html(cell) == "Satu; Dua"


def test_strip_html_drops_images_even_when_the_tag_is_cut_off() -> None:
    base64 = "iVBORw0KGgo" + "A" * 500
    assert strip_html(f'<p>Awal</p><p><img src="data:image/png;base64,{base64}" /></p>') == "Awal"
    assert strip_html(f'<p>Awal</p><p><img alt="" src="data:image/png;base64,{base64}') == "Awal"


def test_strip_html_drops_style_blocks_and_soft_hyphens() -> None:
    assert strip_html("<style>p {color: red}</style><p>Pe&shy;layanan</p>") == "Pelayanan"


def test_strip_html_of_empty_padding_is_none() -> None:
    assert strip_html("<p>&nbsp;</p>\r\n") is None
    assert strip_html("") is None


def test_plain_text_bullets_become_items() -> None:
    assert html_items("-\tBuku panduan -\thttp://contoh.invalid/a") == [
        "Buku panduan",
        "http://contoh.invalid/a",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KOTA SURAKARTA", "Kota Surakarta"),
        ("KEMENTERIAN HUKUM DAN HAK ASASI MANUSIA RI", "Kementerian Hukum dan Hak Asasi Manusia RI"),
        ("SISTEM PASPOR TERPADU (SPPT)", "Sistem Paspor Terpadu (SPPT)"),
        ("Kota Surabaya", "Kota Surabaya"),  # mixed case is left alone
        ("PDAM Kota Malang", "PDAM Kota Malang"),
    ],
)
def test_tame_case(text: str, expected: str) -> None:
    assert tame_case(text) == expected


def test_cut_at_sentence_keeps_whole_sentences() -> None:
    text = "Kalimat pertama cukup panjang. Kalimat kedua juga panjang. Kalimat ketiga terpotong."
    cut = cut_at_sentence(text, 60)
    assert cut == "Kalimat pertama cukup panjang. Kalimat kedua juga panjang."
    assert cut_at_sentence(text, len(text)) == text


def test_cut_at_sentence_falls_back_to_a_word_boundary() -> None:
    text = "kata " * 100
    cut = cut_at_sentence(text, 50)
    assert len(cut) <= 50 and cut.endswith(ELLIPSIS) and "kat " not in cut + " "


def test_make_slug_is_valid_stable_and_skips_a_repeated_government() -> None:
    assert make_slug("KTP 1 Jam", "Kota Surakarta") == "ktp-1-jam-kota-surakarta"
    assert (
        make_slug("Rumah Pintar Petani Jawa Tengah", "Pemerintah Provinsi Jawa Tengah")
        == "rumah-pintar-petani-jawa-tengah"
    )
    long = make_slug("Ä" * 3 + " inovasi " * 40, "Kabupaten " + "Panjang " * 30)
    assert ID_PATTERN.fullmatch(long) and len(long) <= 120
    assert make_slug("!!!", None) == "inovasi"


def test_cut_at_sentence_keeps_a_closing_quote_and_marks_a_clause_cut() -> None:
    text = 'Warga berkata "cepat sekali." Lalu petugas menjelaskan prosedurnya panjang lebar.'
    assert cut_at_sentence(text, 40) == 'Warga berkata "cepat sekali."'
    points = "satu dua tiga; empat lima enam; tujuh delapan sembilan sepuluh"
    cut = cut_at_sentence(points, 40)
    assert cut == "satu dua tiga; empat lima enam" + ELLIPSIS and len(cut) <= 40


def test_strip_html_undoes_double_escaping() -> None:
    # Exports that escape twice ('&amp;nbsp;') are common; the entity must not survive as text.
    assert strip_html("<p>Tahap&amp;nbsp;1 &amp;amp; 2</p>") == "Tahap 1 & 2"
