"""The planner's page in Debian's Chromium, against the real server, model and catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline Chromium: no sandbox (root in CI), no GPU, no background calls home.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PROBLEM = "Ambulans sering terlambat datang saat ada warga gawat darurat di desa"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


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
        open_page: tuple[Page, list[str]], live_server: str) -> None:
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
    page.get_by_label("Tingkat pemerintahan", exact=True).select_option("kota")
    page.get_by_role("button", name="Cari inovasi").click()
    page.wait_for_url("**level=kota*")
    narrowed = card_names(page)
    assert narrowed and narrowed != names
    levels = page.locator("article.card .badge.level").evaluate_all(
        "badges => badges.map(b => b.dataset.level)")
    assert levels and set(levels) == {"kota"}
    assert page.get_by_label("Masalah yang ingin dipecahkan").input_value() == PROBLEM
    page.screenshot(path=str(ARTIFACTS / "web-results-kota.png"), full_page=True)
    assert outside == []


def test_similar_innovations_open_from_a_card(open_page: tuple[Page, list[str]],
                                              live_server: str) -> None:
    page, outside = open_page
    page.goto(f"{live_server}/?problem=ambulans+gawat+darurat&limit=5")
    first = card_names(page)[0]
    page.locator("article.card").first.get_by_role("link", name="Lihat inovasi serupa").click()
    page.wait_for_url("**/?similar=*")
    assert page.locator("h2").first.inner_text() == f"Inovasi yang mirip dengan “{first}”"
    assert page.locator("article.card").count() > 0
    assert outside == []


def test_the_page_fits_a_phone_and_explains_an_error(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="id-ID")
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
    finally:
        context.close()
