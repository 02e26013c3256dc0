import pytest

from screening.formats.pubmed_xml import parse_pubmed_xml
from screening.formats.record import ImportFormatError

RECORD_COUNTS = [
    ("entrez/biopython__pubmed1.xml", 2),
    ("entrez/biopython__pubmed2.xml", 2),
    ("entrez/biopython__pubmed4.xml", 1),
    ("entrez/biopython__pubmed5.xml", 1),
    ("entrez/biopython__pubmed6.xml", 1),
    ("entrez/biopython__pubmed7.xml", 1),
]


@pytest.mark.parametrize(("relative", "expected"), RECORD_COUNTS)
def test_it_reads_every_article_of_each_efetch_file(parse_export, relative, expected):
    records = parse_export(parse_pubmed_xml, relative)
    assert len(records) == expected
    assert all(record.title and record.pmid for record in records)


def test_it_reads_a_medline_article_field_by_field(parse_export):
    record = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed2.xml")[0]
    assert record.title.startswith("Is cryopreservation a homogeneous process?")
    assert record.abstract.startswith("This study subdivides the cryopreservation procedure")
    assert "(P < 0.001)" in record.abstract  # the &lt; entity is decoded
    assert "Copyright 2001" not in record.abstract
    assert record.authors[:2] == ("Taddei, A R", "Barbato, F")
    assert len(record.authors) == 8
    assert record.year == 2001
    assert record.journal == "Cryobiology"
    assert (record.volume, record.issue, record.pages) == ("42", "4", "244-55")
    assert record.doi == "10.1006/cryo.2001.2328"
    assert record.pmid == "11748933"
    assert record.identifiers == (("pii", "S0011-2240(01)92328-4"),)
    assert record.issn == ("0011-2240",)
    assert record.language == "eng"
    assert record.publication_type == "Journal Article; Research Support, Non-U.S. Gov't"
    assert record.subject_terms[:3] == ("Animals", "Cell Membrane", "Cryopreservation")
    assert record.database == "PubMed"
    assert ("status", "MEDLINE") in record.extra
    assert record.raw.startswith("<PubmedArticle>") and record.raw.endswith("</PubmedArticle>")


def test_it_joins_structured_abstract_sections_with_their_labels(parse_export):
    [record] = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed4.xml")
    assert record.abstract.startswith("OBJECTIVE: Telomere shortening occurs")
    assert " DESIGN: " in record.abstract and " RESULTS: " in record.abstract
    assert record.pmcid == "PMC5442267"
    assert ("mid", "NIHMS857349") in record.identifiers
    assert record.keywords == ("PANCREATIC CANCER",)


def test_it_takes_ids_from_the_article_not_from_its_cited_references(parse_export):
    [record] = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed7.xml")
    assert record.pmid == "29963580"
    assert record.pmcid == "PMC6022861"
    assert record.doi == "10.1117/1.jmi.5.2.026002"
    assert record.authors[-1] == "Canadian Respiratory Research Network"


def test_it_reads_an_in_data_review_article_without_mesh(parse_export):
    [record] = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed5.xml")
    assert record.subject_terms == ()
    assert ("status", "In-Data-Review") in record.extra
    assert "agriculture" in record.keywords


ARTICLE = """<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle>
 <MedlineCitation Status="MEDLINE">
  <PMID Version="1">123</PMID>
  <Article>
   <Journal><Title>Some Journal</Title><JournalIssue><Volume>5</Volume>
    <PubDate>{pub_date}</PubDate></JournalIssue></Journal>
   <ArticleTitle>A <i>title</i> with H<sub>2</sub>O</ArticleTitle>
   <Pagination><StartPage>10</StartPage><EndPage>19</EndPage></Pagination>
   <ELocationID EIdType="doi" ValidYN="Y">10.1000/ELOC.1</ELocationID>
   {article_date}
  </Article>
 </MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""


@pytest.mark.parametrize(
    ("pub_date", "article_date", "year"),
    [
        ("<Year>2019</Year><Month>Jun</Month>", "", 2019),
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", "", 1998),
        ("", '<ArticleDate DateType="Electronic"><Year>2021</Year></ArticleDate>', 2021),
        ("", "", None),
    ],
)
def test_it_reads_the_year_from_pubdate_medlinedate_or_articledate(parse_text, pub_date, article_date, year):
    [record] = parse_text(parse_pubmed_xml, ARTICLE.format(pub_date=pub_date, article_date=article_date))
    assert record.year == year


def test_it_falls_back_to_elocation_doi_and_start_end_pages(parse_text):
    [record] = parse_text(parse_pubmed_xml, ARTICLE.format(pub_date="", article_date=""))
    assert record.doi == "10.1000/eloc.1"
    assert record.pages == "10-19"
    assert record.title == "A title with H2O"
    assert record.line == 3


def test_it_reads_a_book_article(parse_text):
    book = """<PubmedArticleSet><PubmedBookArticle><BookDocument>
      <PMID Version="1">20301295</PMID>
      <ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList>
      <Book><Publisher><PublisherName>University of Washington</PublisherName></Publisher>
        <BookTitle book="gene">GeneReviews</BookTitle><PubDate><Year>1993</Year></PubDate></Book>
      <ArticleTitle>Alpha-Thalassemia</ArticleTitle>
      <Language>eng</Language>
      <AuthorList Type="authors"><Author><LastName>Tamary</LastName><ForeName>Hannah</ForeName></Author></AuthorList>
      <Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Two forms.</AbstractText></Abstract>
    </BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId>
    </ArticleIdList></PubmedBookData></PubmedBookArticle></PubmedArticleSet>"""
    [record] = parse_text(parse_pubmed_xml, book)
    assert (record.title, record.journal, record.year) == ("Alpha-Thalassemia", "GeneReviews", 1993)
    assert record.pmid == "20301295"
    assert record.authors == ("Tamary, Hannah",)
    assert record.abstract == "CLINICAL CHARACTERISTICS: Two forms."
    assert ("bookaccession", "NBK1116") in record.identifiers


def test_an_empty_article_before_others_is_one_record_and_the_next_one_is_read(parse_text):
    text = """<PubmedArticleSet>
    <PubmedArticle/>
    <PubmedArticle><MedlineCitation><PMID>8</PMID></MedlineCitation></PubmedArticle>
    <PubmedArticle />
    </PubmedArticleSet>"""
    records = parse_text(parse_pubmed_xml, text)
    assert [(record.pmid, record.line) for record in records] == [("", 2), ("8", 3), ("", 4)]


def test_it_reads_an_empty_article_set_as_no_records(parse_text):
    assert parse_text(parse_pubmed_xml, "<PubmedArticleSet></PubmedArticleSet>") == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not well-formed"),
        ("PMID- 123\nTI  - not xml\n", "not well-formed"),
        ("<eSearchResult><Count>1</Count></eSearchResult>", "found <eSearchResult>"),
        ("<PubmedArticleSet><PubmedArticle><MedlineCitation>", "not well-formed"),
        ('<!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet/>', "entity declarations"),
    ],
)
def test_it_rejects_what_is_not_a_pubmed_article_set(parse_text, text, reason):
    with pytest.raises(ImportFormatError, match=reason):
        parse_text(parse_pubmed_xml, text)


def test_it_names_the_line_of_broken_xml(parse_text):
    with pytest.raises(ImportFormatError) as caught:
        parse_text(parse_pubmed_xml, "<PubmedArticleSet>\n<PubmedArticle>\n</Oops>\n")
    assert caught.value.line == 3
    assert caught.value.filename == "test.txt"


def test_it_keeps_each_record_verbatim_even_across_read_chunks(parse_export, exports, monkeypatch):
    import screening.formats.pubmed_xml as pubmed_xml_module

    text = (exports / "entrez/biopython__pubmed6.xml").read_text(encoding="utf-8")
    whole_file = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed6.xml")
    monkeypatch.setattr(pubmed_xml_module, "_CHUNK_SIZE", 97)  # split records and characters
    [record] = parse_export(parse_pubmed_xml, "entrez/biopython__pubmed6.xml")
    start = text.index("<PubmedArticle>")
    assert record.raw == text[start : text.index("</PubmedArticle>") + len("</PubmedArticle>")]
    assert record == whole_file[0]


def test_comments_and_cdata_that_hold_an_end_tag_do_not_cut_a_record(parse_text):
    text = ('<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" "x.dtd">\n'
            "<PubmedArticleSet>\n<!-- first </PubmedArticle> -->\n<PubmedArticle><MedlineCitation>"
            "<PMID>1</PMID><!-- </PubmedArticle> --><Article><ArticleTitle><![CDATA[a </PubmedArticle> b]]>"
            "</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n"
            "<PubmedArticle><MedlineCitation><PMID>2</PMID></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n")
    first, second = parse_text(parse_pubmed_xml, text)
    assert (first.pmid, first.title, first.line) == ("1", "a b", 5)  # markup in titles is dropped
    assert (second.pmid, second.line) == ("2", 6)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<PubmedArticleSet></PubmedArticleSet>\n<PubmedArticle/>", "junk after the document element"),
        ("<PubmedArticleSet><PubmedArticle>&bomb;</PubmedArticle></PubmedArticleSet>", "undefined entity"),
        ('<!DOCTYPE PubmedArticleSet SYSTEM "x.dtd" [\n<!ENTITY % p SYSTEM "http://x/">]>\n<PubmedArticleSet/>',
         "entity declarations are not allowed"),
        ("<PubmedArticleSet><PubmedArticle><PMID>1</PMID></PubmedArticleSet>", "not well-formed"),
    ],
)
def test_a_broken_skeleton_or_record_is_refused(parse_text, text, reason):
    with pytest.raises(ImportFormatError, match=reason):
        parse_text(parse_pubmed_xml, text)
