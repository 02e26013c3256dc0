"""Embase.com CSV in the fields-by-row layout: recognised by its first column of field labels,
whatever the width of its rows, and read record by record."""
import csv
import io

import pytest

from screening.formats import open_export
from screening.formats.csvfiles import parse_embase_csv_rows
from screening.formats.detect import detect_format
from screening.formats.record import ImportFormatError

PREAMBLE = ('"SEARCH QUERY","(\'dinosaur\':ti OR \'fossil\':ti) AND [2024]/py"\n'
            '-------------------------------------\n\n')


def embase_rows(records: list[dict[str, list[str]]], *, preamble: str = PREAMBLE, blank_between: bool = True,
                line_end: str = "\n") -> str:
    """Write records the way Embase.com writes "fields by row": LABEL, then one cell per value."""
    out = io.StringIO()
    out.write(preamble.replace("\n", line_end))
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator=line_end)
    for record in records:
        for label, values in record.items():
            writer.writerow([label, *values])
        if blank_between:
            out.write(line_end)
    return out.getvalue()


def a_record(number: int, authors: int = 7) -> dict[str, list[str]]:
    return {
        "TITLE": [f"Bone histology of sauropod number {number}"],
        "AUTHOR NAMES": [f"Author{index} A." for index in range(authors)],
        "AUTHOR ADDRESSES": [f"(Author{index} A.) University {index}, City" for index in range(authors)],
        "SOURCE": [f"Nature Communications (2024) 15:1 Article Number: {4000 + number}. "
                   "Date of Publication: 1 Dec 2024"],
        "PUBLICATION YEAR": ["2024"],
        "ABSTRACT": [f"We describe specimen {number}.\n\nIt has two paragraphs."],
        "EMTREE MEDICAL INDEX TERMS": ["dinosaur", "bone (histology, anatomy)", "fossil"],
        "MEDLINE PMID": [str(38000000 + number)],
        "DOI": [f"10.1038/s41467-024-{number:05d}"],
        "EMBASE ACCESSION ID": [f"L20{number:08d}"],
        "COPYRIGHT": ["Copyright 2024 Elsevier B.V., All rights reserved."],
    }


def read(text: str) -> list:
    return list(open_export(io.BytesIO(text.encode("utf-8")), filename="embase.csv").records())


def test_rows_with_one_cell_per_author_are_the_row_layout_not_a_generic_table():
    text = embase_rows([a_record(1, authors=40), a_record(2, authors=3)])
    assert detect_format(text) == "embase_csv_rows"
    first, second = read(text)
    assert len(first.authors) == 40 and first.authors[:2] == ("Author0 A.", "Author1 A.")
    assert second.authors == ("Author0 A.", "Author1 A.", "Author2 A.")


def test_each_field_of_a_record_lands_where_the_column_layout_puts_it():
    (record,) = read(embase_rows([a_record(7)]))
    assert record.title == "Bone histology of sauropod number 7"
    assert (record.journal, record.volume, record.issue, record.year, record.pages) == (
        "Nature Communications", "15", "1", 2024, "4007")
    assert record.pmid == "38000007" and record.doi == "10.1038/s41467-024-00007"
    assert record.subject_terms == ("dinosaur", "bone (histology, anatomy)", "fossil")
    assert record.abstract.startswith("We describe specimen 7.")
    assert ("embase_accession", "L2000000007") in record.identifiers
    assert record.database == "Embase"


def test_the_search_query_block_is_skipped_and_the_first_record_starts_after_it():
    (record,) = read(embase_rows([a_record(1)]))
    assert record.line == 4


def test_a_search_query_block_of_several_rows_is_skipped():
    preamble = '"SEARCH QUERY","#1 AND #2"\n"DATE","2024-12-01"\n"RESULTS","2"\n----------\n\n'
    text = embase_rows([a_record(1), a_record(2)], preamble=preamble)
    assert detect_format(text) == "embase_csv_rows"
    assert [record.pmid for record in read(text)] == ["38000001", "38000002"]


def test_a_file_without_a_preamble_nor_blank_rows_still_splits_at_each_title():
    text = embase_rows([a_record(number) for number in range(3)], preamble="", blank_between=False)
    assert detect_format(text) == "embase_csv_rows"
    assert [record.title[-1] for record in read(text)] == ["0", "1", "2"]


def test_crlf_line_ends_are_read_alike():
    records = read(embase_rows([a_record(1), a_record(2)], line_end="\r\n"))
    assert [record.pmid for record in records] == ["38000001", "38000002"]
    assert "\r" not in records[0].title


def test_one_record_is_one_record():
    assert len(read(embase_rows([a_record(1)]))) == 1


def test_hundreds_of_records_read_to_their_exact_count():
    records = read(embase_rows([a_record(number) for number in range(437)]))
    assert len(records) == 437
    assert records[-1].pmid == "38000436"


def test_lower_case_labels_of_the_column_layout_header_stay_the_column_layout():
    header = ('"Title","Original Title","Author Names","Source","Abstract"\n'
              '"A title","","Liu R., Adler D.G.","Gut","x"\n')
    assert detect_format(header) == "embase_csv"


@pytest.mark.parametrize(
    "text",
    [
        '"TITLE","Not a label: a plain two-column table"\n"Some value","other"\n',
        "TITLE,NOTES\nA study,reviewed\n",
    ],
)
def test_a_table_whose_first_column_is_not_a_column_of_labels_is_not_the_row_layout(text):
    assert detect_format(text) != "embase_csv_rows"


def test_a_file_with_no_title_row_says_so(parse_text):
    with pytest.raises(ImportFormatError, match="no TITLE row"):
        parse_text(parse_embase_csv_rows, '"SEARCH QUERY","x"\n"AUTHOR NAMES","A."\n')
