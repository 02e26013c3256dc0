"""EndNote tagged text: real samples and our own read to their exact counts, field by field."""
from pathlib import Path

import pytest

from screening.formats import parse_file
from screening.formats.detect import detect_format
from screening.formats.endnote_tagged import parse_endnote_tagged
from screening.formats.record import ImportFormatError

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("name", "count"),
    [("citation-js_plugin-enw.enw", 3), ("endnote_desktop_pubmed.enw", 2), ("zotero_refer.txt", 3),
     ("google_scholar.enw", 1)],
)
def test_each_sample_is_detected_and_read_to_its_exact_count(name, count):
    path = SAMPLES / name
    assert detect_format(path.read_text(encoding="utf-8-sig")) == "endnote_tagged"
    assert len(parse_file(path)) == count


def test_a_hal_record_keeps_its_authors_language_and_url():
    hal, pericles, oxford = parse_file(SAMPLES / "citation-js_plugin-enw.enw")
    assert hal.authors == ("GPT", "Osmanovic Thunström, Almira", "Steingrimsson, Steinn")
    assert (hal.year, hal.language, hal.publication_type) == (2022, "English", "Unpublished work")
    assert hal.urls[0] == "https://hal.archives-ouvertes.fr/hal-03701250"
    assert (hal.line, pericles.line, oxford.line) == (1, 19, 35)
    assert pericles.doi == "10.1111/apm.12778"
    assert (pericles.journal, pericles.volume, pericles.issue, pericles.pages) == ("APMIS", "126", "1", "65-75")
    assert pericles.issn == ("0903-4641",)
    assert oxford.journal == "Monthly Notices of the Royal Astronomical Society"


def test_an_endnote_desktop_record_reads_its_pmid_wrapped_abstract_and_keyword_lines():
    first, second = parse_file(SAMPLES / "endnote_desktop_pubmed.enw")
    assert first.title == "Phototherapy in the treatment of acne vulgaris: what is its role?"
    assert first.pmid == "15301568" and second.pmid == "25388823"
    assert first.abstract.endswith("manage this condition. %50 of trials were small.")
    assert first.keywords == ("Acne Vulgaris/*therapy", "Humans", "Phototherapy/*methods")
    assert first.database == "PubMed" and ("database_provider", "NLM") in first.extra
    assert second.pmcid == "PMC1234567"
    assert "\r" not in first.raw.replace("\r\n", "")


def test_records_without_blank_lines_between_them_split_at_each_reference_type():
    article, chapter, paper = parse_file(SAMPLES / "zotero_refer.txt")
    assert article.keywords == ("acne vulgaris", "blue light", "systematic review")
    assert chapter.journal == "Handbook of Dermatology" and chapter.publication_type == "Book Section"
    assert paper.authors == ("van de Schoot, Rens", "de Bruin, Jonathan")


def test_a_google_scholar_record_without_a_final_line_end_is_read():
    (record,) = parse_file(SAMPLES / "google_scholar.enw")
    assert record.journal == "Proceedings of the Annual Meeting on Evidence Synthesis"
    assert record.year == 2021


def test_text_before_the_first_tag_is_refused_naming_the_line(parse_text):
    with pytest.raises(ImportFormatError, match=r"test.txt, line 2: expected a tag such as '%0 '"):
        parse_text(parse_endnote_tagged, "\nJust a note\n%0 Journal Article\n%T x\n")


def test_a_file_with_no_record_says_so(parse_text):
    with pytest.raises(ImportFormatError, match="found none"):
        parse_text(parse_endnote_tagged, "\n\n")


def test_a_writer_that_puts_authors_before_the_reference_type_still_gives_one_record_each(parse_text):
    text = "%A Doe, J\n%0 Journal Article\n%T One\n\n%A Roe, R\n%0 Journal Article\n%T Two\n"
    assert detect_format(text) == "endnote_tagged"
    assert [(r.title, r.authors) for r in parse_text(parse_endnote_tagged, text)] == [
        ("One", ("Doe, J",)), ("Two", ("Roe, R",))]
