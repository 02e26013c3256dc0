"""Priority screening in the app: each reviewer's ranking learns only from their own decisions
and resolved outcomes, is served from the latest stored ranking, is retrained when due (once),
and its features are computed once per set of records."""
import pickle
import re

import pytest
from django.db import transaction

from screening.models import Job, PriorityRank, PriorityRanking, Record
from screening.models.reviews import Membership, Role
from screening.services import decisions as services
from screening.services import jobs, priority
from screening.services import queue as queue_services

from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    priority._IN_MEMORY.clear()
    return tmp_path


@pytest.fixture
def records(review):
    review.order = "priority"
    review.save()
    records = make_records(review, 30)  # five kinds of study, six of each; kinds 0 and 4 are eligible
    queue_services.record_stages_sync(review=review)
    return records


def eligible(record):
    return "glasses" in record.abstract or "blue-blocking" in record.abstract


def screen(reviewer, review, count, *, choose=lambda r: "include" if eligible(r) else "exclude"):
    """Screen `count` records in the reviewer's queue order; return them."""
    seen = []
    for _ in range(count):
        ranking = priority.ranking_of(reviewer, review)
        record, _ = queue_services.screening_next(reviewer=reviewer, review=review, ranking=ranking)
        if record is None:
            break
        services.decision_record(reviewer=reviewer, review=review, record=record, verdict=choose(record))
        seen.append(record)
    return seen


def screen_cold_start(reviewer, review, at_least=6):
    """Screen at least `at_least` records, and on until there is an include and an exclude to
    learn from: random order depends on record ids, which differ from run to run."""
    seen = screen(reviewer, review, at_least)
    while {eligible(r) for r in seen} != {True, False}:
        seen += screen(reviewer, review, 1)
    return seen


def train(reviewer, review):
    ranking, _ = PriorityRanking.objects.get_or_create(review=review, reviewer=reviewer, stage="title_abstract")
    priority.ranking_train_and_store(ranking=ranking)
    ranking.refresh_from_db()
    return ranking


def snapshot(ranking):
    ranking.refresh_from_db()
    rows = list(PriorityRank.objects.filter(ranking=ranking).order_by("position")
                .values_list("record_id", "position", "score", "words"))
    summary = (ranking.ranked, ranking.own_decisions, ranking.resolved_records, ranking.remaining_includes,
               ranking.unscreened, ranking.excludes_in_a_row, ranking.may_stop)
    return rows, summary


def test_it_learns_from_my_decisions_and_resolved_outcomes_only(review, records, alice, bob, carol):
    mine = screen(bob, review, 4, choose=lambda r: "maybe" if eligible(r) else "exclude")
    alices = screen(alice, review, 6)
    outsider = next(r for r in records if r not in mine and r not in alices)
    services.outcome_resolve(lead=carol, review=review, record=outsider, verdict="include")

    labels, in_order, resolved = priority.training_labels(reviewer=bob, review=review)

    # Alice's pending votes are absent; records Alice and Bob agree on resolve to Bob's own vote.
    expected = {r.pk: eligible(r) for r in mine}  # maybe counts as include
    expected[outsider.pk] = True
    assert labels == expected
    assert in_order == [eligible(r) for r in mine]
    assert resolved == 1


def test_bobs_ranking_is_identical_whether_or_not_alice_has_voted(client, review, records, alice, bob, carol):
    """The blinding proof: the stored ranking (order, scores, words, estimates), the card Bob
    sees and the queue he is served are the same with and without Alice's votes, including
    votes that agree with his, contradict his, and are on records he has not seen."""
    screen(bob, review, 8)
    client.force_login(bob)

    def bobs_view():
        ranking = train(bob, review)
        card = open_screen(client, review, HTTP_HX_REQUEST="true").content.decode()
        queue = [r.pk for r in screen(bob, review, 5)]
        return snapshot(ranking), re.sub(r"[A-Za-z0-9]{64}", "CSRF", card), queue

    with transaction.atomic():
        alone = bobs_view()
        transaction.set_rollback(True)
    priority._IN_MEMORY.clear()
    flip = {"include": "exclude", "exclude": "maybe"}
    screen(alice, review, 30, choose=lambda r: flip["include" if eligible(r) else "exclude"] if r.pk % 2 else
           ("include" if eligible(r) else "exclude"))
    assert PriorityRanking.objects.filter(reviewer=alice).count() == 0
    with_alice = bobs_view()
    assert with_alice == alone
    assert len(alone[0][0]) == 22 and "Predicted relevance (estimate)" in alone[1] and alone[2]

    # The comparison is sensitive: a public resolution does change Bob's ranking.
    first = alone[0][0][0][0]
    services.outcome_resolve(lead=carol, review=review, record=Record.objects.get(pk=first), verdict="exclude")
    assert snapshot(train(bob, review))[0] != alone[0][0]


def test_the_queue_follows_my_ranking_once_trained(review, records, bob):
    first = screen_cold_start(bob, review)  # random order during the cold start
    ranking = train(bob, review)
    ranked = list(PriorityRank.objects.filter(ranking=ranking).order_by("position").values_list("record_id", flat=True))
    served = screen(bob, review, 5)
    assert [r.pk for r in served] == ranked[:5]
    # Six eligible records of each kind; the model puts the unseen eligible ones first.
    unseen_eligible = sum(eligible(r) for r in records) - sum(eligible(r) for r in first)
    assert all(eligible(r) for r in served[:min(5, unseen_eligible)])
    top = PriorityRank.objects.get(ranking=ranking, position=0)
    assert top.words and top.score > PriorityRank.objects.get(ranking=ranking, position=20).score


def test_records_imported_after_the_ranking_are_still_served(review, records, bob):
    screen_cold_start(bob, review)
    train(bob, review)
    screen(bob, review, 24)  # everything the ranking holds
    late = make_records(review, 2, database="Embase")
    queue_services.record_stages_sync(review=review)
    served = screen(bob, review, 5)
    assert {r.pk for r in served} == {r.pk for r in late}


def test_priority_composes_with_claims_and_never_hands_out_a_full_record(review, records, alice, bob):
    review.reviewers_per_record = 1
    review.save()
    first = screen_cold_start(bob, review)
    train(bob, review)
    alices = {r.pk for r in screen(alice, review, 10)}
    bobs = {r.pk for r in screen(bob, review, 30)}
    assert not alices & bobs
    assert len(alices | bobs) + len(first) == 30


def test_a_retrain_is_requested_when_due_and_only_once(review, records, bob, sent,
                                                       django_capture_on_commit_callbacks):
    def request(includes, excludes, ranking):
        with django_capture_on_commit_callbacks(execute=True):
            return priority.priority_retrain_if_due(reviewer=bob, review=review, ranking=ranking,
                                                    includes=includes, excludes=excludes)

    assert request(0, 5, None) is None  # cold start: no include yet
    assert not PriorityRanking.objects.exists()
    first = request(1, 1, None)
    ranking = priority.ranking_of(bob, review)
    assert first.kind == "priority_retrain" and first.review is None and ranking.requested_job == first
    stale = priority.ranking_of(bob, review)
    assert request(1, 10, ranking) is None  # 9 decisions later: not due
    second = request(2, 10, ranking)  # 10 decisions later
    assert second is not None and ranking.requested_at_decisions == 12
    assert request(3, 12, stale) is None  # a second tab with an older view of the row
    assert sent == [first.pk, second.pk]
    review.order = "random"
    assert request(20, 20, ranking) is None


def test_a_retried_job_and_an_older_job_change_nothing(review, records, bob, sent):
    first = screen_cold_start(bob, review)
    older = priority.priority_retrain_if_due(reviewer=bob, review=review, ranking=None, includes=1, excludes=1)
    ranking = priority.ranking_of(bob, review)
    screen(bob, review, 10)
    newer = priority.priority_retrain_if_due(reviewer=bob, review=review, ranking=ranking, includes=8, excludes=8)
    assert jobs.job_run(job_id=newer.pk).status == Job.Status.SUCCEEDED
    stored = snapshot(priority.ranking_of(bob, review))
    assert jobs.job_run(job_id=newer.pk) is None  # redelivered: the row says it is done
    older_run = jobs.job_run(job_id=older.pk)
    assert older_run.status == Job.Status.SUCCEEDED and "newer" in older_run.message
    assert snapshot(priority.ranking_of(bob, review)) == stored
    assert priority.ranking_of(bob, review).job_id == newer.pk and stored[1][1] == len(first) + 10


def test_features_are_computed_once_per_set_of_records(review, records, bob, media_root, monkeypatch):
    features, ids = priority.review_features(review)
    files = list((media_root / "ranking").rglob("features-*.pkl"))
    assert len(files) == 1 and ids == sorted(r.pk for r in records) and features.matrix.shape[0] == 30
    with files[0].open("rb") as handle:
        assert pickle.load(handle)["matrix"].shape == features.matrix.shape

    def not_again(texts):
        raise AssertionError("featurized twice")

    monkeypatch.setattr(priority.ranker, "featurize", not_again)
    priority._IN_MEMORY.clear()
    again, _ = priority.review_features(review)  # from disk
    assert (again.matrix != features.matrix).nnz == 0 and list(again.terms) == list(features.terms)
    monkeypatch.undo()
    make_records(review, 3, database="Embase")
    _, more = priority.review_features(review)
    assert len(more) == 33
    assert [f.name for f in (media_root / "ranking").rglob("features-*.pkl")] != [files[0].name]
    assert len(list((media_root / "ranking").rglob("features-*.pkl"))) == 1


def test_a_lead_who_screens_learns_from_their_own_decisions_too(review, records, carol, alice):
    assert Membership.objects.get(review=review, user=carol).role == Role.LEAD
    screen(alice, review, 6)
    labels, _, _ = priority.training_labels(reviewer=carol, review=review)
    assert labels == {}


def test_records_without_a_single_word_fail_the_job_with_a_message(review, bob, sent):
    review.order = "priority"
    review.save()
    make_records(review, 3)
    Record.objects.filter(review=review).update(title="", abstract="")
    job = priority.priority_retrain_if_due(reviewer=bob, review=review, ranking=None, includes=1, excludes=1)
    job = jobs.job_run(job_id=job.pk)
    assert (job.status, job.error) == (Job.Status.FAILED, "The records have no words to rank them by.")
