"""The txtai comparison times the systems in turns, so a busy moment weighs on both alike."""

from __future__ import annotations

import pytest

from scripts import compare_txtai


def test_systems_take_turns_on_every_query_with_the_order_alternating() -> None:
    calls: list[tuple[str, str]] = []
    first = lambda text: calls.append(("a", text))  # noqa: E731
    second = lambda text: calls.append(("b", text))  # noqa: E731
    times = compare_txtai.interleaved_ms([first, second], ["q1", "q2", "q3"])
    assert [len(t) for t in times] == [3, 3]
    # One warm-up call each, then a, b on even texts and b, a on odd ones.
    assert calls == [
        ("a", "q1"),
        ("b", "q1"),
        ("a", "q1"),
        ("b", "q1"),
        ("b", "q2"),
        ("a", "q2"),
        ("a", "q3"),
        ("b", "q3"),
    ]


@pytest.mark.heavy
def test_replikasi_alone_prints_its_row(capsys) -> None:
    assert (
        compare_txtai.main(
            ["--size", "40", "--encoder", "hashing-256", "--queries", "4", "--only", "replikasi"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "| Replikasi |" in out and "40 innovations" in out and "taking turns" in out
