"""The planner's web page over the tiny catalogue: form, cards, filters, errors, escaping."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from recommender.engine import Recommender
from recommender.errors import IndexNotReady
from recommender.explain import Passage
from recommender.workspace import open_recommender
from service.formatting import contact_html, highlight, points, shorten, web_link
from service.labels import PROVINCES
from tests.conftest import API_KEY, FIXTURES, AppPool, open_copy

BIRTH = "bayi lahir belum punya akta kelahiran"
CONTROLS = {
    "problem",
    "sector",
    "level",
    "province",
    "award_tier",
    "year_from",
    "year_to",
    "status",
    "asker_level",
    "asker_province",
    "limit",
}
KITS = FIXTURES / "kits.jsonl"  # tiny.jsonl plus replication kits and contacts of three


class Page(HTMLParser):
    """The parts of the page the tests look at: controls, labels, card names and levels."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: dict[str, str] = {}  # name -> id (the last one, for repeated names)
        self.ids: list[str] = []  # every control's id
        self.checked: dict[str, list[str]] = {}  # checkbox name -> checked values
        self.boxes: dict[str, list[str]] = {}  # checkbox name -> every value offered
        self.labelled: set[str] = set()
        self.cards: list[str] = []
        self.levels: list[str] = []
        self._in_name = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("submit", "hidden"):
            self.controls[str(a.get("name"))] = str(a.get("id"))
            self.ids.append(str(a.get("id")))
        if tag == "input" and a.get("type") == "checkbox":
            self.boxes.setdefault(str(a["name"]), []).append(str(a["value"]))
            if "checked" in a:
                self.checked.setdefault(str(a["name"]), []).append(str(a["value"]))
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


def follow(client: TestClient, href: str, expect: int = 200) -> str:
    response = client.get(href.replace("&amp;", "&").split("#")[0])
    assert response.status_code == expect, response.text[:500]
    return response.text


def cards_of(html: str) -> list[str]:
    return html.split('<article class="card"')[1:]


@pytest.fixture(scope="module")
def kits_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kit catalogue seeded and indexed once for the module; read-only, as tiny_data_dir."""
    data = tmp_path_factory.mktemp("kits-template") / "data"
    built = open_recommender(data, [HashingEncoder(256)], seed=KITS)
    built.ensure_index()
    built.catalogue.close()  # checkpoints the WAL, so the copy is the whole database
    return data


@pytest.fixture
def kit_client(tmp_path: Path, kits_data_dir: Path, app_pool: AppPool) -> Iterator[TestClient]:
    """The tiny catalogue where three innovations carry a kit, an odd contact or both (this
    test's own copy)."""
    from service.settings import Settings

    rec = open_copy(kits_data_dir, tmp_path, HashingEncoder(256))
    settings = Settings(data_dir=tmp_path / "data", encoder="hashing-256", api_keys=API_KEY)
    with app_pool.serve(settings, rec) as test_client:
        yield test_client


def test_the_form_labels_every_control(client: TestClient) -> None:
    html, page = ask(client)
    assert CONTROLS <= set(page.controls)
    assert set(page.ids) <= page.labelled and len(set(page.ids)) == len(page.ids)
    assert 'method="get"' in html
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
    # Adopters from the registry (replicated_by was imported into it), each with its status.
    assert (
        '<li class="adopter">Kabupaten Epsilon <span class="adopter-facts">(berjalan)</span>' in first
        and '<li class="adopter">Kota Delta ' in first
    )
    assert "Rincian skor" in first and ">relevance<" not in first


def test_limit_and_shareable_url_round_trip(client: TestClient) -> None:
    html, page = ask(client, problem=BIRTH, limit=5, level="kota")
    assert len(page.cards) <= 5
    assert '<option value="5" selected>' in html and page.checked == {"level": ["kota"]}
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
    assert "dikurangi: Sudah berhenti" in html  # the penalty, in words
    html, page = ask(client, problem="ambulans darurat", status="berjalan")
    assert set(page.cards) == {"PSC 119 Alpha", "Pajak Daerah Online Epsilon"}
    assert "mailto:psc119@alpha.go.id" in html


def test_when_nothing_passes_the_filters_the_page_says_so(client: TestClient) -> None:
    html, page = ask(client, problem=BIRTH, province="Papua", sector="lingkungan")
    assert page.cards == []
    assert "Tidak ada inovasi yang lolos saringan" in html


def test_no_good_match_is_announced_and_weak_candidates_labelled(
    client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = recommender.recommend
    monkeypatch.setattr(
        recommender, "recommend", lambda *a, **k: dataclasses.replace(real(*a, **k), no_good_match=True)
    )
    html, page = ask(client, problem="peluncuran satelit cuaca")
    assert "Belum ada inovasi di katalog yang benar-benar cocok" in html
    assert page.cards and html.count("Kecocokan lemah") == len(page.cards)


@pytest.mark.parametrize(
    ("params", "message", "control"),
    [
        ({"problem": "   "}, "wajib", "problem"),
        ({"problem": "a" * 5001}, "5001 karakter", "problem"),
        ({"problem": BIRTH, "sector": "antariksa"}, "Sektor: nilai itu tidak dikenal", "sector"),
        (
            {"problem": BIRTH, "year_from": "2020", "year_to": "2010"},
            "“Tahun dari” tidak boleh lebih besar",
            "year_from",
        ),
        ({"problem": BIRTH, "year_to": "dua ribu"}, "Tahun sampai: isi tahun", "year_to"),
        ({"problem": BIRTH, "asker_level": "desa"}, "Tingkat pemerintahan Anda", "asker_level"),
        ({"problem": BIRTH, "limit": "500"}, "Jumlah hasil", "limit"),
    ],
)
def test_invalid_input_renders_the_form_with_a_message(
    client: TestClient, params: dict[str, str], message: str, control: str
) -> None:
    html, page = ask(client, 422, **params)
    assert 'role="alert"' in html and message in html
    # A select or input by its id; a checkbox group on each of its boxes.
    assert re.search(rf'(id|name)="{control}"[^>]*aria-invalid="true"', html, re.S)
    assert CONTROLS <= set(page.controls) and page.cards == []


def test_an_index_that_is_still_loading_gives_503(
    client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
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
    html, _ = ask(client, problem="ambulans darurat", level=["kabupaten", "kota"])
    # The link keeps the planner's query, so the similar list can lead back to the results.
    link = re.search(
        r'href="(/\?problem=ambulans\+darurat&amp;level=kabupaten&amp;level=kota'
        r'&amp;similar=psc-119-alpha#hasil)"',
        html,
    )
    assert link
    text = follow(client, link.group(1))
    page = Page(text)
    assert "Inovasi yang mirip dengan “PSC 119 Alpha”" in text
    assert "PSC 119 Beta" in page.cards and "PSC 119 Alpha" not in page.cards
    back = re.search(r'href="([^"]+)">← Kembali ke hasil untuk “ambulans darurat”', text)
    assert back and "similar" not in back.group(1)
    assert back.group(1) == "/?problem=ambulans+darurat&amp;level=kabupaten&amp;level=kota#hasil"
    assert ">ambulans darurat</textarea>" in text  # submitting the form asks the problem again
    html, _ = ask(client, 404, similar="tidak-ada")
    assert "tidak ada di katalog" in html


def test_each_answered_query_is_logged(client: TestClient, recommender: Recommender) -> None:
    ask(client, problem=BIRTH, level="kota", asker_province="Jawa Timur")
    ask(client, 422, problem="")
    log = recommender.catalogue.recommendation_log()
    assert [e["kind"] for e in log] == ["web"]
    assert log[0]["problem"] == BIRTH and log[0]["asker_province"] == "Jawa Timur"


def test_catalogue_changes_reach_the_province_list_and_links_stay_safe(
    client: TestClient, auth: dict[str, str]
) -> None:
    _, before = ask(client)  # fills the province cache
    assert "Kepulauan Lambda" not in before.boxes["province"]
    item = {
        "id": "perahu-klinik-lambda",
        "name": "Perahu Klinik Lambda",
        "level": "kabupaten",
        "sector": "kesehatan",
        "agency": "Dinkes Kabupaten Lambda",
        "province": "Kepulauan Lambda",
        "problem": "Warga pulau kecil jauh dari puskesmas.",
        "sources": ["javascript:alert(1)", "https://example.org/lambda"],
    }
    created = client.post("/v1/innovations", json=item, headers=auth, params={"wait": "true"})
    assert created.status_code == 201
    html, page = ask(client, problem="perahu klinik pulau puskesmas")
    # A catalogue province outside the official list is offered too, once the index has it.
    assert '<option value="Kepulauan Lambda">Kepulauan Lambda</option>' in html
    assert "Kepulauan Lambda" in page.boxes["province"]
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


# -- filters: every province, several values at once -------------------------------------------
def test_every_province_is_offered_with_catalogue_ones_kept(client: TestClient) -> None:
    html, page = ask(client)
    offered = page.boxes["province"]
    assert len(PROVINCES) == len(set(PROVINCES)) == 38
    assert set(PROVINCES) <= set(offered)
    for papua in (
        "Papua",
        "Papua Barat",
        "Papua Barat Daya",
        "Papua Selatan",
        "Papua Tengah",
        "Papua Pegunungan",
    ):
        assert papua in offered
    assert offered == sorted(offered, key=str.casefold) and len(offered) == 38
    # The asker's own province is one choice, from the same full list.
    assert '<option value="Papua Pegunungan">Papua Pegunungan</option>' in html
    assert set(page.boxes["sector"]) >= {"kesehatan", "lingkungan"}
    assert page.boxes["level"] and page.boxes["status"]


def test_several_values_of_one_filter_are_all_applied_and_kept_checked(client: TestClient) -> None:
    _, page = ask(
        client,
        problem=BIRTH,
        sector=["kependudukan", "lingkungan"],
        province=["Jawa Timur", "Jawa Barat", "Papua"],
    )
    assert set(page.cards) == {"Akta Lahir di Rumah Sakit Gamma", "KTP Keliling Kappa", "Bank Sampah Delta"}
    assert page.checked == {
        "sector": ["kependudukan", "lingkungan"],
        "province": ["Jawa Barat", "Jawa Timur", "Papua"],
    }
    # A value the list does not know (an old link) stays visible, checked, so it can be removed.
    html, page = ask(client, problem=BIRTH, province=["Jawa Timur", "Provinsi Lama"])
    assert page.checked["province"] == ["Jawa Timur", "Provinsi Lama"]


# -- results: heading, cards, more, matched words, score in words -----------------------------
def test_the_results_heading_repeats_the_query(client: TestClient) -> None:
    html, _ = ask(client, problem=BIRTH)
    assert f'<h2 id="judul-hasil">Hasil untuk “{BIRTH}”</h2>' in html
    html, _ = ask(client, problem="akta " + "sangat " * 80)
    heading = re.search(r'<h2 id="judul-hasil">(.*?)</h2>', html)
    assert heading and heading.group(1).startswith("Hasil untuk “akta sangat")
    assert heading.group(1).endswith(" …”") and len(heading.group(1)) < 190


def test_a_card_says_what_it_is_and_links_to_its_page_with_the_query(client: TestClient) -> None:
    html, _ = ask(client, problem=BIRTH, level="kota")
    first = cards_of(html)[0]
    assert (
        "<strong>Solusinya:</strong> Akta kelahiran diterbitkan langsung di rumah sakit "
        "sebelum ibu dan bayi pulang."
    ) in first
    page_link = "/inovasi/akta-lahir-gamma?problem=bayi+lahir+belum+punya+akta+kelahiran&amp;level=kota"
    assert f'<h3 id="nama-akta-lahir-gamma"><a href="{page_link}">' in first
    assert f'href="{page_link}">Buka halaman inovasi</a>' in first
    # No kit in tiny.jsonl: the card says so and where to ask.
    assert "Belum ada paket replikasi" in first and "kit-yes" not in first


def test_a_long_solution_is_shortened_on_a_word_boundary() -> None:
    text = "Petugas " + "mendatangi rumah warga " * 30
    short = shorten(text, 60)
    assert short.endswith(" …") and len(short) <= 62 and text.startswith(short[:-2])
    assert shorten("Pendek saja.", 60) == "Pendek saja." and shorten(None) == ""


def test_a_card_shows_whether_a_kit_exists_and_its_first_two_points(kit_client: TestClient) -> None:
    html, _ = ask(kit_client, problem=BIRTH)
    first = cards_of(html)[0]
    assert '<span class="badge kit-yes">Ada paket replikasi</span> Yang harus tersedia' in first
    assert "<li>Rumah sakit bersedia menjadi loket akta</li>" in first
    assert "<li>Petugas Dukcapil ditempatkan di rumah sakit</li>" in first
    assert "Jaringan data kependudukan" not in first  # only the first two points
    assert "akta-lahir-gamma?problem=" in first and '#paket">Lihat paket replikasi lengkap' in first
    assert '<a href="mailto:akta@gamma.go.id">akta@gamma.go.id</a>' in first


def test_show_more_asks_for_a_larger_limit_without_retyping(client: TestClient) -> None:
    html, page = ask(
        client,
        problem="layanan warga",
        limit=5,
        sector=["kesehatan", "kependudukan", "lingkungan", "gizi-anak", "perizinan", "keuangan-pajak"],
    )
    assert len(page.cards) == 5
    more = re.search(r'href="([^"]+)">Tampilkan lebih banyak \(10 hasil\)', html)
    # 10 is the default count, so the link simply drops limit=5.
    assert more and "limit" not in more.group(1) and more.group(1).endswith("#peringkat-6")
    assert "sector=gizi-anak" in more.group(1)
    text = follow(client, more.group(1))
    assert Page(text).cards[:5] == page.cards and len(Page(text).cards) > 5
    assert 'id="peringkat-6"' in text
    assert "Tampilkan lebih banyak" not in text  # every candidate is now shown


def test_matched_words_leave_out_words_found_across_the_catalogue(client: TestClient) -> None:
    # "rumah" is in 4 of the 10 tiny innovations (over 30%): no reason why this one matches.
    html, _ = ask(client, problem="akta kelahiran di rumah sakit")
    first = cards_of(html)[0]
    terms = re.findall(r'class="term">([^<]+)<', first)
    assert "akta" in terms and "sakit" in terms and "rumah" not in terms
    # The highlight still shows where the passage matched; only the word list is filtered.
    assert "<mark>akta</mark>" in first.lower()


def test_common_words_are_counted_once_per_index_version(
    client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.app.state.writer.warm()  # the writer's own one read, done before counting
    reads = []
    real = recommender.catalogue.all
    monkeypatch.setattr(recommender.catalogue, "all", lambda: reads.append(1) or real())
    client.app.state.web_facts = None
    for _ in range(3):
        ask(client, problem=BIRTH)
    assert len(reads) == 1


def test_the_score_is_explained_in_a_planners_words(client: TestClient) -> None:
    html, _ = ask(client, problem=BIRTH, asker_level="kota")
    first = cards_of(html)[0]
    scores = first[first.index('<details class="scores">') :]
    for words in (
        "Kecocokan dengan masalah Anda",
        "Kemiripan makna",
        "Kata kunci yang sama",
        "Penghargaan Top 40/45",
        "Bukti hasil terukur",
        "Sudah direplikasi 2 daerah",
        "Sama tingkat pemerintahan",
    ):
        assert f'<th scope="row">{words}</th>' in scores, words
    # Adjustments that did not apply are left out; raw component names are not shown as text.
    assert "Sama provinsi" not in scores and "Sudah berhenti" not in scores
    assert not re.search(r">\s*(bm25|dense_hashing-256|same_level|relevance)\s*<", scores)
    assert 'data-component="bm25"' in scores
    # Decimals as Indonesians write them.
    assert re.search(r"<summary>Rincian skor: -?\d+,\d{3}</summary>", scores)
    assert re.search(r'data-component="award">\s*<th scope="row">[^<]+</th>\s*<td>\+0,\d{3}</td>', scores)
    assert "ditambah: Penghargaan Top 40/45, Bukti hasil terukur, Sudah direplikasi 2 daerah" in scores
    assert scores.index("Kecocokan dengan masalah Anda") < scores.index("Kemiripan makna")


# -- the innovation page ------------------------------------------------------------------
def innovation(client: TestClient, key: str, expect: int = 200, **params: Any) -> str:
    response = client.get(f"/inovasi/{key}", params=params)
    assert response.status_code == expect, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    return response.text


def test_the_innovation_page_holds_the_whole_record_and_the_kit(kit_client: TestClient) -> None:
    html = innovation(kit_client, "akta-lahir-gamma")
    assert '<html lang="id">' in html and "<title>Akta Lahir di Rumah Sakit Gamma — ringkasan" in html
    assert '<h1 id="judul">Akta Lahir di Rumah Sakit Gamma</h1>' in html
    assert "Dukcapil Kota Gamma · Kota Gamma, Jawa Timur" in html
    for text in (
        "Bayi lahir tanpa akta kelahiran",
        "Akta kelahiran diterbitkan langsung",
        "naik dari 70% menjadi 98%",
        "Top 40 KIPP 2018",
        "Kabupaten Epsilon",
        "Kota Delta",
        "Status tidak diketahui",
        "5 Maret 2024",
        "<code>akta-lahir-gamma</code>",
    ):
        assert text in html, text
    kit = html[html.index('id="paket"') : html.index('id="judul-bukti"')]
    headings = re.findall(r'<h3 id="paket-\w+">([^<]+)</h3>', kit)
    assert headings == ["Yang harus tersedia", "Langkah-langkah", "Kendala yang dihadapi"]
    assert kit.count("<li>") == 3 + 4 + 2
    assert '<ol class="points" aria-labelledby="paket-steps">' in kit  # steps are in order
    assert "<li>Menerbitkan akta sebelum ibu pulang</li>" in kit


def test_the_innovation_page_links_contacts_and_web_sources_only(kit_client: TestClient) -> None:
    html = innovation(kit_client, "akta-lahir-gamma")
    contact = html[html.index('<dd class="contact">') :]
    contact = contact[: contact.index("</dd>")]
    assert '<a href="tel:+62315929102">(031) 5929102</a>' in contact
    assert "faks (031) 5929103" in contact and "tel:+62315929103" not in contact
    assert '<a href="mailto:akta@gamma.go.id">akta@gamma.go.id</a>' in contact
    assert '<a href="https://www.gamma.go.id">www.gamma.go.id</a>' in contact
    sources = html[html.index('<ul class="sources">') :]
    sources = sources[: sources.index("</ul>")]
    assert '<a href="https://gamma.go.id/akta" rel="noopener noreferrer">' in sources
    assert "<li>Buku Top 40 KIPP 2018</li>" in sources and "javascript" not in sources
    assert "mailto:mailto:" not in innovation(kit_client, "ktp-keliling-kappa")
    assert '<a href="mailto:ktp@kappa.go.id">ktp@kappa.go.id</a>' in innovation(
        kit_client, "ktp-keliling-kappa"
    )
    assert 'href="javascript' not in innovation(kit_client, "bank-sampah-delta")


def test_contacts_become_only_mailto_tel_or_web_links() -> None:
    assert str(contact_html("mailto:a@b.go.id")) == '<a href="mailto:a@b.go.id">a@b.go.id</a>'
    assert str(contact_html("tel:+62 31 5039373")) == ('<a href="tel:+62315039373">+62 31 5039373</a>')
    assert str(contact_html("telp./faks 0251-8340057")) == (
        'telp./faks <a href="tel:+622518340057">0251-8340057</a>'
    )
    assert str(contact_html("http://x.go.id/a.php.")) == (
        '<a href="http://x.go.id/a.php">http://x.go.id/a.php</a>.'
    )
    assert str(contact_html('javascript:alert("1") <b>')) == ("javascript:alert(&#34;1&#34;) &lt;b&gt;")
    assert str(contact_html("Jl. Menur No. 31 B, Jakarta 10210")) == ("Jl. Menur No. 31 B, Jakarta 10210")
    assert str(contact_html(None)) == ""


def test_kit_points_split_on_semicolons() -> None:
    assert points("Satu; Dua;  Tiga;") == ["Satu", "Dua", "Tiga"]
    assert points(None) == [] and points("  ") == []


def test_the_innovation_page_lists_similar_ones_and_leads_back_to_the_query(client: TestClient) -> None:
    html = innovation(client, "psc-119-alpha", problem="ambulans darurat", level="kabupaten")
    back = re.search(r'<a href="([^"]+)">← Kembali ke hasil untuk “ambulans darurat”</a>', html)
    assert back and back.group(1) == "/?problem=ambulans+darurat&amp;level=kabupaten#hasil"
    neighbours = html[html.index('<ol class="similar-list">') :]
    neighbours = neighbours[: neighbours.index("</ol>")]
    assert neighbours.count("<li>") == 5 and "PSC 119 Beta" in neighbours
    assert "/inovasi/psc-119-beta?problem=ambulans+darurat" in neighbours
    assert "/inovasi/psc-119-alpha?" not in neighbours
    # Without a query there is nothing to go back to but the search.
    assert '<a href="/">← Cari inovasi untuk masalah Anda</a>' in innovation(client, "psc-119-alpha")
    # A replica names its original, linked.
    assert '<a href="/inovasi/psc-119-alpha">PSC 119 Alpha</a>' in innovation(client, "psc-119-beta")
    assert "Paket replikasi untuk inovasi ini belum tercatat" in html


def test_the_innovation_page_prints_as_a_brief(client: TestClient) -> None:
    html = innovation(client, "akta-lahir-gamma")
    assert '<button type="button" class="print" data-print hidden>Cetak ringkasan</button>' in html
    assert "<form" not in html
    # The policy forbids inline script: only the static file, and no inline handlers.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/page.js" defer>']
    assert not re.search(r"\son[a-z]+=", html)
    css = client.get("/static/style.css").text
    printing = css[css.index("@media print") :]
    assert "@page { size: A4" in css
    rule = re.search(r"\*/\s*([^{}]+)\{\s*display: none", printing)
    assert rule
    selectors = {part.strip() for part in rule.group(1).split(",")}
    assert {"header.site", "form", "nav", "button", "details.scores"} <= selectors
    assert "window.print()" in client.get("/static/page.js").text
    assert (
        'class="print-only printed-from">Dicetak dari Replikasi: http://testserver/inovasi/akta-lahir-gamma<'
    ) in html


def test_an_unknown_innovation_gets_an_indonesian_404(client: TestClient) -> None:
    html = innovation(client, "tidak-ada", 404)
    assert "<h1>Inovasi tidak ditemukan</h1>" in html
    assert "Inovasi “tidak-ada” tidak ada di katalog" in html
    assert '<a href="/">← Cari inovasi untuk masalah Anda</a>' in html
    attack = innovation(client, '"><b>x', 404)
    assert "<b>x" not in attack and "&#34;&gt;&lt;b&gt;x" in attack


def test_the_innovation_page_survives_an_index_that_is_not_ready(
    client: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    def loading(*args: object, **kwargs: object) -> None:
        raise IndexNotReady("loading")

    monkeypatch.setattr(recommender, "similar", loading)
    html = innovation(client, "akta-lahir-gamma")
    assert "Daftar inovasi serupa belum tersedia" in html and "Bayi lahir tanpa akta" in html


def test_the_innovation_page_says_what_an_import_guessed_until_a_person_checks_it(
    kit_client: TestClient,
) -> None:
    from recommender.reviews import ReviewQueue

    rec = kit_client.app.state.recommender  # type: ignore[attr-defined]
    ReviewQueue(rec.catalogue).open(
        [
            {
                "id": "akta-lahir-gamma",
                "row": 3,
                "sector": "lainnya",
                "reasons": ["sector guessed with confidence 0.31 (< 0.50)", "province not found"],
            }
        ]
    )
    html = innovation(kit_client, "akta-lahir-gamma")
    assert "belum diperiksa" in html
    assert "sektornya ditebak otomatis (keyakinan 31%); provinsinya tidak ditemukan" in html
    ReviewQueue(rec.catalogue).close(["akta-lahir-gamma"])
    assert "belum diperiksa" not in innovation(kit_client, "akta-lahir-gamma")
