"""Known problem -> innovation pairs with the real encoder on the bundled catalogue."""

import httpx
import pytest

EMERGENCY = {
    "des-psc-119-demak",
    "si-slamet-psc-119-batang",
    "psc-119-kabupaten-malang",
    "dws-jakarta-siaga-112",
    "119-kolaborasi-nasional-emergensi-medik",
}
BIRTH_CERTIFICATE = {
    "lahir-procot-pulang-bawa-akta-banyuwangi",
    "si-dukun-3in1-dki",
    "akte-kelahiran-jemput-bola-surakarta",
}


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("Ambulans lama sekali datang ketika warga mengalami kondisi gawat darurat di rumah", EMERGENCY),
        ("Emergency ambulances take too long to reach patients in our district", EMERGENCY),
        (
            "Banyak bayi yang baru lahir belum punya akta kelahiran karena orang tuanya malas "
            "mengurus ke kantor Dukcapil",
            BIRTH_CERTIFICATE,
        ),
        ("akta lahir bayi", BIRTH_CERTIFICATE),
    ],
)
def test_known_pairs_land_in_the_top_three(live_server: str, problem: str, expected: set[str]) -> None:
    response = httpx.post(
        f"{live_server}/v1/recommendations", json={"problem": problem, "limit": 3}, timeout=30
    )
    assert response.status_code == 200
    top3 = [m["id"] for m in response.json()["matches"]]
    assert expected & set(top3), top3


def test_a_problem_outside_the_catalogue_is_flagged_as_no_good_match(live_server: str) -> None:
    gap = "Kami ingin membangun observatorium astronomi untuk menarik wisatawan luar angkasa ke kota kami"
    fits = "Banyak bayi yang baru lahir belum punya akta kelahiran karena orang tuanya tidak mengurus"
    flags = {}
    for problem in (gap, fits):
        response = httpx.post(f"{live_server}/v1/recommendations", json={"problem": problem}, timeout=30)
        assert response.status_code == 200
        flags[problem] = response.json()["no_good_match"]
    assert flags == {gap: True, fits: False}
