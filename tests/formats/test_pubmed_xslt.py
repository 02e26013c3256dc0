"""The XSLT reading of PubMed XML gives, field by field, what the ElementTree reading gives."""
import dataclasses
import io
from pathlib import Path

import pytest

from screening.formats.pubmed_xml import _read_with_trees, iter_pubmed_texts, parse_pubmed_xml
from screening.formats.pubmed_xslt import BATCH_SIZE, read_batch

# Same place as conftest.EXPORTS; conftest is not importable as a module here.
EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"


def pubmed_xml_files():
    return sorted(path for path in EXPORTS.rglob("*.xml") if b"<PubmedArticle" in path.read_bytes()[:5000])


def read_both_ways(text: str):
    batch = list(iter_pubmed_texts(io.StringIO(text)))
    return read_batch(batch), list(_read_with_trees(batch, "sample.xml"))


def assert_same_records(fast, slow):
    assert fast is not None, "the XSLT reader gave this batch back to the tree reader"
    assert len(fast) == len(slow)
    for fast_record, slow_record in zip(fast, slow):
        for field in dataclasses.fields(slow_record):
            assert getattr(fast_record, field.name) == getattr(slow_record, field.name), field.name


def test_the_corpus_holds_pubmed_xml_files():
    assert len(pubmed_xml_files()) >= 6


@pytest.mark.parametrize("path", pubmed_xml_files(), ids=lambda path: path.name)
def test_every_pubmed_xml_export_reads_the_same_both_ways(path):
    assert_same_records(*read_both_ways(path.read_text(encoding="utf-8-sig")))


def article_set(*articles: str) -> str:
    return "<PubmedArticleSet>\n" + "\n".join(articles) + "\n</PubmedArticleSet>\n"


AWKWARD_ARTICLES = {
    "inline markup, entities, CDATA and comments": """<PubmedArticle><MedlineCitation Status="MEDLINE">
      <PMID>1</PMID><Article><Journal><ISSN>1234-5678</ISSN><ISSN>8765-4321</ISSN>
      <JournalIssue><Volume> 7 </Volume><PubDate><MedlineDate>2019 Dec-2020 Jan</MedlineDate></PubDate></JournalIssue>
      <Title>J &amp; <i>Tests</i></Title></Journal>
      <ArticleTitle>CO<sub>2</sub> &lt;5 <!-- a comment --> <![CDATA[raw <b>]]>  spaced</ArticleTitle>
      <ELocationID EIdType="pii">x1</ELocationID><ELocationID EIdType="doi">10.1000/ABC<!--c-->.1</ELocationID>
      <Abstract><AbstractText Label="BACKGROUND ">One.</AbstractText><AbstractText>Two <i>it</i>.</AbstractText>
      <AbstractText Label="EMPTY"></AbstractText></Abstract>
      <AuthorList><Author><LastName>Smith</LastName><Initials>J</Initials></Author>
      <Author><CollectiveName>The <i>Group</i></CollectiveName></Author><Author><LastName>Solo</LastName></Author>
      <Author><LastName>Smith</LastName><ForeName>J</ForeName></Author></AuthorList>
      <Language>eng</Language><Language>fre</Language>
      <PublicationTypeList><PublicationType>Review</PublicationType><PublicationType>Review</PublicationType>
      </PublicationTypeList></Article>
      <MedlineJournalInfo><ISSNLinking>1234-5678</ISSNLinking></MedlineJournalInfo>
      <MeshHeadingList><MeshHeading><DescriptorName>Humans</DescriptorName></MeshHeading><MeshHeading/>
      </MeshHeadingList><KeywordList><Keyword>a</Keyword><Keyword> b </Keyword></KeywordList>
      <CommentsCorrectionsList><CommentsCorrections><PMID>999</PMID></CommentsCorrections></CommentsCorrectionsList>
      </MedlineCitation><PubmedData><ArticleIdList><ArticleId IdType=" PubMed ">1</ArticleId>
      <ArticleId IdType="pmc">PMC9</ArticleId><ArticleId IdType="mid">M1</ArticleId></ArticleIdList>
      <ReferenceList><Reference><ArticleIdList><ArticleId IdType="doi">10.9/ref</ArticleId></ArticleIdList>
      </Reference></ReferenceList></PubmedData></PubmedArticle>""",
    "an article date and start and end pages only": """<PubmedArticle><MedlineCitation><PMID>2</PMID>
      <Article><Journal><ISOAbbreviation>J Abbr</ISOAbbreviation><JournalIssue><PubDate><Season>Spring</Season>
      </PubDate></JournalIssue></Journal><VernacularTitle>Titre</VernacularTitle>
      <Pagination><StartPage>10</StartPage><EndPage>19</EndPage></Pagination>
      <ArticleDate><Year>2021</Year></ArticleDate></Article></MedlineCitation></PubmedArticle>""",
    "no citation at all, the PMID from the id list": """<PubmedArticle><PubmedData><ArticleIdList>
      <ArticleId IdType="pubmed">3</ArticleId><ArticleId IdType="doi">doi:10.5/X</ArticleId></ArticleIdList>
      </PubmedData></PubmedArticle>""",
    "an empty article": "<PubmedArticle/>",
    "a book chapter": """<PubmedBookArticle><BookDocument><PMID>4</PMID>
      <ArticleIdList><ArticleId IdType="bookaccession">NBK1</ArticleId><ArticleId IdType="doi">10.1/a</ArticleId>
      </ArticleIdList><Book><Publisher><PublisherName>Press</PublisherName></Publisher>
      <BookTitle>Big <i>Book</i></BookTitle><PubDate><MedlineDate>1993-2020</MedlineDate></PubDate>
      <AuthorList><Author><LastName>Editor</LastName><ForeName>E</ForeName></Author></AuthorList></Book>
      <ArticleTitle>Chapter</ArticleTitle><Pagination><MedlinePgn>1-5</MedlinePgn></Pagination>
      <KeywordList><Keyword>k</Keyword></KeywordList><PublicationType>Review</PublicationType>
      </BookDocument><PubmedBookData><ArticleIdList><ArticleId IdType="doi">10.1/b</ArticleId>
      </ArticleIdList></PubmedBookData></PubmedBookArticle>""",
    "a whole book": """<PubmedBookArticle><BookDocument><Book><BookTitle>Only</BookTitle></Book>
      <AuthorList/></BookDocument></PubmedBookArticle>""",
    "other children of the set": "<DeleteCitation><PMID>5</PMID></DeleteCitation>",
}


@pytest.mark.parametrize("article", AWKWARD_ARTICLES.values(), ids=AWKWARD_ARTICLES.keys())
def test_awkward_articles_read_the_same_both_ways(article):
    assert_same_records(*read_both_ways(article_set(article)))


def test_a_whole_set_of_awkward_articles_reads_the_same_in_one_batch():
    fast, slow = read_both_ways(article_set(*AWKWARD_ARTICLES.values()))
    assert_same_records(fast, slow)
    assert len(slow) == len(AWKWARD_ARTICLES) - 1  # all but the DeleteCitation


def test_an_article_in_a_namespace_goes_to_the_tree_reader_which_skips_it():
    text = article_set('<PubmedArticle xmlns="urn:x"><MedlineCitation><PMID>6</PMID></MedlineCitation></PubmedArticle>')
    fast, slow = read_both_ways(text)
    assert fast is None and slow == []
    assert list(parse_pubmed_xml(io.StringIO(text))) == []


def test_an_empty_article_before_others_is_one_record():
    text = article_set("<PubmedArticle/>", "<PubmedArticle><MedlineCitation><PMID>8</PMID></MedlineCitation>"
                       "</PubmedArticle>")
    assert [record.pmid for record in parse_pubmed_xml(io.StringIO(text))] == ["", "8"]


def test_text_holding_a_separator_goes_to_the_tree_reader():
    for title in ("odd \ufdd1 title", "odd &#xFDD0; title", "odd &#64976; title"):
        text = article_set(f"<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>{title}"
                           "</ArticleTitle></Article></MedlineCitation></PubmedArticle>")
        fast, slow = read_both_ways(text)
        assert fast is None
        [record] = parse_pubmed_xml(io.StringIO(text))
        assert record == slow[0] and "odd" in record.title


def test_many_batches_keep_file_order_and_lines():
    articles = [f"<PubmedArticle><MedlineCitation><PMID>{number}</PMID></MedlineCitation></PubmedArticle>"
                for number in range(1, 2 * BATCH_SIZE + 2)]
    records = list(parse_pubmed_xml(io.StringIO(article_set(*articles))))
    assert [record.pmid for record in records] == [str(number) for number in range(1, 2 * BATCH_SIZE + 2)]
    assert [record.line for record in records[:3]] == [2, 3, 4]


def test_an_error_in_an_earlier_record_is_named_before_a_later_broken_skeleton():
    text = ("<PubmedArticleSet>\n<PubmedArticle><Oops></PubmedArticle>\n"
            "<PubmedArticle></PubmedArticle>\n</PubmedArticleSet>junk")
    with pytest.raises(Exception) as caught:
        list(parse_pubmed_xml(io.StringIO(text), filename="broken.xml"))
    assert "line 2" in str(caught.value) and "mismatched tag" in str(caught.value)


def test_an_undefined_entity_in_a_record_is_refused_with_its_line():
    text = "<PubmedArticleSet>\n<PubmedArticle>\n<MedlineCitation>&lol9;</MedlineCitation></PubmedArticle>\n" \
           "</PubmedArticleSet>"
    with pytest.raises(Exception) as caught:
        list(parse_pubmed_xml(io.StringIO(text), filename="hostile.xml"))
    assert "line 3" in str(caught.value) and "undefined entity" in str(caught.value)
