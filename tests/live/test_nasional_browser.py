"""/nasional in Debian's Chromium, against a real server on a constructed log, network cut."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from recommender.workspace import open_catalogue
from tests.conftest import TINY
from tests.live.conftest import ARTIFACTS, cut_network, serve
from tests.recommender.demand import build_log

if TYPE_CHECKING:  # every run collects these modules; playwright loads only for a browser test
    from playwright.sync_api import Browser


KEY = "kunci-tim-nasional"
MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.fixture(scope="module")
def nasional_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The tiny catalogue with the constructed log of tests/recommender/demand.py, served with
    the fast hashing encoder (the page is under test, not the model)."""
    data = tmp_path_factory.mktemp("nasional-data")
    build_log(open_catalogue(data, seed=TINY))
    with serve(
        data,
        f"{KEY}:analytics",
        "nasional-server.log",
        encoder="hashing-256",
        extra_env={"REPLIKASI_LOG_RETENTION_DAYS": "3650"},
    ) as url:
        yield url


def test_the_team_logs_in_once_and_sees_the_charts_with_no_network(
    browser: Browser, nasional_server: str, tmp_path: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="id-ID", accept_downloads=True
    )
    blocked = cut_network(context, nasional_server)
    page = context.new_page()
    try:
        page.goto(f"{nasional_server}/nasional?{MARCH}")
        page.get_by_label("Kunci API").fill("bukan-kunci")
        page.get_by_role("button", name="Masuk").click()
        assert "tidak dikenal" in page.get_by_role("alert").inner_text()
        page.get_by_label("Kunci API").fill(KEY)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(f"**/nasional?{MARCH}")
        assert page.locator("h1").inner_text() == "Ruang kerja tim replikasi nasional"
        cookie = next(c for c in context.cookies() if c["name"] == "replikasi_nasional")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and KEY not in cookie["value"]
        assert page.evaluate("document.cookie") == ""  # out of scripts' reach

        charts = page.locator("svg.chart")
        assert charts.count() >= 7  # weekly, themes, demand, one trend per theme
        for i in range(3):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 60
        assert page.locator("svg.chart rect").count() >= 4
        assert page.locator("svg.chart polyline").count() >= 4
        assert page.locator("#celah article").count() == 1
        assert page.locator("#duplikat a[href='/inovasi/psc-119-beta']").count() == 1
        page.screenshot(path=str(ARTIFACTS / "nasional.png"), full_page=True)

        with page.expect_download() as download:
            page.locator("#inovasi a.download").click()
        saved = tmp_path / "inovasi.csv"
        download.value.save_as(saved)
        assert saved.read_text(encoding="utf-8").startswith("id,inovasi,pemerintah")

        page.get_by_label("Provinsi penanya").select_option("Papua")
        page.get_by_role("button", name="Tampilkan").click()
        page.wait_for_url("**province=Papua*")
        assert page.locator("#tema article").count() == 1

        page.get_by_role("button", name="Keluar").click()
        page.wait_for_url("**/nasional")
        assert page.get_by_label("Kunci API").is_visible()
    finally:
        context.close()
    assert blocked == [], blocked
