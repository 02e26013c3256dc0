from screening.formats.record import ParsedRecord
from screening.formats.report import build_check_report


def test_it_counts_records_and_field_coverage():
    report = build_check_report([
        ParsedRecord(title="A", abstract="x", year=2020, doi="10.1/a", line=1),
        ParsedRecord(title="B", authors=("Smith, J",), line=9),
    ])
    assert report.record_count == 2
    assert (report.covered("title"), report.covered("abstract"), report.covered("authors")) == (2, 1, 1)
    assert report.covered("doi") == 1 and report.covered("pmid") == 0
    assert report.percent("abstract") == 50.0
    assert report.warnings == ()


def test_it_lists_the_lines_of_records_without_a_title():
    report = build_check_report([ParsedRecord(line=5), ParsedRecord(title="T", line=9), ParsedRecord(line=14)])
    [warning] = report.warnings_of("no_title")
    assert warning.lines == (5, 14)
    assert warning.message == "2 record(s) without a title (lines 5, 14)"


def test_it_warns_about_dois_and_pmids_repeated_within_the_file():
    report = build_check_report([
        ParsedRecord(title="A", doi="10.1/a", pmid="1", line=1),
        ParsedRecord(title="B", doi="10.1/a", pmid="2", line=20),
        ParsedRecord(title="C", doi="10.1/c", pmid="2", line=40),
    ])
    [doi_warning] = report.warnings_of("repeated_doi")
    [pmid_warning] = report.warnings_of("repeated_pmid")
    assert doi_warning.lines == (1, 20) and "10.1/a" in doi_warning.message
    assert pmid_warning.lines == (20, 40) and "PMID 2" in pmid_warning.message


def test_it_warns_when_the_count_disagrees_with_the_files_own_header():
    records = [ParsedRecord(title="A"), ParsedRecord(title="B"), ParsedRecord(title="C")]
    assert build_check_report(records, declared_count=3).warnings_of("count_mismatch") == ()
    [warning] = build_check_report(records, declared_count=18).warnings_of("count_mismatch")
    assert warning.message == "the file says it holds 18 records, 3 were read"


def test_it_aggregates_unknown_tags_and_passes_parser_warnings_on():
    report = build_check_report([
        ParsedRecord(title="A", extra=(("unknown_tag", "NS"), ("warning", "no ER")), line=3),
        ParsedRecord(title="B", extra=(("unknown_tag", "NS"),), line=8),
    ])
    [unknown] = report.warnings_of("unknown_tag")
    assert "'NS'" in unknown.message and "2 record(s)" in unknown.message
    [parser_warning] = report.warnings_of("parser")
    assert (parser_warning.message, parser_warning.lines) == ("no ER", (3,))


def test_it_caps_the_listed_lines():
    report = build_check_report(ParsedRecord(line=n) for n in range(1, 26))
    [warning] = report.warnings_of("no_title")
    assert warning.message.endswith("10 and 15 more)") and len(warning.lines) == 25


def test_an_empty_file_has_zero_coverage():
    report = build_check_report([])
    assert (report.record_count, report.percent("title")) == (0, 0.0)
