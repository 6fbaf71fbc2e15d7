from recommender import markdown


def test_a_table_has_a_header_a_rule_and_a_line_per_row() -> None:
    lines = markdown.table(["name", "n", "share"], [["a", 1, "0.50"], ["b", 22, "1.00"]], right=(1,))
    assert lines == [
        "| name | n | share |",
        "|---|---:|---|",
        "| a | 1 | 0.50 |",
        "| b | 22 | 1.00 |",
    ]


def test_a_table_without_rows_keeps_its_header() -> None:
    assert markdown.table(["x"], []) == ["| x |", "|---|"]
