"""The PubMed reader takes all of an article's texts in one pass and parses every article of a
file with one XML parser. These tests hold it to what it replaced: the reader kept in
pubmed_xml_reference.py, field by field, on every real efetch file and on hand-written
articles with the unusual parts (inline markup, entities, CDATA, empty and missing elements,
structured abstracts, collective authors, several lists of one kind); and a parser per
article, record by record or error by error, on broken and odd files."""
import io
import re
from dataclasses import fields
from pathlib import Path

import pytest

from screening.formats import open_export
from screening.formats.pubmed_xml import _journal_article, iter_pubmed_elements, parse_pubmed_xml
from screening.formats.record import ImportFormatError

from pubmed_xml_reference import reference_journal_article
from test_pubmed_xml import ARTICLE

EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"
EFETCH_FILES = sorted(path.name for path in (EXPORTS / "entrez").glob("biopython__pubmed*.xml"))


def text_stream(text: str) -> io.TextIOBase:
    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8", newline="")


def assert_both_readers_agree(text: str) -> int:
    """Read every article of ``text`` with both readers; return how many there were."""
    articles = 0
    for element, line, raw in iter_pubmed_elements(text_stream(text), filename="test.xml"):
        if element.tag != "PubmedArticle":
            continue
        record, reference = _journal_article(element, line, raw), reference_journal_article(element, line, raw)
        for field in fields(record):
            assert getattr(record, field.name) == getattr(reference, field.name), (field.name, line)
        articles += 1
    return articles


def test_the_efetch_corpus_is_there():
    assert len(EFETCH_FILES) == 6


@pytest.mark.parametrize("name", EFETCH_FILES)
def test_both_readers_agree_on_every_real_efetch_file(name):
    text = (EXPORTS / "entrez" / name).read_text(encoding="utf-8")
    assert assert_both_readers_agree(text) == text.count("<PubmedArticle>")


def _article_set(*articles: str) -> str:
    return "<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n"


def _article(citation: str = "", data: str = "", status: str = "MEDLINE") -> str:
    return (f'<PubmedArticle><MedlineCitation Status="{status}" Owner="NLM">{citation}</MedlineCitation>'
            f"<PubmedData>{data}</PubmedData></PubmedArticle>")


ALICE_JOURNAL = ('<Journal><ISSN IssnType="Electronic">1234-5678</ISSN><ISSN IssnType="Print">8765-4321</ISSN>'
                 '<JournalIssue CitedMedium="Internet"><Volume>12</Volume><Issue>3</Issue>'
                 "<PubDate><Year>2021</Year><Month>Mar</Month></PubDate></JournalIssue>"
                 "<Title>Journal of Sleep &amp; Light</Title><ISOAbbreviation>J Sleep Light</ISOAbbreviation>"
                 "</Journal>")

HAND_WRITTEN = {
    "inline markup and MathML in the title and abstract": _article(
        "<PMID Version=\"1\">1</PMID><Article>" + ALICE_JOURNAL
        + "<ArticleTitle>Amber <i>lenses</i> and H<sub>2</sub>O<sup>+</sup> in <b>insomnia</b></ArticleTitle>"
        "<Abstract><AbstractText>Values of <mml:math xmlns:mml=\"http://www.w3.org/1998/Math/MathML\">"
        "<mml:mi>x</mml:mi><mml:mo>&lt;</mml:mo><mml:mn>5</mml:mn></mml:math> were <u>kept</u>.</AbstractText>"
        "</Abstract></Article>"),
    "entities and character references": _article(
        "<PMID>2</PMID><Article>" + ALICE_JOURNAL
        + "<ArticleTitle>&#x3b1;-synuclein &amp; &#946;-amyloid: P &lt; 0.05 &gt; 1 &quot;x&quot; &apos;y&apos;"
        "</ArticleTitle><Abstract><AbstractText>&amp;lt;b&amp;gt;escaped twice&amp;lt;/b&amp;gt;"
        "</AbstractText></Abstract><AuthorList><Author><LastName>M&#252;ller</LastName>"
        "<ForeName>J&#x00F6;rg</ForeName></Author></AuthorList></Article>"),
    "CDATA and comments": _article(
        "<PMID>3</PMID><!-- a note --><Article>" + ALICE_JOURNAL
        + "<ArticleTitle><![CDATA[Light <b>at</b> night]]> and sleep</ArticleTitle></Article>"),
    "empty and self-closing elements": _article(
        "<PMID/><Article><Journal/><ArticleTitle></ArticleTitle><VernacularTitle>Lumière et sommeil"
        "</VernacularTitle><Pagination/><Abstract/><AuthorList/><Language/><PublicationTypeList/></Article>"
        "<MeshHeadingList><MeshHeading/></MeshHeadingList><KeywordList/>",
        "<ArticleIdList><ArticleId IdType=\"doi\"/><ArticleId IdType=\"pubmed\">4</ArticleId></ArticleIdList>"),
    "a structured abstract with labels": _article(
        "<PMID>5</PMID><Article>" + ALICE_JOURNAL + "<ArticleTitle>Trial</ArticleTitle><Abstract>"
        '<AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Why.</AbstractText>'
        '<AbstractText Label=" METHODS ">How, in\n  two   lines.</AbstractText>'
        '<AbstractText Label="">Unlabelled.</AbstractText><AbstractText Label="EMPTY"/>'
        "<CopyrightInformation>© 2021 Alice</CopyrightInformation></Abstract></Article>"),
    "collective and partial authors": _article(
        "<PMID>6</PMID><Article>" + ALICE_JOURNAL + "<ArticleTitle>Consortium</ArticleTitle>"
        '<AuthorList CompleteYN="Y"><Author><LastName>Alvarez</LastName><ForeName>Alice</ForeName>'
        "<Initials>A</Initials><AffiliationInfo><Affiliation>Leeds.</Affiliation></AffiliationInfo></Author>"
        "<Author><LastName>Baker</LastName><Initials>B</Initials></Author><Author><LastName>Chen</LastName>"
        "</Author><Author><CollectiveName>Sleep <i>Study</i> Group</CollectiveName></Author>"
        "<Author><LastName>Alvarez</LastName><ForeName>Alice</ForeName></Author></AuthorList></Article>"),
    "several lists of one kind and dates from every place": _article(
        "<PMID>7</PMID><Article>" + ALICE_JOURNAL.replace("<PubDate><Year>2021</Year><Month>Mar</Month></PubDate>",
                                                          "<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate>"
                                                          "</PubDate>")
        + "<ArticleTitle>Lists</ArticleTitle><ELocationID EIdType=\"pii\">S1</ELocationID>"
        '<ELocationID EIdType="doi" ValidYN="Y">10.1000/ABC.1<i>x</i></ELocationID><Language>eng</Language>'
        "<Language>fre</Language><PublicationTypeList><PublicationType>Journal Article</PublicationType>"
        "<PublicationType>Review</PublicationType><PublicationType>Review</PublicationType></PublicationTypeList>"
        '<ArticleDate DateType="Electronic"><Year>2020</Year></ArticleDate></Article>'
        "<MedlineJournalInfo><ISSNLinking>1234-5678</ISSNLinking></MedlineJournalInfo>"
        "<MeshHeadingList><MeshHeading><DescriptorName>Sleep</DescriptorName><QualifierName>physiology"
        "</QualifierName></MeshHeading><MeshHeading><DescriptorName>Light</DescriptorName></MeshHeading>"
        "</MeshHeadingList><MeshHeadingList><MeshHeading><DescriptorName>Eyeglasses</DescriptorName>"
        "</MeshHeading></MeshHeadingList><KeywordList><Keyword>amber</Keyword></KeywordList>"
        "<KeywordList Owner=\"NOTNLM\"><Keyword>blue light</Keyword><Keyword>amber</Keyword></KeywordList>",
        '<ArticleIdList><ArticleId IdType="pubmed">7</ArticleId><ArticleId IdType="PMC">PMC77</ArticleId>'
        '<ArticleId IdType="mid">NIHMS7</ArticleId></ArticleIdList><ReferenceList><Reference><ArticleIdList>'
        '<ArticleId IdType="doi">10.9999/cited</ArticleId></ArticleIdList></Reference></ReferenceList>'),
    "only an article date": _article(
        '<PMID>8</PMID><Article><Journal><JournalIssue><PubDate/></JournalIssue></Journal><ArticleTitle>E</ArticleTitle>'
        '<ArticleDate><Year>2019</Year></ArticleDate></Article>'),
    "no citation at all": "<PubmedArticle><PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">9</ArticleId>"
                          "</ArticleIdList></PubmedData></PubmedArticle>",
    "an empty article": "<PubmedArticle/>",
    "whitespace, odd spacing and non-breaking spaces": _article(
        "\n  <PMID>\n 10 </PMID>\n  <Article>\n" + ALICE_JOURNAL.replace("<Volume>12</Volume>", "<Volume> 12</Volume>")
        + "\n<ArticleTitle>  Two  spaces\u00a0and a\ttab </ArticleTitle>\n<AuthorList><Author><LastName>O'Neil "
        "</LastName><ForeName> Ann</ForeName></Author></AuthorList>\n</Article>\n", status="In-Data-Review"),
    "one space at the edge of one value, all else clean": _article(
        "<PMID>12</PMID><Article>" + ALICE_JOURNAL.replace("<Issue>3</Issue>", "<Issue>3 </Issue>").replace(
            "&amp;", "and") + "<ArticleTitle>Clean</ArticleTitle><Language> eng</Language></Article>"),
    "characters that are not printable": _article(
        "<PMID>11</PMID><Article>" + ALICE_JOURNAL + "<ArticleTitle>Line&#10;break and &#x2028;separator"
        "</ArticleTitle><Language>e|ng</Language><PublicationTypeList><PublicationType>a |b</PublicationType>"
        "</PublicationTypeList></Article>"),
}


@pytest.mark.parametrize("case", HAND_WRITTEN)
def test_both_readers_agree_on_an_unusual_article(case):
    assert assert_both_readers_agree(_article_set(HAND_WRITTEN[case])) == 1


@pytest.mark.parametrize(("pub_date", "article_date"), [
    ("<Year>2019</Year><Month>Jun</Month>", ""),
    ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", ""),
    ("", '<ArticleDate DateType="Electronic"><Year>2021</Year></ArticleDate>'),
    ("", ""),
])
def test_both_readers_agree_on_the_articles_of_the_other_tests(pub_date, article_date):
    assert assert_both_readers_agree(ARTICLE.format(pub_date=pub_date, article_date=article_date)) == 1


def test_the_hand_written_articles_read_as_a_person_would_expect():
    records = {record.pmid: record for record in parse_pubmed_xml(text_stream(_article_set(*HAND_WRITTEN.values())))}
    assert records["1"].title == "Amber lenses and H2O+ in insomnia"
    assert records["1"].abstract == "Values of x<5 were kept."
    assert records["2"].title == "α-synuclein & β-amyloid: P < 0.05 > 1 \"x\" 'y'"
    assert records["2"].authors == ("Müller, Jörg",)
    assert records["3"].title == "Light at night and sleep"
    assert records["4"].title == "Lumière et sommeil"
    assert records["5"].abstract == "BACKGROUND: Why. METHODS: How, in two lines. Unlabelled."
    assert records["6"].authors == ("Alvarez, Alice", "Baker, B", "Chen", "Sleep Study Group")
    seven = records["7"]
    assert (seven.year, seven.doi, seven.language, seven.pmcid) == (1998, "10.1000/abc.1", "eng", "PMC77")
    assert seven.subject_terms == ("Sleep", "Light", "Eyeglasses")
    assert seven.keywords == ("amber", "blue light")
    assert seven.publication_type == "Journal Article; Review"
    assert seven.issn == ("1234-5678", "8765-4321")
    assert seven.journal == "Journal of Sleep & Light"
    assert records["8"].year == 2019
    assert records["9"].title == ""
    assert records["10"].title == "Two spaces and a tab" and records["10"].volume == "12"
    assert records["10"].authors == ("O'Neil, Ann",)
    assert records["11"].title == "Line break and separator"
    assert (records["12"].issue, records["12"].language) == ("3", "eng")
    assert records[""].raw == "<PubmedArticle/>"


def _read_bytes(data: bytes, name: str = "alice.xml") -> list:
    return list(open_export(io.BytesIO(data), filename=name).records())


def test_crlf_line_ends_a_bom_and_a_declared_encoding_read_the_same_records():
    text = _article_set(*HAND_WRITTEN.values())
    plain = _read_bytes(text.encode("utf-8"))
    crlf = _read_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    declared = _read_bytes(b"\xef\xbb\xbf" + text.replace('<?xml version="1.0"?>',
                                                             '<?xml version="1.0" encoding="UTF-8"?>').encode("utf-8"))
    assert len(plain) == len(HAND_WRITTEN)
    assert [(r.pmid, r.title, r.abstract, r.authors, r.line) for r in crlf] == [
        (r.pmid, r.title, r.abstract, r.authors, r.line) for r in plain]
    assert [(r.pmid, r.title, r.line, r.raw) for r in declared] == [(r.pmid, r.title, r.line, r.raw) for r in plain]


def test_a_file_cut_off_inside_an_article_is_refused_naming_its_line():
    text = _article_set(*HAND_WRITTEN.values())
    cut = text[: text.index("<ArticleTitle>Consortium")]
    with pytest.raises(ImportFormatError) as caught:
        _read_bytes(cut.encode("utf-8"))
    assert caught.value.filename == "alice.xml"
    assert caught.value.line == cut.count("\n") + 1
    assert re.search(r"not well-formed XML|no closing", caught.value.reason)


def _outcome(text: str):
    """The records read from ``text``, or the error and its line."""
    try:
        return [(record.pmid, record.title, record.line, record.raw) for record in parse_pubmed_xml(text_stream(text))]
    except ImportFormatError as error:
        return (str(error), error.line)


GOOD = "<PubmedArticle><MedlineCitation><PMID>1</PMID></MedlineCitation></PubmedArticle>"
ONE_PARSER_CASES = {
    "a mismatched tag in the second article": f"{GOOD}\n<PubmedArticle>\n<Oops></PubmedArticle>",
    "an article inside an article": f"{GOOD}<PubmedArticle><PubmedArticle><MedlineCitation><PMID>2</PMID>"
                                    "</MedlineCitation></PubmedArticle></PubmedArticle>",
    "a processing instruction holding the end tag": f"{GOOD}<PubmedArticle><?note </PubmedArticle> ?>"
                                                   "<MedlineCitation/></PubmedArticle>",
    "a processing instruction": f"<PubmedArticle><?note here?><MedlineCitation><PMID>3</PMID></MedlineCitation>"
                                f"</PubmedArticle>{GOOD}",
    "an undefined entity": f"{GOOD}\n<PubmedArticle>&bomb;</PubmedArticle>",
    "an unbound prefix": f"{GOOD}<PubmedArticle><mml:math/></PubmedArticle>",
    "a declared prefix, then an article that relies on it": '<PubmedArticle xmlns:m="urn:m"><m:x/></PubmedArticle>'
                                                            "<PubmedArticle><m:x/></PubmedArticle>",
    "a default namespace": '<PubmedArticle xmlns="urn:x"><MedlineCitation><PMID>4</PMID></MedlineCitation>'
                           f"</PubmedArticle>{GOOD}",
    "an XML declaration inside an article": f'{GOOD}<PubmedArticle><?xml version="1.0"?></PubmedArticle>',
    "a control character": f"{GOOD}\n\n<PubmedArticle><MedlineCitation><PMID>5\x01</PMID></MedlineCitation>"
                           "</PubmedArticle>",
    "an unclosed article at the end": f"{GOOD}<PubmedArticle><MedlineCitation>",
    "attributes holding > and the end tag's name": f'<PubmedArticle a="x>y" b="PubmedArticle">{GOOD[15:]}{GOOD}',
}


@pytest.mark.parametrize("case", ONE_PARSER_CASES)
def test_one_parser_for_all_records_reads_or_refuses_as_a_parser_per_record(case, monkeypatch):
    import screening.formats.pubmed_xml as pubmed_xml_module

    text = f"<PubmedArticleSet>\n{ONE_PARSER_CASES[case]}\n</PubmedArticleSet>\n"
    shared = _outcome(text)
    monkeypatch.setattr(pubmed_xml_module._RecordParser, "parse", lambda self, raw, name: None)
    assert shared == _outcome(text)
