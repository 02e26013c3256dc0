"""Reading every recorded E-utilities response in the shared entrez folder."""
from __future__ import annotations

import pytest
from Bio import Entrez

from screening.pubmed import PubMedQueryError, efetch_pmids, parse_esearch
from screening.pubmed.responses import GarbledResponse, HistoryLost, describe_warnings


def read(entrez, name) -> bytes:
    return (entrez / name).read_bytes()


def test_it_reads_count_translation_and_ids_of_a_search_with_hits(entrez):
    summary = parse_esearch(read(entrez, "biopython__esearch1.xml"))

    assert summary.count == 63
    assert summary.query_translation == '"biopython"[All Fields]'
    assert len(summary.ids) == 20
    assert summary.ids[0] == "41282813"
    assert summary.ids[-1] == "37810457"
    assert summary.warnings == ()
    assert summary.webenv == ""


def test_it_reads_webenv_and_query_key_of_a_history_search(entrez):
    summary = parse_esearch(read(entrez, "biopython__esearch2.xml"))

    assert summary.count == 42249
    assert summary.webenv == "MCID_6927d6e7fee3e90f880ec190"
    assert summary.query_key == "1"
    assert len(summary.ids) == 100
    assert summary.query_translation.endswith("AND 2025/09/27:2025/11/26[Date - Entry]")


def test_it_reads_a_page_of_a_larger_search(entrez):
    summary = parse_esearch(read(entrez, "biopython__esearch3.xml"))

    assert summary.count == 2651
    assert summary.ids == tuple(str(pmid) for pmid in range(11121077, 11121071, -1))
    assert summary.query_translation == '"proc natl acad sci u s a"[Journal] AND "97"[Volume]'


def test_it_turns_phrase_not_found_and_output_messages_into_warnings(entrez):
    summary = parse_esearch(read(entrez, "biopython__esearch8.xml"))

    assert summary.count == 0
    assert summary.ids == ()
    assert summary.warnings == (
        'PubMed found nothing for "abcXYZ"; the search ran without it.',
        "No items found.",
    )


def test_it_words_every_kind_of_warning():
    warnings = describe_warnings(
        fields_not_found=["tiabx"],
        phrases_ignored=["the"],
        quoted_phrases_not_found=["blue light glasses"],
    )

    assert warnings == (
        'PubMed does not know the search field "tiabx".',
        'PubMed ignored "the" (too common a word to search for).',
        'PubMed found nothing for the quoted phrase "blue light glasses".',
    )


def test_it_raises_query_error_for_an_ncbi_error_document(entrez):
    with pytest.raises(PubMedQueryError, match="Invalid db name specified: nothing"):
        parse_esearch(read(entrez, "biopython__epost2.xml"))


@pytest.mark.parametrize(
    "name",
    ["biopython__einfo2.xml", "biopython__esummary1.xml", "biopython__epost1.xml",
     "biopython__espell.xml"],
)
def test_it_refuses_other_utilities_documents_as_garbled(entrez, name):
    with pytest.raises(GarbledResponse):
        parse_esearch(read(entrez, name))


def test_it_reads_a_json_search(entrez):
    summary = parse_esearch(read(entrez, "ai_in_bio__esearch.json"))

    assert summary.count == 114439
    assert len(summary.ids) == 114439
    assert summary.ids[:2] == ("35443086", "35443054")
    assert summary.query_translation.startswith("machine learning[Title/Abstract] OR ")
    assert summary.warnings == ()


def test_it_reads_errors_and_warnings_of_a_json_search():
    body = (
        b'{"header":{"type":"esearch","version":"0.3"},"esearchresult":{"count":"0",'
        b'"retmax":"0","retstart":"0","idlist":[],"translationset":[],'
        b'"querytranslation":"(abcXYZ[All Fields])",'
        b'"errorlist":{"phrasesnotfound":["abcXYZ"],"fieldsnotfound":[]},'
        b'"warninglist":{"phrasesignored":[],"quotedphrasesnotfound":[],'
        b'"outputmessages":["No items found."]}}}'
    )

    summary = parse_esearch(body)

    assert summary.count == 0
    assert summary.warnings == (
        'PubMed found nothing for "abcXYZ"; the search ran without it.',
        "No items found.",
    )


def test_it_raises_query_error_for_a_json_error():
    body = b'{"header":{"type":"esearch","version":"0.3"},"esearchresult":{"ERROR":"Invalid query"}}'

    with pytest.raises(PubMedQueryError, match="Invalid query"):
        parse_esearch(body)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Service unavailable</body></html>",
        b"{not json",
        b'{"header":{"type":"esearch"}}',
    ],
)
def test_it_calls_a_body_that_is_no_esearch_document_garbled(body):
    with pytest.raises(GarbledResponse):
        parse_esearch(body)


def test_it_calls_an_esearch_document_cut_short_garbled(entrez):
    whole = read(entrez, "biopython__esearch1.xml")

    with pytest.raises(GarbledResponse):
        parse_esearch(whole[: len(whole) // 2])


@pytest.mark.parametrize(
    ("name", "pmids"),
    [
        ("biopython__pubmed1.xml", ("12091962", "9997")),
        ("biopython__pubmed2.xml", ("11748933", "11700088")),
        ("biopython__pubmed5.xml", ("28775130",)),
        ("biopython__pubmed6.xml", ("30108519",)),
        ("biopython__pubmed7.xml", ("29963580",)),
    ],
)
def test_it_lists_the_pmids_of_an_efetch_answer(entrez, name, pmids):
    assert efetch_pmids(read(entrez, name)) == pmids


@pytest.mark.parametrize(
    "name",
    ["biopython__pubmed1.xml", "biopython__pubmed2.xml", "biopython__pubmed4.xml",
     "biopython__pubmed5.xml", "biopython__pubmed6.xml", "biopython__pubmed7.xml"],
)
def test_it_finds_the_same_pmids_as_biopython(entrez, name):
    articles = Entrez.read(entrez / name, validate=False)["PubmedArticle"]
    expected = tuple(str(a["MedlineCitation"]["PMID"]) for a in articles)

    assert efetch_pmids(read(entrez, name)) == expected


def test_it_reads_the_pmid_of_a_book_chapter():
    body = (
        b"<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version=\"1\">20301295"
        b"</PMID></BookDocument></PubmedBookArticle></PubmedArticleSet>"
    )

    assert efetch_pmids(body) == ("20301295",)


def test_it_calls_an_efetch_answer_cut_short_garbled(entrez):
    whole = read(entrez, "biopython__pubmed1.xml")

    with pytest.raises(GarbledResponse):
        efetch_pmids(whole[: len(whole) // 2])


def test_it_reports_an_expired_webenv_as_history_lost():
    body = b'<?xml version="1.0"?>\n<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>'

    with pytest.raises(HistoryLost, match="Unable to obtain query #1"):
        efetch_pmids(body)
