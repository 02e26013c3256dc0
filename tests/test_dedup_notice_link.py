"""A lead answers a queued pair as a notice about an article: an erratum printed under the
article's own title (no "Erratum" anywhere for the run to see), a reply, a comment."""
import pytest

from screening.models import DecisionEvent, DuplicateCandidate, NoticeLink, Record
from screening.selectors.prisma import prisma_counts
from screening.services import dedup, imports, merges

pytestmark = pytest.mark.django_db

# The article, then a one-page item with its title and authors in a later issue of the same
# volume: an erratum printed under the article's title, which the run cannot tell from a
# meeting abstract, so it asks the lead.
ARTICLE_AND_UNLABELLED_ERRATUM = """TY  - JOUR
TI  - Anti-factor H autoantibodies in a renal transplant recipient with atypical haemolytic uraemic syndrome
AU  - Quintrec, Marc
AU  - Zuber, Julien
PY  - 2009
JO  - American Journal of Transplantation
VL  - 9
IS  - 5
SP  - 1223
EP  - 1229
ER  - 

TY  - JOUR
TI  - Anti-factor H autoantibodies in a renal transplant recipient with atypical haemolytic uraemic syndrome
AU  - Le Quintrec, Marc
AU  - Zuber, Julien
PY  - 2009
JO  - American Journal of Transplantation
VL  - 9
IS  - 9
SP  - 2205
EP  - 2205
ER  - 

TY  - JOUR
TI  - Plasma exchange before eculizumab in children: a cohort study
AU  - Novak, Petra
PY  - 2010
JO  - Pediatric Nephrology
VL  - 25
SP  - 100
EP  - 108
ER  - 
"""


@pytest.fixture
def queued_pair(review, tmp_path):
    path = tmp_path / "embase.ris"
    path.write_text(ARTICLE_AND_UNLABELLED_ERRATUM, encoding="utf-8")
    imports.import_file_now(review=review, path=path, database="Embase")
    dedup.dedup_review(review=review)
    return DuplicateCandidate.objects.get(review=review)


def article_and_erratum(review):
    article = Record.objects.get(review=review, pages__startswith="1223")
    erratum = Record.objects.get(review=review, pages__startswith="2205")
    return article, erratum


def link_url(review, candidate):
    return f"/reviews/{review.pk}/duplicates/queue/{candidate.pk}/notice/"


def test_the_run_asks_about_the_unlabelled_erratum_instead_of_linking_or_merging_it(review, queued_pair):
    article, erratum = article_and_erratum(review)
    assert {queued_pair.record_a_id, queued_pair.record_b_id} == {article.pk, erratum.pk}
    assert NoticeLink.objects.count() == 0 and erratum.duplicate_of is None


def test_linking_the_pair_takes_the_erratum_out_of_screening_with_its_article(review, queued_pair, carol):
    article, erratum = article_and_erratum(review)
    side = "a" if queued_pair.record_a_id == erratum.pk else "b"
    link = merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind="erratum", decided_by=carol)
    assert (link.notice_id, link.article_id, link.kind, link.created_by) == (erratum.pk, article.pk, "erratum", carol)
    assert link.is_automatic is False and "from the duplicates queue" in link.evidence[0]
    erratum.refresh_from_db()
    assert erratum.notice_of_id == article.pk
    assert erratum.pk not in set(Record.objects.filter(review=review).in_screening().values_list("pk", flat=True))
    queued_pair.refresh_from_db()
    assert (queued_pair.status, queued_pair.decided_by) == ("different", carol)
    event = DecisionEvent.objects.get(record=erratum)
    assert (event.kind, event.actor) == ("remove", carol) and "erratum" in event.reason
    review.refresh_from_db()
    assert review.has_notices is True


def test_prisma_counts_the_linked_notice_as_removed_for_other_reasons(review, queued_pair, carol):
    assert prisma_counts(review).excluded_other == 0
    side = "a" if queued_pair.record_a.pages.startswith("2205") else "b"
    merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind="erratum", decided_by=carol)
    counts = prisma_counts(review)
    assert (counts.database_results, counts.duplicates, counts.excluded_other) == (3, 0, 1)
    assert counts.excluded_other_reasons == (("Notices linked to their article (errata, comments, retractions)", 1),)


def test_undoing_the_link_returns_the_erratum_to_screening(review, queued_pair, carol):
    article, erratum = article_and_erratum(review)
    side = "a" if queued_pair.record_a_id == erratum.pk else "b"
    link = merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind="erratum", decided_by=carol)
    merges.notice_link_undo(link=link, undone_by=carol)
    erratum.refresh_from_db()
    assert erratum.notice_of is None
    assert erratum.pk in set(Record.objects.filter(review=review).in_screening().values_list("pk", flat=True))


def test_a_second_link_of_the_same_pair_changes_nothing(review, queued_pair, carol):
    merges.candidate_link_notice(candidate=queued_pair, notice_side="a", kind="erratum", decided_by=carol)
    assert merges.candidate_link_notice(candidate=queued_pair, notice_side="b", kind="reply",
                                        decided_by=carol) is None
    assert NoticeLink.objects.count() == 1


@pytest.mark.parametrize("side, kind, words", [
    ("a", "typo", "Choose what kind of notice"),
    ("c", "erratum", "Choose which record is the notice"),
])
def test_a_link_without_a_known_kind_or_side_is_refused(review, queued_pair, carol, side, kind, words):
    with pytest.raises(merges.LinkRefused, match=words):
        merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind=kind, decided_by=carol)
    assert NoticeLink.objects.count() == 0
    queued_pair.refresh_from_db()
    assert queued_pair.status == "pending"


def test_a_record_already_linked_elsewhere_is_refused_with_the_way_out(review, queued_pair, carol):
    article, erratum = article_and_erratum(review)
    other = Record.objects.get(review=review, title__startswith="Plasma exchange")
    NoticeLink.objects.create(review=review, notice=erratum, article=other, kind="comment", created_by=carol)
    side = "a" if queued_pair.record_a_id == erratum.pk else "b"
    with pytest.raises(merges.LinkRefused, match="undo that link under Notices"):
        merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind="erratum", decided_by=carol)


def test_a_notice_cannot_be_about_its_own_notice(review, queued_pair, carol):
    article, erratum = article_and_erratum(review)
    NoticeLink.objects.create(review=review, notice=article, article=erratum, kind="comment", created_by=carol)
    Record.objects.filter(pk=article.pk).update(notice_of=erratum)
    side = "a" if queued_pair.record_a_id == erratum.pk else "b"
    with pytest.raises(merges.LinkRefused, match="cannot be about its own notice"):
        merges.candidate_link_notice(candidate=queued_pair, notice_side=side, kind="erratum", decided_by=carol)


def test_the_queue_offers_the_link_with_the_one_page_item_preselected_as_the_notice(client, review, queued_pair,
                                                                                      carol):
    client.force_login(carol)
    page = client.get(f"/reviews/{review.pk}/duplicates/queue/").content.decode()
    side = "a" if queued_pair.record_a.pages.startswith("2205") else "b"
    assert f'<option value="{side}" selected>' in page
    assert 'data-key="l"' in page and "Link as notice" in page


def test_linking_by_htmx_returns_the_next_card_and_says_what_happened(client, review, queued_pair, carol):
    client.force_login(carol)
    response = client.post(link_url(review, queued_pair), {"notice_side": "b", "kind": "reply"},
                           headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Linked (reply)" in body and "No pairs left to check." in body


def test_a_refused_link_says_why_in_the_card(client, review, queued_pair, carol):
    client.force_login(carol)
    response = client.post(link_url(review, queued_pair), {"notice_side": "b", "kind": ""},
                           headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 422 and 'role="alert"' in body and "Not linked: Choose what kind" in body
    assert "1 pair left." in body


def test_a_reviewer_cannot_link_pairs(client, review, queued_pair, alice):
    client.force_login(alice)
    response = client.post(link_url(review, queued_pair), {"notice_side": "b", "kind": "erratum"})
    assert response.status_code == 403
    assert NoticeLink.objects.count() == 0
