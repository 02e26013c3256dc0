import pytest

from screening.formats.medline import parse_medline
from screening.formats.record import ImportFormatError

RECORD = """
PMID- 29657938
OWN - NLM
STAT- PubMed-not-MEDLINE
DP  - 2018
TI  - Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its
      Anti-Propionibacterium acne Effects.
LID - 53 
AB  - BACKGROUND: Antirrhinum majus contains aurone.
FAU - Shahtalebi, Mohammad Ali
AU  - Shahtalebi MA
FAU - Asghari, Gholam Reza
AU  - Asghari GR
LA  - eng
PT  - Journal Article
TA  - Adv Biomed Res
JT  - Advanced biomedical research
IS  - 2277-9175 (Print)
IS  - 2277-9175 (Linking)
VI  - 7
PG  - 53
OT  - Acne
OT  - blue light
MH  - Humans
AID - 10.4103/abr.abr_99_17 [doi]
AID - ABR-7-53 [pii]
PMC - PMC5887696
XYZ - invented tag
"""


def test_it_reads_a_citation_manager_record(parse_text):
    [record] = parse_text(parse_medline, RECORD)
    assert record.pmid == "29657938"
    assert record.title == (
        "Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its "
        "Anti-Propionibacterium acne Effects."
    )
    assert record.authors == ("Shahtalebi, Mohammad Ali", "Asghari, Gholam Reza")
    assert record.year == 2018
    assert record.journal == "Advanced biomedical research"
    assert (record.volume, record.pages) == ("7", "53")
    assert record.issn == ("2277-9175",)
    assert record.keywords == ("Acne", "blue light")
    assert record.subject_terms == ("Humans",)
    assert record.pmcid == "PMC5887696"
    assert record.publication_type == "Journal Article"
    assert record.line == 2


def test_it_reads_doi_from_aid_tag_and_not_from_an_elocator_lid(parse_text):
    [record] = parse_text(parse_medline, RECORD)
    assert record.doi == "10.4103/abr.abr_99_17"


def test_it_reports_tags_pubmed_does_not_document(parse_text):
    [record] = parse_text(parse_medline, RECORD)
    assert ("unknown_tag", "XYZ") in record.extra
    assert ("unknown_tag", "OWN") not in record.extra


def test_it_starts_a_new_record_at_each_pmid_with_or_without_blank_lines(parse_text):
    text = "PMID- 1\r\nTI  - One\r\nPMID- 2\r\nTI  - Two\r\n\r\nPMID- 3\r\nTI  - Three\r\n"
    records = parse_text(parse_medline, text)
    assert [(r.pmid, r.title, r.line) for r in records] == [("1", "One", 1), ("2", "Two", 3), ("3", "Three", 6)]


def test_it_falls_back_to_short_author_names_and_adds_group_authors(parse_text):
    [record] = parse_text(parse_medline, "PMID- 1\nAU  - Smith J\nCN  - COVID Study Group\n")
    assert record.authors == ("Smith J", "COVID Study Group")


@pytest.mark.parametrize("text", ["", "TY  - JOUR\nTI  - RIS, not MEDLINE\nER  - \n", "PMID 123\n"])
def test_it_raises_when_there_is_no_pmid_line(text, parse_text):
    with pytest.raises(ImportFormatError, match="expected MEDLINE records"):
        parse_text(parse_medline, text)
