import io

import pytest

from screening.formats import ImportFormatError, open_export
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
    report = build_check_report([ParsedRecord(abstract="Only an abstract.", line=n) for n in range(1, 26)])
    [warning] = report.warnings_of("no_title")
    assert warning.message.endswith("10 and 15 more)") and len(warning.lines) == 25


def test_an_empty_file_has_zero_coverage():
    report = build_check_report([])
    assert (report.record_count, report.percent("title")) == (0, 0.0)


def test_records_with_neither_title_nor_abstract_are_listed_as_nothing_to_screen():
    report = build_check_report([
        ParsedRecord(title="Blue light and sleep", line=1), ParsedRecord(abstract="Amber lenses at night.", line=9),
        ParsedRecord(authors=("Smith, A",), year=2020, doi="10.1000/x", line=17), ParsedRecord(line=25),
    ])
    [warning] = report.warnings_of("nothing_to_screen")
    assert warning.lines == (17, 25)
    assert warning.message == ("2 record(s) with neither a title nor an abstract, nothing a reviewer could screen "
                               "(lines 17, 25)")


@pytest.mark.parametrize("records", [
    [ParsedRecord(line=1)],  # 20 MB of junk after "TY  - " read as one empty record
    [ParsedRecord(authors=("Smith, A",), doi="10.1000/x", line=2), ParsedRecord(journal="Sleep Med", line=3)],
])
def test_a_file_none_of_whose_records_could_be_screened_is_refused(records):
    with pytest.raises(ImportFormatError) as refused:
        build_check_report(records, filename="junk.ris")
    assert str(refused.value).startswith(f"junk.ris, line {records[0].line}: none of the {len(records)} record(s) "
                                         "has a title or an abstract")


@pytest.mark.parametrize(("filename", "text"), [
    ("junk.ris", "TY  - " + "x7Qz" * 1_250_000 + "\nER  - \n"),  # one 5 MB line of junk after a tag
    ("pmids.nbib", "PMID- 31000001\nOWN - NLM\n\nPMID- 31000002\nOWN - NLM\n"),
    ("ids.csv", "ID,Title,DOI\n1,,10.1000/a\n2, ,10.1000/b\n"),  # the title column mapped, but empty
])
def test_an_export_of_records_without_title_or_abstract_is_refused_whatever_its_format(filename, text):
    export = open_export(io.BytesIO(text.encode()), filename=filename,
                         column_map={"title": "Title", "doi": "DOI"} if filename.endswith(".csv") else None)
    with pytest.raises(ImportFormatError, match=f"^{filename}, line \\d+: none of the \\d record\\(s\\) has a title"):
        build_check_report(export.records(), declared_count=export.declared_count, filename=filename)


def test_records_written_on_one_line_are_cited_by_record_number_not_line():
    # An EndNote XML export holds the whole file on line 1: "lines 1, 1, 1" would point nowhere.
    report = build_check_report([
        ParsedRecord(title="Blue light and sleep", doi="10.1000/a", line=1),
        ParsedRecord(abstract="Amber lenses at night.", line=1),
        ParsedRecord(title="Screens before bed", doi="10.1000/a", line=1),
        ParsedRecord(abstract="Melatonin and light.", line=1),
    ])
    [untitled] = report.warnings_of("no_title")
    assert untitled.message == "2 record(s) without a title (records 2, 4)"
    assert untitled.records == (2, 4)
    [doi] = report.warnings_of("repeated_doi")
    assert doi.message == "DOI 10.1000/a appears in 2 records (records 1, 3)"


def test_records_without_a_known_line_are_cited_by_record_number():
    report = build_check_report([ParsedRecord(title="A"), ParsedRecord(abstract="Only an abstract.")])
    [warning] = report.warnings_of("no_title")
    assert warning.message == "1 record(s) without a title (record 2)"


def test_records_on_lines_of_their_own_are_still_cited_by_line():
    report = build_check_report([ParsedRecord(title="A", line=1), ParsedRecord(abstract="x", line=12)])
    [warning] = report.warnings_of("no_title")
    assert warning.message == "1 record(s) without a title (line 12)" and warning.records == (2,)


def test_a_parser_warning_on_a_one_line_file_names_its_record():
    report = build_check_report([
        ParsedRecord(title="A", line=1), ParsedRecord(title="B", extra=(("warning", "no year"),), line=1),
    ])
    [warning] = report.warnings_of("parser")
    assert warning.records == (2,)


def test_the_tallies_of_two_halves_number_the_later_records_after_the_first():
    from screening.formats.report import CheckTally
    first, later = CheckTally(), CheckTally()
    first.add_all([ParsedRecord(title="A", line=1), ParsedRecord(abstract="x", line=1)])
    later.add_all([ParsedRecord(abstract="y", line=1), ParsedRecord(title="D", line=1)])
    first.merge(later)
    [warning] = first.report().warnings_of("no_title")
    assert warning.message == "2 record(s) without a title (records 2, 3)"


def test_the_tallies_of_two_halves_on_separate_lines_keep_lines():
    from screening.formats.report import CheckTally
    first, later = CheckTally(), CheckTally()
    first.add_all([ParsedRecord(title="A", line=1), ParsedRecord(abstract="x", line=9)])
    later.add_all([ParsedRecord(abstract="y", line=17), ParsedRecord(title="D", line=25)])
    first.merge(later)
    [warning] = first.report().warnings_of("no_title")
    assert warning.message == "2 record(s) without a title (lines 9, 17)" and warning.records == (2, 3)


def test_an_endnote_xml_file_cites_record_numbers(tmp_path):
    records = "".join(
        f"<record><ref-type name=\"Journal Article\">17</ref-type><titles>{title}</titles>"
        f"<abstract>Abstract {n}.</abstract></record>"
        for n, title in enumerate(["<title>Blue light</title>", "", "<title>Amber</title>", ""], start=1))
    content = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml><records>{records}</records></xml>".encode()
    export = open_export(io.BytesIO(content), filename="library.xml")
    assert export.format == "endnote_xml"
    report = build_check_report(export.records(), filename="library.xml")
    [warning] = report.warnings_of("no_title")
    assert warning.message == "2 record(s) without a title (records 2, 4)"
