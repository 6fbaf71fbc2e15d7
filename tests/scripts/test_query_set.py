"""Every quality script refuses a missing query set the same way, before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import evaluate, fit_fusion, fit_no_match, measure_kits


@pytest.mark.parametrize("script", [evaluate, fit_fusion, fit_no_match, measure_kits])
@pytest.mark.parametrize("option", ["--queries", "--qrels"])
def test_a_missing_query_set_file_is_named_and_exits_2(script, option, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nothing.jsonl"
    assert script.main([option, str(missing)]) == 2
    prog = script.__name__.rsplit(".", 1)[-1]
    assert capsys.readouterr().err.strip() == f"{prog}: error: no such file: {missing}"
