import pytest

from screening.formats.detect import declared_count, detect_format
from screening.formats.record import ImportFormatError


@pytest.mark.parametrize(
    ("head", "format_name"),
    [
        ("\ufeffTY  - JOUR\r\nTI  - x\r\n", "ris"),
        ("1.\nTY  - JOUR\n", "ris"),
        ("Record #3 of 18\nProvider: Wiley\n\nTY  -  JOUR\n", "ris"),
        ("\nPMID- 31234567\nOWN - NLM\n", "medline"),
        ("PMID- 1\nTI  - looks like RIS tags\nAU  - x\n", "medline"),
        ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n", "wos_plaintext"),
        ("\ufeffFN Thomson Reuters Web of Science\u2122\rVR 1.0\rPT J\r", "wos_plaintext"),
        ("PT\tAU\tBA\tTI\tSO\rJ\tSmith, J\t\tTitle\tJournal\r", "wos_tab"),
        ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet>\n<PubmedArticleSet><PubmedArticle>', "pubmed_xml"),
        ('<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><database', "endnote_xml"),
        ("Scopus\nEXPORT DATE: 13 January 2017\n\n@ARTICLE{D'Ambrosio2017,\n", "bibtex"),
        ("\n@article{ ISI:000370456000022,\n", "bibtex"),
        ("PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year\n", "pubmed_csv"),
        ('"Authors","Author full names","Author(s) ID","Title","Year","Source title","DOI"\n', "scopus_csv"),
        ("Title,Original Title,Author Names,Correspondence Address,Editors,Source,Abstract\n", "embase_csv"),
        ('"SEARCH QUERY","dinosaur:ti"\n-----\n\n"Title","Author Names","Source","Embase Accession ID"\n',
         "embase_csv"),
        ('"TITLE","A title"\n"AUTHOR NAMES","Liu R."\n"SOURCE","Gut 2020"\n\n"TITLE","Another"\n', "embase_csv_rows"),
        ("Article Title,Author,Journal Title,ISSN,Accession Number,DOI,PLink\n", "ebsco_csv"),
        ("CENTRAL ID,Author(s),Title,Source,Year,Abstract\n", "cochrane_csv"),
        ("id,title,abstract,doi\n1,A,B,10.1/x\n", "csv"),
        ("id\ttitle\tabstract\n1\tA\tB\n", "tsv"),
    ],
)
def test_it_recognises_each_format_from_its_content(head, format_name):
    assert detect_format(head) == format_name


@pytest.mark.parametrize(
    ("head", "named"),
    [
        ("", "empty"),
        ("  \n\r\n", "empty"),
        ("%PDF-1.7\n%\xe2\xe3", "PDF"),
        ("PK\x03\x04\x14\x00", "ZIP"),
        ("\x89PNG\r\n\x1a\n", "PNG"),
        ("\u2030PNG\r\n\x1a\n", "PNG"),
        ('{"header":{"type":"esearch"}}', "JSON"),
        ('<?xml version="1.0"?><eSearchResult><Count>63</Count>', "eSearchResult"),
        ("<!DOCTYPE html><html><body>", "HTML"),
        ("<rss><channel>", "<rss>"),
        ("just some words\n", "not recognised"),
        ("a\x00b\x00c", "binary"),
    ],
)
def test_it_names_what_it_found_when_it_is_no_export(head, named):
    with pytest.raises(ImportFormatError, match=named):
        detect_format(head)


def test_it_reads_the_search_size_from_a_cochrane_banner():
    assert declared_count("Record #3 of 18\r\nProvider: Wiley\r\n\r\nTY  -  JOUR\r\n", "ris") == 18
    assert declared_count("TY  - JOUR\n", "ris") is None
