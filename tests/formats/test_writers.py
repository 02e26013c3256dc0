import csv
import io

from screening.formats.record import ParsedRecord
from screening.formats.ris import parse_ris
from screening.formats.writers import CSV_COLUMNS, CSV_LIST_SEPARATOR, write_csv, write_ris

RECORD = ParsedRecord(
    title="Blue light for acne: a trial",
    abstract="BACKGROUND: one. RESULTS: two.",
    authors=("Shahtalebi, M. A.", "Asghari, G. R."),
    year=2018,
    journal="Advanced Biomedical Research",
    volume="7",
    issue="1",
    pages="53-60",
    doi="10.4103/abr.abr_99_17",
    pmid="29657938",
    pmcid="PMC5887696",
    identifiers=(("embase", "L2029880245"), ("wos", "WOS:000470000000001")),
    issn=("2277-9175",),
    keywords=("Acne", "blue light"),
    language="eng",
    publication_type="JOUR",
    urls=("https://example.org/a",),
    database="Embase",
    id_in_file="895",
)
ROUND_TRIP_FIELDS = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "pmcid", "identifiers", "issn", "keywords", "language", "publication_type", "urls", "database", "id_in_file",
)


def fields(record: ParsedRecord) -> dict:
    return {name: getattr(record, name) for name in ROUND_TRIP_FIELDS}


def test_ris_written_and_read_back_gives_the_same_fields():
    out = io.StringIO()
    assert write_ris([RECORD, ParsedRecord(title="Second")], out) == 2
    back = list(parse_ris(io.StringIO(out.getvalue(), newline=""), filename="out.ris"))
    assert fields(back[0]) == fields(RECORD)
    assert back[1].title == "Second"


def test_ris_keeps_a_non_ris_publication_type_in_m3_and_flattens_line_breaks():
    out = io.StringIO()
    write_ris([ParsedRecord(title="Line one\nER  - sneaky", publication_type="Journal Article")], out)
    [back] = parse_ris(io.StringIO(out.getvalue(), newline=""))
    assert back.title == "Line one ER - sneaky"
    assert ("M3", "Journal Article") in back.extra


def test_csv_has_a_header_and_one_row_per_record_with_lists_joined():
    out = io.StringIO(newline="")
    assert write_csv([RECORD], out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["authors"].split(CSV_LIST_SEPARATOR) == list(RECORD.authors)
    assert rows[0]["identifiers"] == "embase:L2029880245; wos:WOS:000470000000001"
    assert (rows[0]["year"], rows[0]["record_id"], rows[0]["doi"]) == ("2018", "895", RECORD.doi)
