import pytest

from screening.formats.endnote_xml import parse_endnote_xml
from screening.formats.record import ImportFormatError

RECORD_COUNTS = [
    ("endnote-xml/RefLib__blue-light.xml", 102),
    ("endnote-xml/RefLib__SpiderCite_demo.xml", 10),
    ("endnote-xml/RefLib__Dump-Converted_test.xml", 25),
]


@pytest.mark.parametrize(("relative", "expected"), RECORD_COUNTS)
def test_it_reads_every_record_of_each_endnote_file(parse_export, relative, expected):
    records = parse_export(parse_endnote_xml, relative)
    assert len(records) == expected
    assert all(record.title for record in records)


def test_it_reads_a_blue_light_record_field_by_field(parse_export):
    record = parse_export(parse_endnote_xml, "endnote-xml/RefLib__blue-light.xml")[0]
    assert record.title.startswith("Formulation of Herbal Gel of Antirrhinum majus Extract")
    assert record.abstract.startswith("BACKGROUND: Antirrhinum majus contains aurone")
    assert record.authors == (
        "Shahtalebi, M. A.", "Asghari, G. R.", "Rahmani, F.", "Shafiee, F.", "Jahanian-Najafabadi, A.",
    )
    assert record.year == 2018
    assert record.journal == "Adv Biomed Res"
    assert (record.volume, record.issue, record.pages) == ("7", "", "53")
    assert record.doi == "10.4103/abr.abr_99_17"
    assert record.pmid == "29657938"
    assert record.pmcid == "PMC5887696"
    assert record.issn == ("2277-9175",)
    assert record.keywords == ("Acne", "Antirrhinum majus", "Propionibacterium acnes", "blue light")
    assert record.language == "eng"
    assert record.publication_type == "Journal Article"
    assert record.id_in_file == "895"
    assert record.line == 1  # EndNote writes the whole file on one line
    assert record.raw.startswith("<record>")


def test_it_reads_through_style_wrappers_on_every_text_node(parse_export):
    record = parse_export(parse_endnote_xml, "endnote-xml/RefLib__SpiderCite_demo.xml")[0]
    assert record.authors[0] == "Antoniou, C."
    assert record.journal == "Int J Dermatol"
    assert record.pages == "1321-1328"
    assert "style" not in record.title


def test_it_finds_doi_and_pmid_wherever_the_file_carries_them(parse_export):
    records = parse_export(parse_endnote_xml, "endnote-xml/RefLib__blue-light.xml")
    assert sum(bool(record.doi) for record in records) == 72
    assert sum(bool(record.pmid) for record in records) == 102
    assert sum(bool(record.abstract) for record in records) == 98


def test_it_tells_pmids_from_other_accession_numbers(parse_export):
    records = parse_export(parse_endnote_xml, "endnote-xml/RefLib__Dump-Converted_test.xml")
    medline = [record for record in records if record.database == "MEDLINE"]
    assert len(medline) == 19 and all(record.pmid.isdigit() for record in medline)
    others = [record for record in records if record.database != "MEDLINE"]
    assert len(others) == 6 and all(record.pmid == "" for record in others)


@pytest.mark.parametrize(
    ("database", "pmid", "identifiers"),
    [
        ("<remote-database-provider>NLM</remote-database-provider>", "123", ()),
        ("<remote-database-name>cin20</remote-database-name>", "", (("cinahl", "123"),)),
        ("<remote-database-name>Embase</remote-database-name>", "", (("embase", "123"),)),
        ("<remote-database-name>PHIL</remote-database-name>", "", (("accession", "123"),)),
    ],
)
def test_it_names_the_accession_number_after_its_database(parse_text, database, pmid, identifiers):
    text = (
        "<xml><records><record><titles><title>T</title></titles>"
        f"<accession-num>123</accession-num>{database}</record></records></xml>"
    )
    [record] = parse_text(parse_endnote_xml, text)
    assert (record.pmid, record.identifiers) == (pmid, identifiers)


def test_it_reads_a_doi_given_as_a_url(parse_export):
    records = parse_export(parse_endnote_xml, "endnote-xml/RefLib__Dump-Converted_test.xml")
    assert "10.1186/s40504-020-00106-2" in {record.doi for record in records}


def test_it_takes_the_first_of_several_languages(parse_text):
    text = (
        "<xml><records><record><titles><title>T</title></titles>"
        "<language>eng&#xD;ger</language></record></records></xml>"
    )
    [record] = parse_text(parse_endnote_xml, text)
    assert record.language == "eng"


@pytest.mark.parametrize(
    "text",
    ["", "<PubmedArticleSet/>", "<xml><records><record><title>cut off"],
)
def test_it_rejects_what_is_not_endnote_xml(parse_text, text):
    with pytest.raises(ImportFormatError):
        parse_text(parse_endnote_xml, text)
