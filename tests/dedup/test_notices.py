"""Notices (errata, comments, replies, retraction notices, expressions of concern) are linked
to the article they are about, never merged with it; retracted articles are flagged."""
from dataclasses import replace

import pytest

from screening.dedup import DedupRecord, find_duplicates
from screening.dedup.notices import (
    publication_types,
    related_fields,
    retraction_flag,
    title_notice,
    type_kind,
)

ARTICLE = DedupRecord(
    id="a1",
    title="Continuous glucose monitoring in adolescents with type 1 diabetes: a randomised trial",
    authors=("Hartmann, Lena", "Osei, Kwame"),
    year=2019, journal="Diabetes Care", volume="42", issue="3", pages="401-409",
    doi="10.2337/dc18-0001", pmid="31000001",
)


def notice(id, title, **fields):
    defaults = {"authors": ("Hartmann, Lena",), "year": 2019, "journal": "Diabetes Care", "volume": "42",
                "issue": "7", "pages": "1388"}
    return DedupRecord(id=id, title=title, **(defaults | fields))


def links(result):
    return [(link.notice_id, link.article_id, link.kind) for link in result.notices]


# --- what a title says ----------------------------------------------------------------

@pytest.mark.parametrize("title, kind, cited", [
    ("Erratum: Deep learning for code review at scale", "erratum", "deep learning for code review at scale"),
    ("Correction to: Deep learning for code review at scale", "erratum", "deep learning for code review at scale"),
    ("Corrigendum to \"Deep learning for code review at scale\"", "erratum",
     "deep learning for code review at scale"),
    ("Author Correction: Deep learning for code review at scale", "erratum",
     "deep learning for code review at scale"),
    ("Retraction: Deep learning for code review at scale", "retraction", "deep learning for code review at scale"),
    ("Retraction notice to \"Deep learning for code review at scale\"", "retraction",
     "deep learning for code review at scale"),
    ("Expression of concern: Deep learning for code review at scale", "expression_of_concern",
     "deep learning for code review at scale"),
    ("Comment on 'Deep learning for code review at scale'", "comment", "deep learning for code review at scale"),
    ("Re: Deep learning for code review at scale", "comment", "deep learning for code review at scale"),
    ("Reply to: Deep learning for code review at scale", "reply", "deep learning for code review at scale"),
    ("Response to: Deep learning for code review at scale", "reply", "deep learning for code review at scale"),
    ("Deep learning for code review at scale - Reply", "reply", "deep learning for code review at scale"),
    ("Deep learning for code review at scale: Authors' reply", "reply", "deep learning for code review at scale"),
    ("Erratum", "erratum", ""),
])
def test_a_notice_title_gives_its_kind_and_the_title_it_cites(title, kind, cited):
    found = title_notice(title)
    assert (found.kind, found.cited_title) == (kind, cited)


def test_a_correction_citing_volume_and_page_after_the_title_is_an_erratum():
    for title in ("Eculizumab for atypical hemolytic-uremic syndrome (vol 360, pg 542, 2009)",
                  ("Eculizumab for atypical hemolytic-uremic syndrome (New England Journal of Medicine "
                   "(2009) 360 (542-544))")):
        found = title_notice(title)
        assert (found.kind, found.cited_volume, found.cited_page) == ("erratum", "360", "542")
        assert found.cited_title == "eculizumab for atypical hemolytic uremic syndrome"


@pytest.mark.parametrize("title", [
    "Response to treatment with eculizumab in children",  # "response to" begins ordinary titles
    "Correction of hyponatremia in the elderly",
    "Re-evaluation of software effort estimation models",
    "Response-guided therapy in hepatitis C",
    "Immune response to influenza vaccination",
    "Comments from practitioners shape agile retrospectives",
    "Sleep in (some) shift workers",
    # A database's note about another record is not what this record is.
    "Eculizumab for atypical HUS.[Erratum appears in N Engl J Med. 2009 Jun 4;360(23):2487]",
])
def test_ordinary_titles_are_not_notices(title):
    assert title_notice(title) is None


@pytest.mark.parametrize("publication_type, kind", [
    ("Journal Article; Published Erratum", "erratum"),
    ("Correction", "erratum"),  # Web of Science
    ("Erratum", "erratum"),  # Scopus
    ("Retraction of Publication", "retraction"),
    ("Expression of Concern", "expression_of_concern"),
    ("Letter; Comment", "comment"),
    ("Journal Article", ""),
    ("Retracted Publication", ""),  # the retracted article itself, not a notice
    ("inproceedings", ""),
])
def test_the_publication_type_gives_the_kind(publication_type, kind):
    assert type_kind(publication_type) == kind


@pytest.mark.parametrize("title, publication_type, flagged", [
    ("RETRACTED: Deep learning for code review", "", True),
    ("[Retracted] Deep learning for code review", "", True),
    ("Retracted article: Deep learning for code review", "", True),
    ("RETRACTED ARTICLE - Deep learning for code review", "", True),
    ("Deep learning for code review (Retracted article. See vol 12, pg 40, 2021)", "", True),
    ("Deep learning for code review", "Journal Article; Retracted Publication", True),
    ("Retracted publications in the biomedical literature: a bibliometric study", "", False),
    ("Deep learning for code review", "Journal Article", False),
])
def test_a_retracted_article_is_flagged_by_its_type_or_its_title(title, publication_type, flagged):
    assert bool(retraction_flag(title, publication_type)) is flagged


# --- MEDLINE's correction fields ------------------------------------------------------

MEDLINE_RAW = """PMID- 31000001
TI  - Continuous glucose monitoring in adolescents.
PT  - Journal Article
PT  - Randomized Controlled Trial
EIN - Diabetes Care. 2019 Jul;42(7):1388. PMID:
      31000002
CIN - Diabetes Care. 2019 Sep;42(9):e150. PMID: 31000003
RIN - Diabetes Care. 2020 Jan;43(1):250. PMID: 31000005
"""


def test_related_fields_reads_the_medline_correction_tags_from_raw_text():
    assert related_fields(MEDLINE_RAW) == (
        ("EIN", "Diabetes Care. 2019 Jul;42(7):1388. PMID: 31000002"),
        ("CIN", "Diabetes Care. 2019 Sep;42(9):e150. PMID: 31000003"),
        ("RIN", "Diabetes Care. 2020 Jan;43(1):250. PMID: 31000005"),
    )


def test_related_fields_reads_pubmed_xml_and_parsed_extra_pairs():
    xml = ('<CommentsCorrectionsList><CommentsCorrections RefType="ErratumFor">'
           '<RefSource>Lancet. 2008;371(9606):45-50</RefSource><PMID Version="1">18177766</PMID>'
           '</CommentsCorrections><CommentsCorrections RefType="Cites"><RefSource>x</RefSource>'
           '</CommentsCorrections></CommentsCorrectionsList>')
    assert related_fields(xml) == (("EFR", "Lancet. 2008;371(9606):45-50 PMID: 18177766"),)
    assert related_fields((("CON", "BMJ. 2001;1:2. PMID: 5"), ("OWN", "NLM"))) == (("CON", "BMJ. 2001;1:2. PMID: 5"),)
    assert related_fields("") == ()


def test_publication_types_keeps_every_medline_type():
    assert publication_types(MEDLINE_RAW, "Journal Article") == "Journal Article; Randomized Controlled Trial"
    assert publication_types("TY  - JOUR\n", "JOUR") == "JOUR"


# --- linking in find_duplicates -------------------------------------------------------

def test_an_erratum_carrying_the_article_title_is_linked_not_merged():
    erratum = notice("n1", "Erratum: " + ARTICLE.title)
    result = find_duplicates([ARTICLE, erratum])
    assert links(result) == [("n1", "a1", "erratum")]
    assert result.groups == [] and result.maybe_pairs == []


def test_a_published_erratum_with_the_very_same_title_is_still_never_merged():
    # Same title, authors, journal and year: only the publication type tells them apart.
    erratum = replace(ARTICLE, id="n1", issue="7", pages="1388", doi="", pmid="31000002",
                      publication_type="Journal Article; Published Erratum")
    result = find_duplicates([ARTICLE, erratum])
    assert result.groups == []
    assert links(result) == [("n1", "a1", "erratum")]


def test_an_erratum_with_its_own_title_is_linked_by_the_pmid_it_cites():
    erratum = notice("n1", "Error in Figure 2", pmid="31000002", publication_type="Published Erratum",
                     related=(("EFR", "Diabetes Care. 2019;42(3):401-409. PMID: 31000001"),))
    [link] = find_duplicates([ARTICLE, erratum]).notices
    assert (link.notice_id, link.article_id, link.kind) == ("n1", "a1", "erratum")
    assert "cites its PMID 31000001" in link.evidence


def test_the_articles_own_erratum_in_field_links_a_notice_that_says_nothing_itself():
    article = replace(ARTICLE, related=(("EIN", "Diabetes Care. 2019;42(7):1388. PMID: 31000002"),))
    erratum = notice("n1", "Incorrect dosage in table", pmid="31000002")
    assert links(find_duplicates([article, erratum])) == [("n1", "a1", "erratum")]


def test_a_comment_citing_the_doi_in_its_text_is_linked():
    comment = notice("n1", "Sensors for every adolescent?", publication_type="Letter; Comment",
                     abstract="We read with interest the trial by Hartmann et al. (doi:10.2337/dc18-0001).")
    assert links(find_duplicates([ARTICLE, comment])) == [("n1", "a1", "comment")]


def test_a_reply_in_another_journal_issue_is_linked_to_the_letter_by_title():
    reply = notice("n1", ARTICLE.title + " - Reply", authors=("Osei, Kwame",))
    assert links(find_duplicates([ARTICLE, reply])) == [("n1", "a1", "reply")]


def test_a_retraction_notice_is_linked_and_flags_the_article_and_its_copies():
    copy = replace(ARTICLE, id="a2", doi="", database="Embase")
    retraction = notice("n1", "Retraction notice to \"" + ARTICLE.title + "\"", year=2021, volume="44")
    result = find_duplicates([ARTICLE, copy, retraction])
    assert [g.ids for g in result.groups] == [("a1", "a2")]
    assert links(result) == [("n1", "a1", "retraction")]
    assert result.retracted == {"a1", "a2"}


def test_a_retracted_title_merges_with_the_plain_copy_and_both_are_flagged():
    retracted = replace(ARTICLE, id="a2", title="RETRACTED: " + ARTICLE.title, doi="")
    result = find_duplicates([ARTICLE, retracted])
    assert [g.ids for g in result.groups] == [("a1", "a2")]
    assert result.notices == [] and result.retracted == {"a1", "a2"}


def test_a_notice_without_a_kind_is_never_linked_but_queued():
    # The article's title at one page in a later issue: perhaps an erratum, perhaps a
    # meeting abstract. Nothing says which, so a person decides.
    one_page = replace(ARTICLE, id="n1", issue="9", pages="1875", doi="", pmid="")
    result = find_duplicates([ARTICLE, one_page])
    assert result.notices == [] and result.groups == []
    assert [(p.id_a, p.id_b) for p in result.maybe_pairs] == [("a1", "n1")]


def test_a_notice_published_years_before_the_article_is_not_linked():
    erratum = notice("n1", "Erratum: " + ARTICLE.title, year=2015)
    assert find_duplicates([ARTICLE, erratum]).notices == []


def test_a_notice_links_to_the_article_it_cites_among_two_with_its_title():
    # The same abstract printed in two journals' supplements is two records; the erratum
    # names its journal's volume and page.
    other = replace(ARTICLE, id="a2", journal="Pediatric Diabetes", volume="20", pages="55", doi="", pmid="")
    erratum = notice("n1", ARTICLE.title + " (vol 42, pg 401, 2019)")
    assert links(find_duplicates([ARTICLE, other, erratum])) == [("n1", "a1", "erratum")]


def test_two_copies_of_one_erratum_merge_and_each_links_to_the_article():
    first = notice("n1", "Erratum: " + ARTICLE.title)
    second = replace(first, id="n2", journal="Diabetes care.", authors=("Hartmann L",))
    result = find_duplicates([ARTICLE, first, second])
    assert [g.ids for g in result.groups] == [("n1", "n2")]
    assert links(result) == [("n1", "a1", "erratum"), ("n2", "a1", "erratum")]


def test_notices_between_two_records_of_an_earlier_run_are_not_linked_again():
    erratum = notice("n1", "Erratum: " + ARTICLE.title, is_new=False)
    assert find_duplicates([replace(ARTICLE, is_new=False), erratum]).notices == []
    assert links(find_duplicates([ARTICLE, erratum])) == [("n1", "a1", "erratum")]
