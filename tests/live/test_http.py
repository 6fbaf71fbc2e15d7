"""The served app over real HTTP with the real model on the bundled catalogue."""

import httpx


def test_a_real_problem_gets_the_emergency_call_innovations(live_server: str) -> None:
    body = {"problem": "Ambulans sering terlambat datang ketika ada warga yang gawat darurat", "limit": 10}
    response = httpx.post(f"{live_server}/v1/recommendations", json=body, timeout=30)
    assert response.status_code == 200
    data = response.json()
    top3 = [m["id"] for m in data["matches"][:3]]
    assert any("119" in i or "psc" in i for i in top3), top3
    assert data["matches"][0]["matched_terms"]
    assert response.headers["x-request-id"]


def test_a_write_without_a_key_is_refused(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/innovations", json={}, timeout=10)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]
