"""The planner's page in Debian's Chromium, against the real server, model and catalogue."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.live.conftest import ARTIFACTS, cut_network

if TYPE_CHECKING:  # every run collects these modules; playwright loads only for a browser test
    from playwright.sync_api import Browser, Page


PROBLEM = "Ambulans sering terlambat datang saat ada warga gawat darurat di desa"
CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "innovations.jsonl"
BRIEF_FIELDS = ("problem", "solution", "outcomes", "prerequisites", "steps", "obstacles", "contact")


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[tuple[Page, list[str]]]:
    """A fresh phone-or-desktop page plus the list of any request that left the server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server) else outside.append(r.url))
    yield page, outside
    context.close()


def card_names(page: Page) -> list[str]:
    return page.locator("article.card h3").all_inner_texts()


def test_a_planner_finds_emergency_call_innovations_then_narrows_by_level(
    open_page: tuple[Page, list[str]], live_server: str
) -> None:
    page, outside = open_page
    page.goto(live_server)
    page.get_by_label("Masalah yang ingin dipecahkan").fill(PROBLEM)
    page.get_by_role("button", name="Cari inovasi").click()
    page.wait_for_url("**/?problem=*")
    assert "sector=" not in page.url, "empty choices should stay out of a shared link"
    names = card_names(page)
    assert len(names) == 10, names
    psc = page.locator("article.card").filter(has_text="119").first
    assert psc.count() == 1, names
    assert psc.locator(".passage mark").count() > 0
    assert psc.locator(".term").count() > 0
    page.screenshot(path=str(ARTIFACTS / "web-results.png"), full_page=True)

    page.get_by_text("Saring hasil dan konteks daerah Anda").click()
    page.get_by_role("group", name="Tingkat pemerintahan", exact=True).get_by_label(
        "Kota", exact=True
    ).check()
    page.get_by_role("button", name="Cari inovasi").click()
    page.wait_for_url("**level=kota*")
    narrowed = card_names(page)
    assert narrowed and narrowed != names
    levels = page.locator("article.card .badge.level").evaluate_all(
        "badges => badges.map(b => b.dataset.level)"
    )
    assert levels and set(levels) == {"kota"}
    assert page.get_by_label("Masalah yang ingin dipecahkan").input_value() == PROBLEM
    page.screenshot(path=str(ARTIFACTS / "web-results-kota.png"), full_page=True)

    # A second level as well: both boxes stay checked and both levels come back.
    page.get_by_role("group", name="Tingkat pemerintahan", exact=True).get_by_label(
        "Kabupaten", exact=True
    ).check()
    page.get_by_role("button", name="Cari inovasi").click()
    page.wait_for_url("**level=kabupaten*")
    assert "level=kota" in page.url
    levels = page.locator("article.card .badge.level").evaluate_all(
        "badges => badges.map(b => b.dataset.level)"
    )
    assert set(levels) <= {"kota", "kabupaten"} and len(set(levels)) == 2, levels
    shown = len(card_names(page))
    page.get_by_role("link", name=re.compile("Tampilkan lebih banyak")).click()
    page.wait_for_url("**limit=20*")
    assert len(card_names(page)) > shown
    assert outside == []


def test_similar_innovations_open_from_a_card(open_page: tuple[Page, list[str]], live_server: str) -> None:
    page, outside = open_page
    page.goto(f"{live_server}/?problem=ambulans+gawat+darurat&limit=5")
    first = card_names(page)[0]
    page.locator("article.card").first.get_by_role("link", name="Lihat inovasi serupa").click()
    page.wait_for_url("**similar=*")
    assert page.locator("h2").first.inner_text() == f"Inovasi yang mirip dengan “{first}”"
    assert page.locator("article.card").count() > 0
    page.get_by_role("link", name="← Kembali ke hasil untuk “ambulans gawat darurat”").click()
    page.wait_for_url("**/?problem=*")
    assert "similar" not in page.url and card_names(page)[0] == first
    assert outside == []


def test_the_page_fits_a_phone_and_explains_an_error(browser: Browser, live_server: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/?problem={PROBLEM}&asker_level=kabupaten")
        page.get_by_text("Saring hasil dan konteks daerah Anda").click()
        page.locator("article.card details.scores summary").first.click()
        assert page.locator("article.card").count() > 0
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of horizontal overflow at 390px"
        page.screenshot(path=str(ARTIFACTS / "web-phone-390.png"), full_page=True)

        response = page.goto(f"{live_server}/?problem=banjir&year_from=2022&year_to=2015")
        assert response is not None and response.status == 422
        assert "Tahun dari" in page.get_by_role("alert").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / "web-phone-error.png"), full_page=True)

        page.goto(f"{live_server}/inovasi/{longest_brief()}")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=str(ARTIFACTS / "web-phone-innovation.png"), full_page=True)
    finally:
        context.close()


def test_a_card_opens_the_innovation_page_and_leads_back(
    open_page: tuple[Page, list[str]], live_server: str
) -> None:
    page, outside = open_page
    page.goto(f"{live_server}/?problem=ambulans+gawat+darurat")
    card = page.locator("article.card").filter(has=page.locator(".kit-yes")).first
    name = card.locator("h3").inner_text()
    card.get_by_role("link", name="Buka halaman inovasi").click()
    page.wait_for_url("**/inovasi/*")
    assert page.locator("h1").inner_text() == name
    kit = page.locator("#paket")
    assert kit.locator("h3").count() >= 1 and kit.locator("li").count() >= 2
    assert page.get_by_role("button", name="Cetak ringkasan").is_visible()  # the script ran
    page.screenshot(path=str(ARTIFACTS / "web-innovation.png"), full_page=True)
    page.get_by_role("link", name=re.compile("Kembali ke hasil untuk")).click()
    page.wait_for_url("**/?problem=*")
    assert page.locator("h2#judul-hasil").inner_text() == "Hasil untuk “ambulans gawat darurat”"
    assert outside == []


def longest_brief() -> str:
    """The catalogue innovation with the most text to print: if it fits, the others do."""
    rows = [json.loads(line) for line in CATALOGUE.read_text(encoding="utf-8").splitlines()]
    return max(
        rows,
        key=lambda r: (
            sum(len(r.get(f) or "") for f in BRIEF_FIELDS) + sum(len(s) for s in r.get("sources", []))
        ),
    )["id"]


def test_the_innovation_page_prints_a_brief_of_at_most_two_a4_pages(
    open_page: tuple[Page, list[str]], live_server: str
) -> None:
    page, outside = open_page
    page.goto(f"{live_server}/inovasi/{longest_brief()}?problem=sekolah")
    page.emulate_media(media="print")
    for hidden in ("header.site", "nav.crumbs", "footer.site", "button.print", ".more-similar"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("h1").is_visible() and page.locator("#paket li").first.is_visible()
    assert page.locator(".contact").is_visible()
    pdf = page.pdf(format="A4", print_background=False)
    (ARTIFACTS / "web-innovation-print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert 1 <= pages <= 2, f"the brief prints on {pages} A4 pages"
    page.screenshot(path=str(ARTIFACTS / "web-innovation-print.png"), full_page=True)

    # The results page prints without the form either.
    page.goto(f"{live_server}/?problem=sekolah")
    assert not page.locator("form.search").is_visible()
    assert page.locator("article.card").first.is_visible()
    assert outside == []


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_the_api_docs_render_with_the_network_cut(
    browser: Browser, live_server: str, path: str, rendered: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = cut_network(context, live_server)
    page = context.new_page()
    page.goto(live_server + path)
    page.wait_for_selector(rendered, timeout=30_000)
    assert page.locator(rendered).count() > 5
    assert "Replikasi API" in page.content()
    page.screenshot(path=str(ARTIFACTS / f"api{path.replace('/', '-')}.png"))
    context.close()
    # Only ReDoc's "powered by" logo is asked of a CDN; it renders without it.
    assert all(url.endswith(".svg") for url in blocked), blocked
