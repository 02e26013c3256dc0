"""Notices linked to their article by the dedup run: stored once, out of screening with the
article, undone by a lead, and counted by PRISMA; retracted records flagged."""
import pytest

from screening.models import DecisionEvent, NoticeLink, Record
from screening.prisma import check_sums
from screening.selectors.prisma import prisma_counts
from screening.services import decisions, dedup, imports, merges
from screening.services import queue as queue_services

from .helpers.notices import (
    AMBER,
    ARTICLE,
    COHORT,
    COMMENT,
    ERRATUM,
    MELATONIN,
    RETRACTION,
    Detection,
    import_notices_file,
)

pytestmark = pytest.mark.django_db


def record(review, title_start):
    return Record.objects.get(review=review, title__startswith=title_start)


def retracted_titles(review):
    return {r.title.split(":")[0][:20] for r in Record.objects.filter(review=review).with_retraction()
            if r.is_retracted}


@pytest.fixture
def deduplicated(review, tmp_path, detection):
    import_notices_file(review, tmp_path)
    summary = dedup.dedup_review(review=review)
    review.refresh_from_db()
    return summary


def test_the_run_links_each_notice_to_its_article_with_kind_and_evidence(review, deduplicated):
    assert deduplicated.notices == 3
    assert "3 notices linked to their article" in deduplicated.message()
    erratum = NoticeLink.objects.get(notice=record(review, ERRATUM))
    assert (erratum.article, erratum.kind, erratum.is_automatic) == (record(review, ARTICLE), "erratum", True)
    assert erratum.evidence == ["title starts 'Erratum'", "cites its DOI"]
    assert record(review, ERRATUM).notice_of == record(review, ARTICLE)
    assert record(review, RETRACTION).notice_of == record(review, AMBER)
    assert review.has_notices is True
    # The engine's unsure pairs of a notice and its article leave the queue while linked.
    queued = {frozenset((c.record_a.title[:12], c.record_b.title[:12])) for c in review.duplicate_candidates.queue()}
    assert frozenset((record(review, ERRATUM).title[:12], record(review, ARTICLE).title[:12])) not in queued


def test_a_linked_notice_is_not_screened_on_its_own(review, deduplicated, alice, bob):
    in_screening = set(Record.objects.filter(review=review).in_screening().values_list("title", flat=True))
    assert not any(t.startswith((ERRATUM, COMMENT, RETRACTION)) for t in in_screening)
    assert len(in_screening) == 4
    queue_services.record_stages_sync(review=review)
    handed_out = set()
    for reviewer in (alice, bob):
        while True:
            next_record, _ = queue_services.screening_next(reviewer=reviewer, review=review)
            if next_record is None:
                break
            handed_out.add(next_record.title)
            decisions.decision_record(reviewer=reviewer, review=review, record=next_record, verdict="include")
    assert handed_out == in_screening


def test_running_again_over_everything_keeps_the_links_and_adds_none(review, deduplicated):
    before = list(NoticeLink.objects.order_by("pk").values_list("pk", "notice_id", "article_id", "kind"))
    review.imports.update(deduplicated_at=None)
    summary = dedup.dedup_review(review=review)
    assert summary.notices == 0
    assert list(NoticeLink.objects.order_by("pk").values_list("pk", "notice_id", "article_id", "kind")) == before


def test_undo_returns_the_notice_to_screening_and_later_runs_do_not_link_it_again(review, deduplicated, carol):
    link = NoticeLink.objects.get(notice=record(review, ERRATUM))
    merges.notice_link_undo(link=link, undone_by=carol)
    link.refresh_from_db()
    assert (link.is_undone, link.undone_by) == (True, carol)
    erratum = record(review, ERRATUM)
    assert erratum.notice_of is None
    assert Record.objects.in_screening().filter(pk=erratum.pk).exists()
    event = DecisionEvent.objects.get(record=erratum)
    assert (event.kind, event.actor) == ("restore", carol)
    assert "erratum of record" in event.reason and "link undone" in event.reason
    # Undoing twice changes nothing more.
    merges.notice_link_undo(link=link, undone_by=carol)
    assert DecisionEvent.objects.filter(record=erratum).count() == 1

    review.imports.update(deduplicated_at=None)
    assert dedup.dedup_review(review=review).notices == 0
    assert record(review, ERRATUM).notice_of is None


def test_records_are_flagged_retracted_by_their_own_record_or_by_a_linked_retraction_notice(review, deduplicated):
    assert retracted_titles(review) == {"RETRACTED", "Amber lenses shorten"}
    # Only the melatonin trial says so itself; the amber trial is flagged through the link.
    assert set(Record.objects.filter(retracted=True).values_list("title", flat=True)) == {
        record(review, MELATONIN).title}


def test_undoing_the_retraction_notices_link_lifts_the_flag_it_gave(review, deduplicated, carol):
    merges.notice_link_undo(link=NoticeLink.objects.get(kind="retraction"), undone_by=carol)
    assert retracted_titles(review) == {"RETRACTED"}


def test_a_duplicate_of_a_retracted_record_flags_its_group(review, deduplicated, tmp_path):
    # The same melatonin trial from Embase, without the retraction in its title: it joins the
    # group as a duplicate or keeps the primary, and the work is flagged either way.
    text = ("TY  - JOUR\nTI  - Melatonin before bed doubles sleep time in older adults\nAU  - Vidal, R.\n"
            "PY  - 2018\nJO  - Sleep Health\nVL  - 4\nSP  - 300\nEP  - 305\nDO  - 10.1000/melatonin.3\nER  - \n")
    path = tmp_path / "embase.ris"
    path.write_text(text, encoding="utf-8")
    imports.import_file_now(review=review, path=path, database="Embase")
    dedup.dedup_review(review=review)
    [work] = [r for r in Record.objects.filter(review=review, title__icontains="melatonin before bed").in_screening()
              .with_retraction()]
    assert work.is_retracted is True


def test_a_notice_merged_with_its_article_or_closing_a_loop_is_not_linked(review, tmp_path, monkeypatch):
    looped = Detection(links=[
        (ERRATUM, ARTICLE, "erratum", ("title starts 'Erratum'",)),
        (ARTICLE, ERRATUM, "comment", ("made up to close a loop",)),
        (COHORT, COHORT[:7], "comment", ("the record itself",)),
        (MELATONIN, AMBER, "not_a_kind", ()),
    ], retracted=[])
    monkeypatch.setattr(dedup, "find_duplicates", looped)
    import_notices_file(review, tmp_path)
    assert dedup.dedup_review(review=review).notices == 1
    # One of the two links that make a loop is kept (the first by record id), never both.
    [link] = NoticeLink.objects.all()
    assert {link.notice, link.article} == {record(review, ERRATUM), record(review, ARTICLE)}


def test_linking_a_notice_releases_the_open_claim_on_it(review, tmp_path, alice, monkeypatch):
    monkeypatch.setattr(dedup, "find_duplicates", Detection(links=[], retracted=[]))
    import_notices_file(review, tmp_path)
    dedup.dedup_review(review=review)
    review.order = "import"
    review.save()
    queue_services.record_stages_sync(review=review)
    claimed, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert claimed.title.startswith(ARTICLE)
    decisions.decision_record(reviewer=alice, review=review, record=claimed, verdict="include")
    claimed, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert claimed.title.startswith(ERRATUM)

    monkeypatch.setattr(dedup, "find_duplicates", Detection())
    review.imports.update(deduplicated_at=None)
    dedup.dedup_review(review=review)
    assert not Record.objects.screening_queue(alice, review, "title_abstract").filter(pk=claimed.pk).exists()
    assert claimed.decisions.filter(verdict__isnull=True).count() == 0
    following, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert not following.title.startswith((ERRATUM, COMMENT, RETRACTION))


def test_prisma_counts_linked_notices_under_removed_for_other_reasons_and_the_sums_hold(review, deduplicated, carol):
    queue_services.record_stages_sync(review=review)
    for kept in Record.objects.filter(review=review).in_screening():
        decisions.outcome_resolve(lead=carol, review=review, record=kept, verdict="exclude")
    counts = prisma_counts(review)
    assert (counts.database_results, counts.duplicates, counts.excluded_other, counts.records_screened) == (7, 0, 3, 4)
    assert counts.excluded_other_reasons == (
        ("Notices linked to their article (errata, comments, retractions)", 3),)
    assert check_sums(counts) == []


def test_prisma_breaks_down_notices_beside_records_the_lead_removed(review, deduplicated, carol):
    from screening.services.records import records_remove

    records_remove(review=review, record_ids=[record(review, COHORT).pk], reason="Not about light",
                   by_automation=False, removed_by=carol)
    counts = prisma_counts(review)
    assert counts.excluded_other == 4
    assert counts.excluded_other_reasons == (
        ("Notices linked to their article (errata, comments, retractions)", 3),
        ("Removed by a lead, with the reason given", 1))
    # Nothing is screened yet, so later sums are open; the breakdown itself adds up.
    assert "excluded_other_reasons" not in {m.box for m in check_sums(counts)}
    assert "records_screened" not in {m.box for m in check_sums(counts)}


def test_the_engines_own_detection_links_the_notices_of_a_medline_file_and_flags_retractions(review, tmp_path):
    import_notices_file(review, tmp_path)
    summary = dedup.dedup_review(review=review)
    assert summary.notices == 3
    links = {(link.notice.title[:10], link.kind, link.article.title[:10]) for link in NoticeLink.objects.all()}
    assert links == {(ERRATUM[:10], "erratum", ARTICLE[:10]), (COMMENT[:10], "comment", ARTICLE[:10]),
                     (RETRACTION[:10], "retraction", AMBER[:10])}
    # The MEDLINE fields (EFR, CON, ROF) and every publication type reached the engine.
    erratum = NoticeLink.objects.get(kind="erratum")
    assert "cites its PMID 31000001" in erratum.evidence
    assert "publication type 'Comment; Letter'" in NoticeLink.objects.get(kind="comment").evidence
    assert retracted_titles(review) == {"RETRACTED", "Amber lenses shorten"}
    assert set(Record.objects.filter(retracted=True).values_list("title", flat=True)) == {
        record(review, MELATONIN).title}
    # Nothing about the notices is left for the lead to check by hand.
    assert review.duplicate_candidates.queue().count() == 0


PUBMED_XML = """<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedArticle>
 <MedlineCitation Status="MEDLINE">
  <PMID Version="1">32000001</PMID>
  <Article>
   <Journal><Title>Chronobiology International</Title><JournalIssue><Volume>37</Volume>
    <PubDate><Year>2020</Year></PubDate></JournalIssue></Journal>
   <ArticleTitle>Morning bright light for delayed sleep phase in students.</ArticleTitle>
   <Pagination><StartPage>401</StartPage><EndPage>410</EndPage></Pagination>
   <PublicationTypeList><PublicationType>Journal Article</PublicationType></PublicationTypeList>
  </Article>
  <CommentsCorrectionsList>
   <CommentsCorrections RefType="ErratumIn"><RefSource>Chronobiol Int. 2021;38(2):300</RefSource>
    <PMID Version="1">32000002</PMID></CommentsCorrections>
  </CommentsCorrectionsList>
 </MedlineCitation>
</PubmedArticle>
<PubmedArticle>
 <MedlineCitation Status="MEDLINE">
  <PMID Version="1">32000002</PMID>
  <Article>
   <Journal><Title>Chronobiology International</Title><JournalIssue><Volume>38</Volume>
    <PubDate><Year>2021</Year></PubDate></JournalIssue></Journal>
   <ArticleTitle>Correction.</ArticleTitle>
   <Pagination><StartPage>300</StartPage></Pagination>
   <PublicationTypeList><PublicationType>Published Erratum</PublicationType></PublicationTypeList>
  </Article>
  <CommentsCorrectionsList>
   <CommentsCorrections RefType="ErratumFor"><RefSource>Chronobiol Int. 2020;37:401-10</RefSource>
    <PMID Version="1">32000001</PMID></CommentsCorrections>
  </CommentsCorrectionsList>
 </MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""


def test_a_pubmed_xml_erratum_titled_only_correction_is_linked_through_its_comments_corrections(review, tmp_path):
    path = tmp_path / "pubmed.xml"
    path.write_text(PUBMED_XML, encoding="utf-8")
    imports.import_file_now(review=review, path=path, database="MEDLINE")
    assert dedup.dedup_review(review=review).notices == 1
    link = NoticeLink.objects.get()
    assert (link.notice.title, link.article.pmid, link.kind) == ("Correction.", "32000001", "erratum")
    assert any("PMID 32000001" in reason for reason in link.evidence)
