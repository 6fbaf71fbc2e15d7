"""scripts.measure_import prints the sector classifier's cross-validated accuracy and more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.measure_import import LAN_EXPORT, main

pytestmark = pytest.mark.heavy  # every test reads the LAN export


def test_it_prints_the_cross_validated_accuracy_and_duplicate_table(capsys) -> None:
    if not LAN_EXPORT.is_file():
        pytest.skip("../shared/data/lan/inovasi_lan.jsonl is not here")
    assert main([]) == 0
    out = capsys.readouterr().out
    accuracy = float(re.search(r"accuracy \*\*([0-9.]+)\*\*", out).group(1))
    assert 0.6 < accuracy < 1.0
    assert "| duplicate threshold | flagged | precision | recall |" in out


def test_a_missing_export_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["--lan", str(tmp_path / "none.jsonl")]) == 2
    assert "no LAN export" in capsys.readouterr().out
