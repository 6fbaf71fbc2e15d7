"""/nasional over the constructed log: the key asked once, the session, the page, the CSVs."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recommender.adapters.regions import PROVINCES
from recommender.engine import Recommender
from recommender.registry import RegistryFilters
from recommender.replication import Replication
from service import session
from service.settings import Settings, hash_key
from tests.conftest import AppPool
from tests.recommender.demand import GAP, STUNTING

ANALYST, WRITER = "kunci-analis", "kunci-penulis"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def recommender(logged_recommender: Recommender) -> Recommender:
    """Every test here reads the constructed query log: a copy of it, not written anew."""
    return logged_recommender


@pytest.fixture
def web(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator[TestClient]:
    recommender.registry.create(
        Replication(
            id="stunting-iota-di-sleman",
            innovation_id="stunting-iota",
            government="Kab. Sleman",
            status="berjalan",
            level="kabupaten",
            province="DI Yogyakarta",
            year=2024,
        )
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        encoder="hashing-256",
        api_keys=f"{ANALYST}:analytics,{WRITER}:write+registry",
        log_retention_days=3650,
    )
    with app_pool.serve(settings, recommender) as client:
        yield client


@pytest.fixture
def team(web: TestClient) -> TestClient:
    response = web.post("/nasional/masuk", data={"key": ANALYST}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/nasional"
    return web


def test_without_a_session_the_page_asks_for_the_key_and_shows_no_query(web: TestClient) -> None:
    response = web.get("/nasional", params=MARCH)
    assert response.status_code == 200
    assert 'name="key"' in response.text and 'type="password"' in response.text
    assert STUNTING[0] not in response.text and "<svg" not in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize(
    ("key", "status", "words"),
    [("salah", 401, "tidak dikenal"), ("", 401, "tidak dikenal"), (WRITER, 403, "izin “analytics”")],
)
def test_a_wrong_key_gets_the_form_again_with_an_indonesian_error(
    web: TestClient, key: str, status: int, words: str
) -> None:
    response = web.post("/nasional/masuk", data={"key": key}, follow_redirects=False)
    assert response.status_code == status
    assert words in response.text and 'name="key"' in response.text
    assert session.COOKIE not in response.cookies


def test_the_filters_of_a_shared_link_survive_the_login(web: TestClient) -> None:
    form = web.get("/nasional", params={**MARCH, "province": "Papua"}).text
    action = "/nasional/masuk?from=2025-03-01&amp;to=2025-03-31&amp;province=Papua"
    assert f'action="{action}"' in form
    response = web.post(action.replace("&amp;", "&"), data={"key": ANALYST}, follow_redirects=False)
    assert response.headers["location"] == "/nasional?from=2025-03-01&to=2025-03-31&province=Papua"


def test_the_session_cookie_is_signed_httponly_strict_and_holds_no_key(web: TestClient) -> None:
    response = web.post("/nasional/masuk", data={"key": ANALYST}, follow_redirects=False)
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/nasional" in header
    assert f"Max-Age={8 * 3600}" in header
    assert ANALYST not in header and session.COOKIE in header


def test_the_page_shows_themes_demand_gaps_duplicates_and_the_registry(team: TestClient) -> None:
    response = team.get("/nasional", params=MARCH)
    assert response.status_code == 200, response.text
    page = response.text
    assert response.headers["cache-control"] == "no-store"
    for heading in (
        "Tema masalah yang berulang",
        "Inovasi paling dicari",
        "Celah inovasi",
        "Inovasi kembar",
        "Registri replikasi",
    ):
        assert heading in page
    assert page.count("<svg") >= 3 + 4  # weekly, themes, demand, one trend per theme
    assert "<polyline" in page and "<rect" in page
    assert '<a href="/inovasi/stunting-iota">' in page
    assert "<strong>24</strong> pertanyaan" in page and "<strong>8</strong> pertanyaan" in page
    assert any(g in page for g in GAP)  # the gap's example problems, behind the session
    assert '<a href="/inovasi/psc-119-beta">' in page and "Kab. Sleman" in page
    assert "rincian disembunyikan" in page  # the two-query flood theme
    assert "<script>" not in page.split("</head>")[1]


def test_filters_narrow_the_page(team: TestClient) -> None:
    papua = team.get("/nasional", params={**MARCH, "province": "Papua"}).text
    assert "<strong>2</strong> pertanyaan" in papua and "<strong>24</strong>" not in papua
    assert '<option value="Papua" selected>' in papua
    before = team.get("/nasional", params={"from": "2020-01-01", "to": "2020-12-31"}).text
    assert "Belum ada masalah yang berulang" in before
    kota = team.get("/nasional", params={**MARCH, "level": "kota"}).text
    assert '<option value="kota" selected>' in kota


def test_the_province_filter_lists_the_provinces_as_the_planner_form_does(team: TestClient) -> None:
    """Alphabetically, the 38 of recommender/adapters/regions.py; a chosen unknown one last."""
    page = team.get("/nasional", params={**MARCH, "province": "Atlantis"}).text
    select = page.split('<select id="province"', 1)[1].split("</select>", 1)[0]
    offered = re.findall(r'<option value="([^"]*)"', select)
    assert offered == ["", *sorted(PROVINCES, key=str.casefold), "Atlantis"]


@pytest.mark.parametrize(
    ("params", "control", "words"),
    [
        ({"from": "2025-02-30"}, "from", "“Dari tanggal”: tulis tanggal"),
        ({"to": "maret"}, "to", "“Sampai tanggal”"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "from", "tidak boleh sesudah"),
        ({"level": "desa"}, "level", "Tingkat pemerintahan"),
    ],
)
def test_a_bad_filter_is_a_422_with_an_indonesian_message_beside_it(
    team: TestClient, params: dict[str, str], control: str, words: str
) -> None:
    response = team.get("/nasional", params=params)
    assert response.status_code == 422
    assert words in response.text
    assert f'id="{control}" name="{control}"' in response.text
    assert 'aria-invalid="true"' in response.text and "<svg" not in response.text
    download = team.get("/nasional/unduh/tema.csv", params=params)
    assert download.status_code == 422 and words in download.text


def test_a_tampered_or_expired_cookie_means_logging_in_again(team: TestClient) -> None:
    good = team.cookies[session.COOKIE]
    expires, mark, signature = good.split(".")
    for forged in (
        f"{int(expires) + 3600}.{mark}.{signature}",
        f"{expires}.{mark}.{'0' * 64}",
        "nonsense",
        f"1.{mark}.{signature}",
    ):
        team.cookies.clear()
        sent = {"Cookie": f"{session.COOKIE}={forged}"}
        response = team.get("/nasional", params=MARCH, headers=sent)
        assert "Sesi Anda berakhir atau tidak sah" in response.text, forged
        assert STUNTING[0] not in response.text and 'name="key"' in response.text
        assert team.get("/nasional/unduh/tema.csv", headers=sent).status_code == 401

    secret = session.load_secret(Path(team.app.state.settings.data_dir))  # type: ignore[attr-defined]
    for stale in (
        session.issue(secret, hash_key(ANALYST), now=0),  # expired in 1970
        session.issue(secret, hash_key(WRITER)),
    ):  # a key without the scope
        team.cookies.clear()
        response = team.get("/nasional", headers={"Cookie": f"{session.COOKIE}={stale}"})
        assert "Sesi Anda berakhir atau tidak sah" in response.text
    fresh = session.issue(secret, hash_key(ANALYST))
    team.cookies.clear()
    response = team.get("/nasional", headers={"Cookie": f"{session.COOKIE}={fresh}"})
    assert "Tema masalah yang berulang" in response.text


def test_logging_out_ends_the_session(team: TestClient) -> None:
    response = team.post("/nasional/keluar", follow_redirects=False)
    assert response.status_code == 303 and session.COOKIE in response.headers["set-cookie"]
    assert 'name="key"' in team.get("/nasional").text


def test_a_removed_key_or_scope_ends_its_sessions(team: TestClient) -> None:
    state = team.app.state  # type: ignore[attr-defined]
    state.key_hashes = {hash_key(ANALYST): frozenset({"write"})}
    assert 'name="key"' in team.get("/nasional", params=MARCH).text
    state.key_hashes = {}
    assert 'name="key"' in team.get("/nasional", params=MARCH).text


def _rows(response_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response_text)))


def test_every_table_downloads_as_csv_with_the_filters(team: TestClient) -> None:
    for table in ("tema", "inovasi", "celah", "duplikat", "replikasi"):
        response = team.get(f"/nasional/unduh/{table}.csv", params=MARCH)
        assert response.status_code == 200, table
        assert response.headers["content-type"].startswith("text/csv")
        assert f'filename="nasional-{table}.csv"' in response.headers["content-disposition"]
        assert _rows(response.text), table
    themes = _rows(team.get("/nasional/unduh/tema.csv", params=MARCH).text)
    assert [r["jumlah pertanyaan"] for r in themes] == ["24", "12", "8", "2"]
    papua = _rows(team.get("/nasional/unduh/tema.csv", params={**MARCH, "province": "Papua"}).text)
    assert [r["jumlah pertanyaan"] for r in papua] == ["2"]
    [gap] = _rows(team.get("/nasional/unduh/celah.csv", params=MARCH).text)
    assert gap["porsi tanpa kecocokan"] == "1.0"
    registry = _rows(team.get("/nasional/unduh/replikasi.csv").text)
    assert "Kab. Sleman" in [r["pemerintah"] for r in registry]
    jogja = _rows(team.get("/nasional/unduh/replikasi.csv", params={"province": "DI Yogyakarta"}).text)
    assert [r["pemerintah"] for r in jogja] == ["Kab. Sleman"]
    assert team.get("/nasional/unduh/rahasia.csv").status_code == 404


def test_downloads_need_the_session(web: TestClient) -> None:
    response = web.get(
        "/nasional/unduh/tema.csv", params=MARCH, headers={"Authorization": f"Bearer {ANALYST}"}
    )
    assert response.status_code == 401 and STUNTING[0] not in response.text


def test_csv_cells_never_start_a_formula(team: TestClient, recommender: Recommender) -> None:
    recommender.registry.create(
        Replication(
            id="jahat",
            innovation_id="stunting-iota",
            government='=HYPERLINK("x")',
            status="direncanakan",
            note="+1",
        )
    )
    rows = _rows(team.get("/nasional/unduh/replikasi.csv").text)
    evil = next(r for r in rows if r["id"] == "jahat")
    assert evil["pemerintah"] == '\'=HYPERLINK("x")' and evil["catatan"] == "'+1"


def test_the_registry_lists_the_latest_written_first(
    team: TestClient, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("recommender.registry.utc_now", lambda: "2999-01-01T00:00:00Z")
    recommender.registry.create(
        Replication(
            id="aaa-baru",
            innovation_id="ktp-keliling-kappa",
            government="Kota Baru Sekali",
            status="direncanakan",
            level="kota",
            province="DI Yogyakarta",
        )
    )
    page = team.get("/nasional", params={"province": "DI Yogyakarta"}).text
    registry = page.split('id="judul-replikasi"')[1]
    assert registry.index("Kota Baru Sekali") < registry.index("Kab. Sleman")
    assert [
        r.id for r in recommender.registry.latest(RegistryFilters(province="di yogyakarta"), limit=1)
    ] == ["aaa-baru"]


def test_another_site_can_neither_sign_a_browser_in_nor_out(web: TestClient) -> None:
    for path in ("/nasional/masuk", "/nasional/keluar"):
        response = web.post(
            path,
            data={"key": ANALYST},
            headers={"Origin": "https://elsewhere.example"},
            follow_redirects=False,
        )
        assert response.status_code == 403 and session.COOKIE not in response.cookies
