"""Notices and retractions on the pages: the notices list and its undo, the flags on the
screening card, conflict and full-text pages, the lead's dashboard and the records export."""
import csv
import io

import pytest

from screening.models import DecisionEvent, NoticeLink, Record
from screening.services import decisions, dedup, fulltext
from screening.services import queue as queue_services

from .helpers.notices import (AMBER, ARTICLE, COMMENT, ERRATUM, MELATONIN, RETRACTION,
                              import_notices_file)
from .helpers.screening import open_screen

pytestmark = pytest.mark.django_db


def record(review, title_start):
    return Record.objects.get(review=review, title__startswith=title_start)


@pytest.fixture
def deduplicated(review, tmp_path, detection):
    import_notices_file(review, tmp_path)
    dedup.dedup_review(review=review)
    review.refresh_from_db()
    review.order = "import"
    review.save()
    queue_services.record_stages_sync(review=review)
    return review


def export_rows(client, review, subset="all"):
    response = client.get(f"/reviews/{review.pk}/exports/records-{subset}.csv")
    body = b"".join(response.streaming_content).decode()
    return {row["title"]: row for row in csv.DictReader(io.StringIO(body))}


def test_the_notices_page_lists_every_link_with_its_kind_evidence_and_an_undo(client, carol, deduplicated):
    client.force_login(carol)
    page = client.get(f"/reviews/{deduplicated.pk}/duplicates/notices/").content.decode()
    assert page.count('class="card merge notice-link"') == 3
    assert "Erratum" in page and "Comment" in page and "Retraction notice" in page
    assert "title starts &#x27;Erratum&#x27;; cites its DOI" in page
    assert page.count("Undo this link") == 3
    overview = client.get(f"/reviews/{deduplicated.pk}/duplicates/").content.decode()
    assert 'id="notices-linked">3<' in overview and "Notices and undo" in overview


def test_undo_by_the_lead_returns_the_notice_to_screening_and_lists_it_as_undone(client, carol, deduplicated):
    client.force_login(carol)
    link = NoticeLink.objects.get(notice=record(deduplicated, ERRATUM))
    response = client.post(f"/reviews/{deduplicated.pk}/duplicates/notices/{link.pk}/undo/", follow=True)
    assert "is a record of its own again and will be screened" in response.content.decode()
    assert record(deduplicated, ERRATUM).notice_of is None
    assert DecisionEvent.objects.filter(record=link.notice, kind="restore", actor=carol).exists()
    undone = client.get(f"/reviews/{deduplicated.pk}/duplicates/notices/?show=undone").content.decode()
    assert "Undone by Carol Lead" in undone and "Undo this link" not in undone
    again = client.post(f"/reviews/{deduplicated.pk}/duplicates/notices/{link.pk}/undo/", follow=True)
    assert "already undone" in again.content.decode()


def test_a_get_never_undoes_a_link(client, carol, deduplicated):
    client.force_login(carol)
    link = NoticeLink.objects.get(notice=record(deduplicated, ERRATUM))
    assert client.get(f"/reviews/{deduplicated.pk}/duplicates/notices/{link.pk}/undo/").status_code == 405
    assert NoticeLink.objects.get(pk=link.pk).is_undone is False


def test_a_link_of_another_review_cannot_be_undone_here(client, carol, deduplicated, tmp_path, make_user):
    from screening.services.reviews import review_create

    other = review_create(created_by=carol, title="Another review")
    import_notices_file(other, tmp_path)
    dedup.dedup_review(review=other)
    foreign = NoticeLink.objects.filter(review=other).first()
    client.force_login(carol)
    assert client.post(f"/reviews/{deduplicated.pk}/duplicates/notices/{foreign.pk}/undo/").status_code == 404
    assert NoticeLink.objects.get(pk=foreign.pk).is_undone is False


def test_the_card_shows_the_articles_notices_and_a_retracted_flag(client, alice, deduplicated):
    client.force_login(alice)
    card = open_screen(client, deduplicated).content.decode()
    assert ARTICLE in card
    assert "1 erratum, 1 comment" in card and "flag-retracted" not in card
    article = record(deduplicated, ARTICLE)
    # The amber-lens trial comes next (its erratum and comment are not screened on their own):
    # retracted through its linked retraction notice.
    body = client.post(f"/reviews/{deduplicated.pk}/screen/records/{article.pk}/decide/", {"verdict": "include"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert AMBER in body
    assert '<strong class="flag flag-retracted"' in body and ">Retracted<" in body
    assert "1 retraction notice" in body


def test_the_conflict_and_full_text_pages_show_the_retracted_flag(client, carol, deduplicated, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(carol)
    melatonin = record(deduplicated, MELATONIN)
    page = client.get(f"/reviews/{deduplicated.pk}/screening/records/{melatonin.pk}/").content.decode()
    assert ">Retracted<" in page
    decisions.outcome_resolve(lead=carol, review=deduplicated, record=melatonin, verdict="include")
    listing = client.get(f"/reviews/{deduplicated.pk}/fulltext/").content.decode()
    assert ">Retracted<" in listing
    fulltext.report_attach(review=deduplicated, record=melatonin, by=carol, url="https://example.org/m.pdf")
    page = client.get(f"/reviews/{deduplicated.pk}/fulltext/records/{melatonin.pk}/").content.decode()
    assert ">Retracted<" in page


def test_the_leads_dashboard_says_how_many_included_records_are_retracted(client, carol, alice, deduplicated):
    client.force_login(carol)
    assert "2 retracted records in this review, none included." in client.get(
        f"/reviews/{deduplicated.pk}/").content.decode()
    decisions.outcome_resolve(lead=carol, review=deduplicated, record=record(deduplicated, MELATONIN),
                              verdict="include")
    decisions.outcome_resolve(lead=carol, review=deduplicated, record=record(deduplicated, AMBER), verdict="exclude")
    client.force_login(carol)
    page = client.get(f"/reviews/{deduplicated.pk}/").content.decode()
    assert "1 included record is retracted" in page and "(2 retracted records in this review)" in page
    assert "3 notices (errata, comments, retractions …) linked to their articles" in page
    client.force_login(alice)
    assert "retracted" not in client.get(f"/reviews/{deduplicated.pk}/").content.decode()


def test_the_export_flags_retracted_records_and_notices_take_their_articles_decision(client, carol, deduplicated):
    article = record(deduplicated, ARTICLE)
    decisions.outcome_resolve(lead=carol, review=deduplicated, record=article, verdict="include")
    client.force_login(carol)
    rows = export_rows(client, deduplicated)
    assert {title[:20] for title, row in rows.items() if row["retracted"] == "yes"} == {
        record(deduplicated, MELATONIN).title[:20], record(deduplicated, AMBER).title[:20]}
    erratum = rows[record(deduplicated, ERRATUM).title]
    assert erratum["notice_of"] == f"erratum of record {article.pk}"
    assert (erratum["final_decision"], erratum["title_abstract_outcome"]) == ("awaiting retrieval", "included")
    assert rows[article.title]["notices"] == "1 erratum, 1 comment"
    assert rows[record(deduplicated, RETRACTION).title]["final_decision"] == "pending"
    # The article's subsets hold its notices.
    excluded = export_rows(client, deduplicated, "excluded")
    assert record(deduplicated, COMMENT).title not in excluded
    decisions.outcome_resolve(lead=carol, review=deduplicated, record=article, verdict="exclude")
    excluded = export_rows(client, deduplicated, "excluded")
    assert {record(deduplicated, ERRATUM).title, record(deduplicated, COMMENT).title, article.title} <= set(excluded)
    assert record(deduplicated, RETRACTION).title not in excluded


def test_prisma_page_labels_the_linked_notices(client, carol, deduplicated):
    client.force_login(carol)
    page = client.get(f"/reviews/{deduplicated.pk}/prisma/").content.decode()
    assert "Records removed for other reasons: Notices linked to their article (errata, comments, retractions)" in page
    assert "of which: Notices linked to their article (errata, comments, retractions) (n = 3)" in page
