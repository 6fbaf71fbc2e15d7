"""The planner's web page over the tiny catalogue: form, cards, filters, errors, escaping."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from recommender.engine import Recommender
from recommender.errors import IndexNotReady
from recommender.explain import Passage
from service.web import highlight, web_link

BIRTH = "bayi lahir belum punya akta kelahiran"
CONTROLS = {"problem", "sector", "level", "province", "award_tier", "year_from", "year_to",
            "status", "asker_level", "asker_province", "limit"}


class Page(HTMLParser):
    """The parts of the page the tests look at: controls, labels, card names and levels."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: dict[str, str] = {}  # name -> id
        self.labelled: set[str] = set()
        self.cards: list[str] = []
        self.levels: list[str] = []
        self._in_name = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("submit", "hidden"):
            self.controls[str(a.get("name"))] = str(a.get("id"))
        if tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        if tag == "h3" and str(a.get("id", "")).startswith("nama-"):
            self._in_name = True
            self.cards.append("")
        if "level" in str(a.get("class", "")).split() and a.get("data-level"):
            self.levels.append(str(a["data-level"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_name = self._in_name and tag != "h3"

    def handle_data(self, data: str) -> None:
        if self._in_name:
            self.cards[-1] += data


def ask(client: TestClient, expect: int = 200, **params: Any) -> tuple[str, Page]:
    response = client.get("/", params=params)
    assert response.status_code == expect, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text, Page(response.text)


def test_the_form_labels_every_control(client: TestClient) -> None:
    html, page = ask(client)
    assert CONTROLS <= set(page.controls)
    assert set(page.controls.values()) <= page.labelled
    assert 'method="get"' in html
    # Provinces come from the catalogue, with an "any" choice first.
    assert '<option value="">Semua provinsi</option>' in html
    assert '<option value="Papua">Papua</option>' in html
    for tier in ("penghargaan-lain", "top-99", "top-40", "unpsa"):
        assert f'<option value="{tier}">' in html


def test_the_page_is_indonesian_phone_ready_and_self_contained(client: TestClient) -> None:
    response = client.get("/", params={"problem": BIRTH})
    html = response.text
    assert '<html lang="id">' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "@media" in css.text
    assert "url(http" not in css.text and "@import" not in css.text
    script = client.get("/static/page.js")  # optional enhancement; the form works without it
    assert script.status_code == 200 and "http" not in script.text


def test_a_problem_gets_cards_with_reasons_evidence_and_adopters(client: TestClient) -> None:
    html, page = ask(client, problem=BIRTH)
    assert page.cards[0] == "Akta Lahir di Rumah Sakit Gamma"
    first = html.split('<article class="card"')[1]
    assert "Dukcapil Kota Gamma" in first and "Kota Gamma, Jawa Timur" in first
    assert "<mark>akta</mark>" in first.lower() and "Dari bagian <strong>Masalah</strong>" in first
    assert 'class="term">akta</span>' in first
    assert "Top 40/45" in first and "2018" in first and "status tidak diketahui" in first
    assert "naik dari 70% menjadi 98%" in first
    assert "Kota Delta, Kabupaten Epsilon" in first
    assert "Rincian skor" in first and ">relevance</th>" in first
    assert 'href="/?similar=akta-lahir-gamma#hasil"' in first


def test_limit_and_shareable_url_round_trip(client: TestClient) -> None:
    html, page = ask(client, problem=BIRTH, limit=5, level="kota")
    assert len(page.cards) <= 5
    assert '<option value="5" selected>' in html and '<option value="kota" selected>' in html
    assert f">{BIRTH}</textarea>" in html


def test_a_filter_changes_the_results(client: TestClient) -> None:
    _, unfiltered = ask(client, problem=BIRTH)
    _, page = ask(client, problem=BIRTH, level="kabupaten")
    assert page.cards and page.cards != unfiltered.cards
    assert "Akta Lahir di Rumah Sakit Gamma" not in page.cards
    assert set(page.levels) == {"kabupaten"}
    _, sector = ask(client, problem=BIRTH, sector="kependudukan")
    assert set(sector.cards) == {"Akta Lahir di Rumah Sakit Gamma", "KTP Keliling Kappa"}


def test_status_badges_and_stopped_warning(client: TestClient) -> None:
    html, _ = ask(client, problem="demam berdarah DBD jumantik", status="berhenti")
    assert 'class="badge status stopped">berhenti<' in html and "sudah berhenti" in html
    html, page = ask(client, problem="ambulans darurat", status="berjalan")
    assert set(page.cards) == {"PSC 119 Alpha", "Pajak Daerah Online Epsilon"}
    assert 'mailto:psc119@alpha.go.id' in html


def test_when_nothing_passes_the_filters_the_page_says_so(client: TestClient) -> None:
    html, page = ask(client, problem=BIRTH, province="Papua", sector="lingkungan")
    assert page.cards == []
    assert "Tidak ada inovasi yang lolos saringan" in html


def test_no_good_match_is_announced_and_weak_candidates_labelled(
        client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch) -> None:
    real = recommender.recommend
    monkeypatch.setattr(recommender, "recommend", lambda *a, **k: dataclasses.replace(
        real(*a, **k), no_good_match=True))
    html, page = ask(client, problem="peluncuran satelit cuaca")
    assert "Belum ada inovasi di katalog yang benar-benar cocok" in html
    assert page.cards and html.count("Kecocokan lemah") == len(page.cards)


@pytest.mark.parametrize(("params", "message", "control"), [
    ({"problem": "   "}, "wajib", "problem"),
    ({"problem": "a" * 5001}, "5001 karakter", "problem"),
    ({"problem": BIRTH, "sector": "antariksa"}, "Sektor: nilai itu tidak dikenal", "sector"),
    ({"problem": BIRTH, "year_from": "2020", "year_to": "2010"},
     "“Tahun dari” tidak boleh lebih besar", "year_from"),
    ({"problem": BIRTH, "year_to": "dua ribu"}, "Tahun sampai: isi tahun", "year_to"),
    ({"problem": BIRTH, "asker_level": "desa"}, "Tingkat pemerintahan Anda", "asker_level"),
    ({"problem": BIRTH, "limit": "500"}, "Jumlah hasil", "limit"),
])
def test_invalid_input_renders_the_form_with_a_message(
        client: TestClient, params: dict[str, str], message: str, control: str) -> None:
    html, page = ask(client, 422, **params)
    assert 'role="alert"' in html and message in html
    assert re.search(rf'id="{control}"[^>]*aria-invalid="true"', html, re.S)
    assert CONTROLS <= set(page.controls) and page.cards == []


def test_an_index_that_is_still_loading_gives_503(
        client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch) -> None:
    def loading(*args: object, **kwargs: object) -> None:
        raise IndexNotReady("loading")

    monkeypatch.setattr(recommender, "recommend", loading)
    html, _ = ask(client, 503, problem=BIRTH)
    assert "Indeks pencarian sedang disiapkan" in html


def test_user_text_is_escaped(client: TestClient) -> None:
    attack = '<script>alert("x")</script> akta kelahiran'
    html, page = ask(client, problem=attack, province='"><img src=x onerror=alert(1)>')
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; akta kelahiran</textarea>" in html


def test_the_similar_link_lists_the_neighbours_of_an_innovation(client: TestClient) -> None:
    html, _ = ask(client, problem="ambulans darurat")
    link = re.search(r'href="(/\?similar=psc-119-alpha)#hasil"', html)
    assert link
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    page = Page(response.text)
    assert "Inovasi yang mirip dengan “PSC 119 Alpha”" in response.text
    assert "PSC 119 Beta" in page.cards and "PSC 119 Alpha" not in page.cards
    html, _ = ask(client, 404, similar="tidak-ada")
    assert "tidak ada di katalog" in html


def test_each_answered_query_is_logged(client: TestClient, recommender: Recommender) -> None:
    ask(client, problem=BIRTH, level="kota", asker_province="Jawa Timur")
    ask(client, 422, problem="")
    log = recommender.catalogue.recommendation_log()
    assert [e["kind"] for e in log] == ["web"]
    assert log[0]["problem"] == BIRTH and log[0]["asker_province"] == "Jawa Timur"


def test_catalogue_changes_reach_the_province_list_and_links_stay_safe(
        client: TestClient, auth: dict[str, str]) -> None:
    ask(client)  # fills the province cache
    item = {"id": "perahu-klinik-lambda", "name": "Perahu Klinik Lambda", "level": "kabupaten",
            "sector": "kesehatan", "agency": "Dinkes Kabupaten Lambda", "province": "Maluku",
            "problem": "Warga pulau kecil jauh dari puskesmas.",
            "sources": ["javascript:alert(1)", "https://example.org/lambda"]}
    assert client.post("/v1/innovations", json=item, headers=auth).status_code == 201
    html, page = ask(client, problem="perahu klinik pulau puskesmas")
    assert '<option value="Maluku">Maluku</option>' in html
    assert page.cards[0] == "Perahu Klinik Lambda"
    assert "javascript:" not in html
    # Without a contact the card names the agency; only an http(s) first source becomes a link.
    assert "Dinkes Kabupaten Lambda" in html


def test_highlight_escapes_text_and_skips_bad_spans() -> None:
    passage = Passage("problem", "Ibu & <bayi> sehat", ((0, 3), (6, 12), (7, 9), (40, 50)))
    assert str(highlight(passage)) == "<mark>Ibu</mark> &amp; <mark>&lt;bayi&gt;</mark> sehat"
    long = "awal " * 200 + "stunting naik " + "akhir " * 200
    start = long.index("stunting")
    clipped = str(highlight(Passage("solution", long, ((start, start + 8),)), width=300))
    assert clipped.startswith("… ") and clipped.endswith(" …")
    assert "<mark>stunting</mark>" in clipped and len(clipped) < 340
    assert str(highlight(None)) == ""


def test_only_web_addresses_become_links() -> None:
    assert web_link("https://menpan.go.id/x") == "https://menpan.go.id/x"
    assert web_link("javascript:alert(1)") is None and web_link(None) is None
