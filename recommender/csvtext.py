"""CSV cell safety: formula neutralising for spreadsheets, safe export lines, and
unterminated-quote detection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

# A spreadsheet evaluates a cell starting with one of these as a formula (OWASP, "CSV
# Injection"); the export prefixes a quote. A cell starting with a quote gets one more, so the
# import can drop exactly one from any quote followed by one of these and round trips are exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPED_STARTS = (*FORMULA_STARTS, "'")
_TOKENS = {d: re.compile(r'\r\n|[\r\n"' + re.escape(d) + "]") for d in (",", ";")}
_START, _UNQUOTED, _QUOTED, _AFTER_QUOTE = range(4)


def neutralise(cell: str) -> str:
    """The cell as written to a CSV export: never starts a formula."""
    return "'" + cell if cell.startswith(ESCAPED_STARTS) else cell


def restore(cell: str) -> str:
    """Undo `neutralise`: one leading quote before a formula start or a quote is dropped."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(ESCAPED_STARTS) else cell


def export_cell(value: Any) -> Any:
    """A cell as an export writes it: None empty, text neutralised, numbers as they are."""
    return "" if value is None else neutralise(value) if isinstance(value, str) else value


def csv_lines(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> Iterator[str]:
    """A CSV export, one chunk a row after the header: ``fields`` in order, None as an empty
    cell, text cells neutralised, so the file imports back unchanged."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: export_cell(v) for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():  # the header of an empty export
        yield buffer.getvalue()


def unterminated_quote_line(text: str, delimiter: str = ",") -> int | None:
    """The 1-based line where a quoted field starts that no quote closes, or None.

    Follows the grammar of Python's csv reader (default dialect, non-strict): a quote opens a
    quoted field only at the start of a field, `""` inside one is a literal quote, and a quote
    inside an unquoted field is literal. Lines end at \\r\\n, \\r or \\n, as in the reader.
    """
    state, line, opened, end = _START, 1, 0, 0
    for token in _TOKENS[delimiter].finditer(text):
        if token.start() > end:  # ordinary characters before this token
            if state in (_START, _AFTER_QUOTE):
                state = _UNQUOTED
        end = token.end()
        char = token.group()
        if char == '"':
            if state == _START:
                state, opened = _QUOTED, line
            elif state == _QUOTED:
                state = _AFTER_QUOTE
            elif state == _AFTER_QUOTE:
                state = _QUOTED
        elif char == delimiter:
            if state != _QUOTED:
                state = _START
        else:
            line += 1
            if state != _QUOTED:
                state = _START
    return opened if state == _QUOTED else None
