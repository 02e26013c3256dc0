"""Accept many at once: the lead sees the pairs, confirms exactly those, and can undo the
batch in one step; skipped pairs are never in it."""
import pytest

from screening.models import DuplicateCandidate, Merge, MergeBatch, Record
from screening.services import dedup, merges

from .test_services_dedup import two_databases  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(review, two_databases):  # noqa: F811
    """The engine's one unsure pair (0.8x) plus three pairs of other records in the queue:
    0.97 skipped by the lead, 0.95 and 0.92 still to decide."""
    dedup.dedup_review(review=review)
    engine_pair = review.duplicate_candidates.get()
    taken = {engine_pair.record_a_id, engine_pair.record_b_id}
    free = list(Record.objects.filter(review=review, duplicate_of__isnull=True).exclude(pk__in=taken)
                .order_by("pk").values_list("pk", flat=True))
    assert len(free) >= 3
    pairs = {}
    for (a, b), score, status, name in (((free[0], free[1]), 0.97, "skipped", "skipped"),
                                        ((free[0], free[2]), 0.95, "pending", "high"),
                                        ((free[1], free[2]), 0.92, "pending", "lower")):
        pairs[name] = DuplicateCandidate.objects.create(review=review, record_a_id=a, record_b_id=b, score=score,
                                                        rule="similar_title", status=status)
    pairs["engine"] = engine_pair
    return pairs


def test_the_preview_lists_pairs_still_to_decide_and_leaves_skipped_ones_out(review, queue):
    shown = list(merges.candidates_bulk_acceptable(review, 0.9))
    assert shown == [queue["high"], queue["lower"]]


def test_confirming_merges_exactly_the_pairs_shown_as_one_batch(review, queue, carol):
    batch = merges.candidates_accept(review=review, candidate_ids=[queue["high"].pk], min_score=0.9,
                                    decided_by=carol)
    assert batch.merges.count() == 1 and batch.created_by == carol
    statuses = dict(DuplicateCandidate.objects.values_list("pk", "status"))
    assert statuses[queue["high"].pk] == "same"
    assert statuses[queue["lower"].pk] == "pending"  # not shown, so not merged
    assert statuses[queue["skipped"].pk] == "skipped"


def test_a_skipped_pair_posted_anyway_is_not_merged(review, queue, carol):
    batch = merges.candidates_accept(review=review, candidate_ids=[queue["skipped"].pk], min_score=0.9,
                                    decided_by=carol)
    assert batch is None
    assert DuplicateCandidate.objects.get(pk=queue["skipped"].pk).status == "skipped"
    assert not MergeBatch.objects.exists()


def test_a_pair_below_the_score_posted_anyway_is_not_merged(review, queue, carol):
    assert merges.candidates_accept(review=review, candidate_ids=[queue["engine"].pk], min_score=0.9,
                                   decided_by=carol) is None
    assert DuplicateCandidate.objects.get(pk=queue["engine"].pk).status == "pending"


def test_undoing_the_batch_takes_back_every_merge_and_puts_the_pairs_back_in_the_queue(review, queue, carol):
    automatic = Merge.objects.get(automatic=True)
    batch = merges.candidates_accept(review=review, candidate_ids=[queue["high"].pk, queue["lower"].pk],
                                    min_score=0.9, decided_by=carol)
    assert batch.merges.count() == 2 or batch.merges.count() == 1  # the second pair may already share a group
    merged = list(batch.merges.values_list("record_id", flat=True))
    assert merges.merge_batch_undo(batch=batch, undone_by=carol) == len(merged)
    assert not Record.objects.filter(pk__in=merged, duplicate_of__isnull=False).exists()
    assert set(review.duplicate_candidates.queue()) == {queue["high"], queue["lower"], queue["skipped"],
                                                        queue["engine"]}
    assert not review.duplicate_candidates.kept_apart().exists()  # undoing a batch is not "different"
    automatic.refresh_from_db()
    assert not automatic.is_undone  # the engine's own merge is not part of the batch
    batch.refresh_from_db()
    assert batch.undone_by == carol
    assert merges.merge_batch_undo(batch=batch, undone_by=carol) == 0


def test_the_preview_page_shows_the_pairs_and_reasons_in_words_and_posts_their_ids(client, carol, review, queue):
    client.force_login(carol)
    page = client.get(f"/reviews/{review.pk}/duplicates/queue/accept-preview/?min_score=0.90").content.decode()
    assert "Accept 2 pairs as the same work?" in page and ">Similar title<" in page
    assert f'name="candidate" value="{queue["high"].pk}"' in page
    assert f'name="candidate" value="{queue["skipped"].pk}"' not in page
    assert "1 pair you skipped" in page
    assert DuplicateCandidate.objects.filter(status="same").count() == 0  # a GET never writes


def test_posting_without_the_shown_pairs_merges_nothing_and_says_so(client, carol, review, queue):
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/duplicates/queue/accept-above/", {"min_score": "0.9"},
                           follow=True)
    assert "Nothing merged: look at the pairs first" in response.content.decode()
    assert DuplicateCandidate.objects.filter(status="same").count() == 0


def test_the_lead_confirms_then_undoes_the_batch_from_the_merges_page(client, carol, review, queue):
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/duplicates/queue/accept-above/",
                           {"min_score": "0.9", "candidate": [queue["high"].pk]}, follow=True)
    assert "1 pair scoring 0.90 or more merged" in response.content.decode()
    batch = MergeBatch.objects.get()
    page = client.get(f"/reviews/{review.pk}/duplicates/merges/").content.decode()
    assert "Undo this bulk accept" in page and "in a bulk accept" in page
    response = client.post(f"/reviews/{review.pk}/duplicates/batches/{batch.pk}/undo/", follow=True)
    assert "Bulk accept undone: 1 merge taken back" in response.content.decode()
    assert DuplicateCandidate.objects.get(pk=queue["high"].pk).status == "pending"


def test_a_reviewer_may_not_undo_a_batch(client, alice, carol, review, queue):
    batch = merges.candidates_accept(review=review, candidate_ids=[queue["high"].pk], min_score=0.9,
                                    decided_by=carol)
    client.force_login(alice)
    response = client.post(f"/reviews/{review.pk}/duplicates/batches/{batch.pk}/undo/")
    assert response.status_code == 403
    batch.refresh_from_db()
    assert not batch.is_undone
