import pytest

from screening.formats.record import ImportFormatError
from screening.formats.ris import parse_ris

EBSCO_RECORD = """\
TY  - JOUR
T1  - Gambling harms
AU  - Smith, Ann
AU  - Jones, Bob
Y1  - 2021/06//
JF  - Journal of Gambling Studies
VL  - 37
IS  - 2
SP  - 401
EP  - 420
AB  - The real abstract.
AB  - Copyright of Journal of Gambling Studies is the property of Springer.
L3  - 10.1007/s10899-020-09999-1
DB  - i3h
DP  - EBSCOhost
AN  - 150000001
UR  - https://search.ebscohost.com/login.aspx?an=150000001
UR  - ORCID: 0000-0001-2345-6789
UR  - someone@example.org
SN  - 1050-5350
ER  - 
"""


def test_it_reads_the_common_fields_of_an_ebsco_record(parse_text):
    [record] = parse_text(parse_ris, EBSCO_RECORD)
    assert record.title == "Gambling harms"
    assert record.authors == ("Smith, Ann", "Jones, Bob")
    assert record.year == 2021
    assert record.journal == "Journal of Gambling Studies"
    assert (record.volume, record.issue, record.pages) == ("37", "2", "401-420")
    assert record.doi == "10.1007/s10899-020-09999-1"
    assert record.database == "i3h"
    assert record.issn == ("1050-5350",)
    assert record.identifiers == (("accession", "150000001"),)
    assert record.line == 1
    assert record.raw == EBSCO_RECORD


def test_it_ignores_the_second_ebsco_abstract_that_is_a_copyright_notice(parse_text):
    [record] = parse_text(parse_ris, EBSCO_RECORD)
    assert record.abstract == "The real abstract."


def test_it_keeps_only_web_addresses_as_urls(parse_text):
    [record] = parse_text(parse_ris, EBSCO_RECORD)
    assert record.urls == ("https://search.ebscohost.com/login.aspx?an=150000001",)


def test_it_skips_ovid_numbers_and_trailers_between_records(parse_text):
    text = (
        "1.\nTY  - JOUR\nID  - 2019-65183-001\nDO  - http://dx.doi.org/10.1002/cpp.2398\nT1  - One\n"
        "Y1  - 2019//\nN2  - Abstract in N2.\nER  -  \nNL  - Clin Psychol\n\n"
        "Link to the Ovid Full Text or citation: https://example.org\n\n2.\nTY  - JOUR\nT1  - Two\nER  - \n"
    )
    first, second = parse_text(parse_ris, text)
    assert (first.title, first.year, first.abstract) == ("One", 2019, "Abstract in N2.")
    assert first.doi == "10.1002/cpp.2398"
    assert first.identifiers == (("psycinfo", "2019-65183-001"),)
    assert (second.title, second.line) == ("Two", 14)


def test_it_reads_cochrane_tags_with_two_spaces_on_both_sides_after_a_banner(parse_text):
    text = (
        "Record #3 of 18\nProvider: John Wiley & Sons, Ltd.\nContent: text/plain; charset=\"UTF-8\"\n\n"
        "TY  -  JOUR\nAN  -  CN-00778158\nTI  -  Dinosaur programme\nC3  -  PUBMED 21314913\nER  -  \n"
    )
    [record] = parse_text(parse_ris, text)
    assert record.title == "Dinosaur programme"
    assert record.pmid == "21314913"
    assert record.identifiers == (("central", "CN-00778158"),)
    assert record.publication_type == "JOUR"


def test_it_turns_untagged_keyword_lines_into_separate_keywords(parse_text):
    text = "TY  - JOUR\nTI  - T\nKW  - Acne\nAntirrhinum majus\nblue light\nDB  - Embase\nMedline\nER  - \n"
    [record] = parse_text(parse_ris, text)
    assert record.keywords == ("Acne", "Antirrhinum majus", "blue light")
    assert record.database == "Embase"


def test_it_joins_untagged_lines_to_the_text_above_them(parse_text):
    text = "TY  - JOUR\nTI  - T\nAB  - BACKGROUND: one.\nMETHODS: two.\n   indented three.\nER  - \n"
    [record] = parse_text(parse_ris, text)
    assert record.abstract == "BACKGROUND: one. METHODS: two. indented three."


def test_it_does_not_split_a_record_on_blank_lines_inside_it(parse_text):
    text = "TY  - JOUR\nTI  - T\nN1  - Cited By: 3\n\n\nExport Date: 12 May 2022\n\nArticle\nPY  - 2020\nER  - \n"
    [record] = parse_text(parse_ris, text)
    assert record.year == 2020
    assert ("N1", "Cited By: 3\nExport Date: 12 May 2022\nArticle") in record.extra


def test_it_splits_fields_separated_by_bare_carriage_returns(parse_text):
    text = "\ufeffTY  - JOUR\nTI  - T\nAD  - Univ A\rAD  - Univ B\rDO  - 10.1000/abc\nER  - \n"
    [record] = parse_text(parse_ris, text)
    assert record.doi == "10.1000/abc"
    assert ("AD", "Univ B") in record.extra


def test_it_separates_two_tags_glued_on_one_line_by_rayyan(parse_text):
    text = "TY  - JOUR\nTI  - T\nUR  - https://www.embase.com/x?id=1&from=export     U2  - L2029880245\nER  - \n"
    [record] = parse_text(parse_ris, text)
    assert record.urls == ("https://www.embase.com/x?id=1&from=export",)
    assert record.identifiers == (("embase", "L2029880245"),)


@pytest.mark.parametrize(
    ("lines", "pmid", "pmcid"),
    [
        ("U1  - 35957633 [PMID]\nU1  - PMC9358000 [PMCID]\n", "35957633", "PMC9358000"),
        ("DB  - Embase\nDB  - Medline\nC5  - 38773066\n", "38773066", ""),
        ("C5  - 38773066\n", "", ""),  # C5 is only a PMID in Embase.com records
        ("AN  - 29657938\nC2  - PMC5887696\nDP  - NLM\n", "29657938", "PMC5887696"),
        ("AN  - 29657938\n", "", ""),  # an accession number, not known to be a PMID
        ("UR  - https://pubmed.ncbi.nlm.nih.gov/30922926/\n", "30922926", ""),
        ("L2  - http://www.ncbi.nlm.nih.gov/pubmed/21314913\n", "21314913", ""),
    ],
)
def test_it_finds_pubmed_ids_where_each_dialect_puts_them(lines, pmid, pmcid, parse_text):
    [record] = parse_text(parse_ris, f"TY  - JOUR\nTI  - T\n{lines}ER  - \n")
    assert (record.pmid, record.pmcid) == (pmid, pmcid)


@pytest.mark.parametrize(
    ("lines", "doi"),
    [
        ("DO  - https://dx.doi.org/10.1037/a0012345\n", "10.1037/a0012345"),
        ("L2  - https://doi.org/10.1016/J.X.2020.1\n", "10.1016/j.x.2020.1"),
        ("DI  - 10.1016/x.1\n", "10.1016/x.1"),
        ("UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-1\n", ""),
    ],
)
def test_it_finds_the_doi_in_the_tags_that_carry_it(lines, doi, parse_text):
    [record] = parse_text(parse_ris, f"TY  - JOUR\nTI  - T\n{lines}ER  - \n")
    assert record.doi == doi


def test_it_reads_year_from_py_then_y1_then_da(parse_text):
    [record] = parse_text(parse_ris, "TY  - JOUR\nDA  - 2022/08/26/\nY1  - 2021//\nER  - \n")
    assert record.year == 2021


def test_it_reports_tags_outside_the_ris_standard(parse_text):
    [record] = parse_text(parse_ris, "TY  - JOUR\nTI  - T\nNS  - x\nPG  - 1-2\nER  - \n")
    assert ("unknown_tag", "NS") in record.extra and ("unknown_tag", "PG") in record.extra
    assert record.pages == "1-2"


def test_it_yields_a_record_without_er_and_warns_about_it(parse_text):
    first, second = parse_text(parse_ris, "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two")
    assert (first.title, second.title) == ("One", "Two")
    assert ("warning", "record starting at line 1 has no 'ER  - ' line") in first.extra
    assert ("warning", "record starting at line 3 has no 'ER  - ' line") in second.extra


@pytest.mark.parametrize("text", ["", "\n\n", "PMID- 123\nTI  - MEDLINE, not RIS\n", "AU  - Tag\nER  - \n"])
def test_it_raises_when_there_is_no_record(text, parse_text):
    with pytest.raises(ImportFormatError, match="test.txt: expected RIS records"):
        parse_text(parse_ris, text)
