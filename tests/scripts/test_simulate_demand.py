"""python -m scripts.simulate_demand on the tiny catalogue with the hashing encoder."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from recommender import analytics
from recommender.analytics import Period
from recommender.engine import Recommender
from recommender.workspace import open_recommender
from scripts.simulate_demand import REGIONS, draw_regions, main, plan, read_problems

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "demand_problems.txt"
END = dt.date(2025, 6, 29)  # a Sunday


def test_the_bundled_problems_file_is_readable_and_has_its_themes() -> None:
    problems = read_problems(BUNDLED)
    assert 35 <= len(problems) <= 60 and len(set(problems)) == len(problems)
    assert not any(p.startswith("#") for p in problems)


def test_jsonl_lines_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('# a comment\n{"problem": "Antrean KTP panjang"}\n\nSampah menumpuk\n', encoding="utf-8")
    assert read_problems(path) == ["Antrean KTP panjang", "Sampah menumpuk"]
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="p.jsonl:1"):
        read_problems(path)


def test_regions_are_distinct_province_and_level_pairs() -> None:
    regions = draw_regions(25, random.Random(1))
    assert len(set(regions)) == 25 and {lv for _, lv in regions} <= {"provinsi", "kabupaten", "kota"}
    assert len({p for p, _ in REGIONS}) == 38
    with pytest.raises(ValueError, match="--regions"):
        draw_regions(len(REGIONS) + 1, random.Random(1))


def test_the_plan_spreads_every_problem_over_the_weeks_and_regions() -> None:
    problems = [f"masalah {i}" for i in range(12)]
    regions = draw_regions(5, random.Random(2))
    asks = plan(problems, regions, weeks=4, end=END, rng=random.Random(3), asks=24)
    assert Counter(a.problem for a in asks) == dict.fromkeys(problems, 2)
    assert set(Counter((a.province, a.level) for a in asks).values()) <= {4, 5}
    days = {dt.date.fromisoformat(a.created_at[:10]) for a in asks}
    assert min(days) >= END - dt.timedelta(days=27) and max(days) <= END
    assert [a.created_at for a in asks] == sorted(a.created_at for a in asks)
    assert len({a.request_id for a in asks}) == 24
    again = plan(problems, regions, weeks=4, end=END, rng=random.Random(3), asks=24)
    assert again == asks  # the same seed, the same demand


def test_the_script_logs_like_the_api_and_feeds_the_analytics(
    tmp_path: Path, recommender: Recommender, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = recommender.catalogue.path.parent
    problems = tmp_path / "p.txt"
    problems.write_text(
        "\n".join(
            ["Balita stunting karena gizi buruk di desa"] * 6
            + ["Antrean KTP elektronik di Dukcapil panjang"] * 4
        ),
        encoding="utf-8",
    )
    assert recommender.catalogue.recommendation_log() == []
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "--problems",
            str(problems),
            "--regions",
            "5",
            "--weeks",
            "3",
            "--end",
            END.isoformat(),
            "--encoder",
            "hashing-256",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.startswith("logged 10 requests from 5 regions between ")
    log = recommender.catalogue.recommendation_log(limit=50)
    assert len(log) == 10 and {r["kind"] for r in log} == {"simulation"}
    assert len({(r["asker_province"], r["asker_level"]) for r in log}) == 5
    assert all(r["request_id"] and json.loads(r["results"]) for r in log)
    assert all(END - dt.timedelta(days=20) <= dt.date.fromisoformat(r["created_at"][:10]) <= END for r in log)
    reopened = open_recommender(data_dir, recommender.encoders, seed=None)
    reopened.ensure_index()
    themes = analytics.themes(reopened, Period.parse("2025-06-01", END.isoformat()))
    assert sorted(t["queries"] for t in themes) == [4, 6]


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    args = ["--data-dir", str(tmp_path / "d"), "--encoder", "hashing-256"]
    assert main([*args, "--problems", str(empty), "--regions", "3"]) == 2
    assert "no problems" in capsys.readouterr().err
    assert main([*args, "--problems", str(BUNDLED), "--regions", "0"]) == 2
    assert "--regions must be" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()  # refused before anything was opened
