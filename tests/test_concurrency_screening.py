"""Reviewers working at the same moment, in real threads with their own PostgreSQL
connections: claims never pass the number of reviewers per record, and no vote is lost or
doubled."""
import threading
from collections import Counter

import pytest
from django.db import connection

from screening.models import Decision, DecisionEvent, Membership, RecordStage, Role
from screening.services import decisions as services

from .screening_records import make_records

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(workers):
    """Start every worker at the same instant; re-raise the first error."""
    barrier = threading.Barrier(len(workers))
    errors = []

    def wrap(work):
        try:
            barrier.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def test_six_reviewers_at_once_never_push_a_record_over_two(review, alice, bob, make_user):
    reviewers = [alice, bob] + [make_user(f"reviewer{i}") for i in range(4)]
    for user in reviewers[2:]:
        Membership.objects.create(review=review, user=user, role=Role.REVIEWER)
    make_records(review, 30)
    services.record_stages_sync(review=review)

    def screen_everything(user):
        def work():
            while True:
                record, _ = services.screening_next(reviewer=user, review=review)
                if record is None:
                    return
                services.decision_record(reviewer=user, review=review, record=record, verdict="include")
        return work

    run_together([screen_everything(user) for user in reviewers])
    per_record = Counter(Decision.objects.values_list("record_id", flat=True))
    assert set(per_record.values()) == {2} and len(per_record) == 30
    assert set(RecordStage.objects.values_list("claims", "outcome")) == {(2, "included")}
    assert DecisionEvent.objects.filter(kind="vote").count() == 60
    assert Decision.objects.filter(verdict__isnull=True).count() == 0


def test_simultaneous_last_votes_and_double_submits_keep_one_decision_each(review, alice, bob):
    records = make_records(review, 5)
    services.record_stages_sync(review=review)
    # Both reviewers hold a claim on every record and have not voted yet.
    for user in (alice, bob):
        for record in records:
            Decision.objects.create(review=review, record=record, stage="title_abstract", reviewer=user)
    RecordStage.objects.update(claims=2)
    assert Decision.objects.filter(verdict__isnull=True).count() == 10

    def vote(user, record, verdict):
        return lambda: services.decision_record(reviewer=user, review=review, record=record, verdict=verdict)

    workers = []
    for record in records:
        # Alice double-submits, Bob votes at the same moment: the record's outcome is computed
        # with both votes in, whatever order the transactions commit.
        workers += [vote(alice, record, "include"), vote(alice, record, "include"), vote(bob, record, "exclude")]
    run_together(workers)
    assert Decision.objects.count() == 10
    assert set(RecordStage.objects.values_list("outcome", flat=True)) == {"conflict"}


def test_a_double_submitted_vote_and_next_keeps_one_vote_and_serves_one_next_record(review, alice):
    """Two identical key presses at once (decide + next record, as the screening view sends
    them): one vote, one history entry, and both answers show the same next record, the only
    record left claimed and open for the reviewer."""
    make_records(review, 5)
    services.record_stages_sync(review=review)
    first, _ = services.screening_next(reviewer=alice, review=review)
    served = []

    def press():
        served.append(services.decision_record_and_next(reviewer=alice, review=review, record_id=first.pk,
                                                        verdict="include").record.pk)

    run_together([press, press])
    assert len(served) == 2 and len(set(served)) == 1 and first.pk not in served
    assert Decision.objects.filter(reviewer=alice, record=first).count() == 1
    assert DecisionEvent.objects.filter(record=first).count() == 1
    assert list(Decision.objects.filter(reviewer=alice, verdict__isnull=True).values_list("record_id",
                                                                                          flat=True)) == served[:1]
    assert RecordStage.objects.get(record_id=served[0]).claims == 1


def leave_everything_open(review, holders, records, minutes_ago=120):
    """Each holder claims every record and walks away from it `minutes_ago` minutes ago."""
    from datetime import timedelta

    from django.utils import timezone

    claimed_at = timezone.now() - timedelta(minutes=minutes_ago)
    for user in holders:
        for record in records:
            Decision.objects.create(review=review, record=record, stage="title_abstract", reviewer=user,
                                    claimed_at=claimed_at)
    RecordStage.objects.update(claims=len(holders))


def test_reviewers_taking_over_stale_claims_at_once_never_push_a_record_over_two(review, alice, bob, make_user,
                                                                                settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    takers = [alice, bob] + [make_user(f"taker{i}") for i in range(2)]
    holders = [make_user("dana"), make_user("erin")]
    for user in takers[2:] + holders:
        Membership.objects.create(review=review, user=user, role=Role.REVIEWER)
    records = make_records(review, 12)
    services.record_stages_sync(review=review)
    leave_everything_open(review, holders, records)

    def screen_everything(user):
        def work():
            while True:
                record, _ = services.screening_next(reviewer=user, review=review)
                if record is None:
                    return
                services.decision_record(reviewer=user, review=review, record=record, verdict="include")
        return work

    run_together([screen_everything(user) for user in takers])
    # A taker may stop while the last stale records are locked by the others; once more, alone.
    for user in takers:
        screen_everything(user)()
    per_record = Counter(Decision.objects.values_list("record_id", flat=True))
    assert set(per_record.values()) == {2} and len(per_record) == 12
    assert set(RecordStage.objects.values_list("claims", "outcome")) == {(2, "included")}
    assert not Decision.objects.filter(reviewer__in=holders).exists()
    assert Decision.objects.filter(verdict__isnull=True).count() == 0


def test_a_late_vote_and_a_takeover_at_once_keep_exactly_one_decision_per_record(review, alice, bob, settings):
    """Alice comes back and votes on cards she left open while Bob, with nothing else left,
    takes them over: each record ends with one decision, hers or his, never both or none."""
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    records = make_records(review, 6)
    services.record_stages_sync(review=review)
    leave_everything_open(review, [alice], records)
    passed = []

    def alice_votes():
        for record in records:
            try:
                services.decision_record(reviewer=alice, review=review, record=record, verdict="include")
            except Decision.DoesNotExist:
                passed.append(record.pk)

    def bob_takes_over():
        while (pair := services.screening_next(reviewer=bob, review=review))[0]:
            services.decision_record(reviewer=bob, review=review, record=pair[0], verdict="exclude")

    run_together([alice_votes, bob_takes_over])
    per_record = Counter(Decision.objects.values_list("record_id", flat=True))
    assert set(per_record.values()) == {1} and len(per_record) == 6
    assert set(RecordStage.objects.values_list("claims", flat=True)) == {1}
    assert Decision.objects.filter(verdict__isnull=True).count() == 0
    assert set(Decision.objects.filter(reviewer=bob).values_list("record_id", flat=True)) == set(passed)
    assert DecisionEvent.objects.filter(kind="vote").count() == 6
