"""POST /v1/innovations/{id}/interest: no key, validation, 404, the rate limit, analytics."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from recommender.engine import Recommender
from service.ratelimit import TokenBuckets
from service.settings import Settings
from tests.conftest import AppPool

KEY = "kunci-analis"
URL = "/v1/innovations/stunting-iota/interest"


@pytest.fixture
def api(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        encoder="hashing-256",
        api_keys=f"{KEY}:analytics",
        interest_burst=3,
        interest_refill_seconds=600,
    )
    with app_pool.serve(settings, recommender) as client:
        yield client


def test_a_mark_needs_no_key_and_is_counted(api: TestClient) -> None:
    response = api.post(URL, json={"asker_level": "kota", "asker_province": "jabar"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["asker_province"] == "Jawa Barat" and body["interest"] == 1
    assert api.post(URL).json()["interest"] == 2  # no body at all is a mark too


def test_bad_fields_are_named_and_unknown_innovations_404(api: TestClient) -> None:
    for body, field in (
        ({"asker_level": "desa"}, "asker_level"),
        ({"asker_province": "Atlantis"}, "asker_province"),
        ({"email": "a@b.id"}, "email"),
    ):
        response = api.post(URL, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert api.post("/v1/innovations/tidak-ada/interest").status_code == 404


def test_a_client_over_its_burst_gets_429_with_retry_after(api: TestClient) -> None:
    assert [api.post(URL).status_code for _ in range(3)] == [201] * 3
    refused = api.post(URL)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert refused.json()["errors"][0]["field"] == "interest"


def test_the_bucket_refills_and_keys_are_salted_hashes() -> None:
    now = [0.0]
    buckets = TokenBuckets(2, 10.0, clock=lambda: now[0])
    assert [buckets.take("10.0.0.1") for _ in range(2)] == [0.0, 0.0]
    assert buckets.take("10.0.0.1") == pytest.approx(10.0)
    assert buckets.take("10.0.0.2") == 0.0  # another client has its own bucket
    now[0] = 10.0
    assert buckets.take("10.0.0.1") == 0.0
    assert "10.0.0.1" not in buckets.key("10.0.0.1")
    assert buckets.key("10.0.0.1") != TokenBuckets(2, 10.0).key("10.0.0.1")


def test_no_address_is_stored(api: TestClient, tmp_path: Path) -> None:
    api.post(URL, json={"note": "kami ingin belajar"})
    with sqlite3.connect(tmp_path / "data" / "replikasi.sqlite3") as db:
        rows = db.execute("SELECT * FROM interest").fetchall()
    assert rows and not any("testclient" in str(v) for v in rows[0])


def test_analytics_innovations_show_the_marks(api: TestClient) -> None:
    api.post(URL, json={"asker_level": "kabupaten", "asker_province": "Aceh"})
    api.post(URL, json={"asker_level": "kota", "asker_province": "Bali"})
    auth = {"Authorization": f"Bearer {KEY}"}
    found = {i["id"]: i for i in api.get("/v1/analytics/innovations", headers=auth).json()["innovations"]}
    assert found["stunting-iota"]["interest"] == 2
    only_bali = api.get("/v1/analytics/innovations", headers=auth, params={"province": "Bali"}).json()[
        "innovations"
    ]
    assert [(i["id"], i["interest"]) for i in only_bali] == [("stunting-iota", 1)]


def test_the_route_is_documented_without_a_key(api: TestClient) -> None:
    operation = api.get("/openapi.json").json()["paths"][URL.replace("stunting-iota", "{innovation_id}")][
        "post"
    ]
    assert "security" not in operation
    assert {"201", "404", "422", "429"} <= set(operation["responses"])


# -- the card's button on the web page --------------------------------------------------------
PROBLEM = "balita stunting gizi buruk"
SEARCH = {"problem": PROBLEM, "asker_level": "kabupaten", "asker_province": "Aceh"}


def _back(html: str, key: str) -> str:
    card = html.split(f'id="inovasi-{key}"')[1]
    form = card.split('<form class="interest" method="post" action="')[1]
    assert form.startswith(f"/inovasi/{key}/minat")
    return unescape(form.split('name="back" value="')[1].split('"')[0])


def test_a_card_posts_interest_and_comes_back_to_the_same_results_with_thanks(
    api: TestClient, recommender: Recommender
) -> None:
    page = api.get("/", params=SEARCH)
    assert "Kami tertarik mereplikasi ini" in page.text and "Terima kasih" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    logged = len(recommender.catalogue.recommendation_log())
    posted = api.post(
        "/inovasi/stunting-iota/minat",
        data={"back": _back(page.text, "stunting-iota")},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    target = posted.headers["location"]
    assert target.startswith("/?") and target.endswith("#inovasi-stunting-iota")
    assert parse_qs(urlsplit(target).query) == {
        **{k: [v] for k, v in SEARCH.items()},
        "minat": ["stunting-iota"],
    }
    again = api.get(target.split("#")[0])
    card = again.text.split('id="inovasi-stunting-iota"')[1].split("</article>")[0]
    assert "Terima kasih, minat Anda sudah dicatat" in card
    assert again.text.count("Terima kasih") == 1
    assert len(recommender.catalogue.recommendation_log()) == logged  # the way back is not a query
    with sqlite3.connect(recommender.catalogue.path) as db:
        rows = db.execute("SELECT innovation_id, asker_level, asker_province FROM interest")
        assert rows.fetchall() == [("stunting-iota", "kabupaten", "Aceh")]


def test_the_web_form_is_limited_and_refuses_other_sites(api: TestClient) -> None:
    other = api.post(
        "/inovasi/stunting-iota/minat",
        data={"back": ""},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert other.status_code == 403
    assert [
        api.post("/inovasi/stunting-iota/minat", data={"back": ""}, follow_redirects=False).status_code
        for _ in range(3)
    ] == [303] * 3
    refused = api.post("/inovasi/stunting-iota/minat", data={"back": ""}, follow_redirects=False)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Coba lagi dalam" in refused.text


def test_the_web_form_names_bad_input_and_unknown_innovations(api: TestClient) -> None:
    bad = api.post("/inovasi/stunting-iota/minat", data={"back": "asker_province=Atlantis"})
    assert bad.status_code == 422 and "Provinsi Anda" in bad.text
    missing = api.post("/inovasi/tidak-ada/minat", data={"back": ""})
    assert missing.status_code == 404 and "tidak ada di katalog" in missing.text


@pytest.mark.parametrize("origin", ["https://elsewhere.example", "null"])
def test_no_page_elsewhere_can_make_a_browser_mark_interest(api: TestClient, origin: str) -> None:
    for path, kwargs in (
        ("/inovasi/stunting-iota/minat", {"data": {"back": ""}}),
        ("/v1/innovations/stunting-iota/interest", {}),
    ):
        response = api.post(path, headers={"Origin": origin}, follow_redirects=False, **kwargs)
        assert response.status_code == 403, (path, response.text)
    with sqlite3.connect(api.app.state.recommender.catalogue.path) as db:  # type: ignore[attr-defined]
        assert db.execute("SELECT count(*) FROM interest").fetchone() == (0,)
