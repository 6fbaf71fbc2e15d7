import numpy as np

from scripts.fit_no_match import Row, choose_threshold, cross_validated


def _rows() -> list[Row]:
    """40 judged queries and 20 gaps whose signals overlap, so the trade-off is real."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(60):
        judged = i < 40
        cosine = float(rng.normal(0.45 if judged else 0.3, 0.08))
        coverage = float(rng.normal(0.5 if judged else 0.25, 0.15))
        signals = {"dense_cosine": cosine, "idf_coverage": coverage, "english": 0.0}
        rows.append(Row(f"q{i}", "judged" if judged else "gap", signals, judged))
    return rows


def test_the_threshold_is_the_highest_whose_judged_flags_stay_within_one_in_ten() -> None:
    rows = _rows()
    chosen = choose_threshold(rows)
    step = round(chosen + 0.01, 2)
    curve = {p["threshold"]: p for p in cross_validated(rows, thresholds=(chosen, step))["curve"]}
    assert curve[chosen]["flagged"]["judged"] <= 40 / 10 < curve[step]["flagged"]["judged"]


def test_the_report_curve_holds_the_shipped_threshold() -> None:
    figures = cross_validated(_rows(), thresholds=(0.2, 0.5), shipped=0.37)
    assert figures["threshold"] == 0.37
    assert [p["threshold"] for p in figures["curve"]] == [0.2, 0.37, 0.5]
