"""Reviewers working at the same moment, in real threads with their own PostgreSQL
connections: claims never pass the number of reviewers per record, and no vote is lost or
doubled."""
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from screening.models import Decision, DecisionEvent, Membership, RecordStage, Role
from screening.services import decisions as services
from screening.services import queue as queue_services

from .helpers.screening import make_records

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
    queue_services.record_stages_sync(review=review)

    def screen_everything(user):
        def work():
            while True:
                record, _ = queue_services.screening_next(reviewer=user, review=review)
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
    queue_services.record_stages_sync(review=review)
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
    queue_services.record_stages_sync(review=review)
    first, _ = queue_services.screening_next(reviewer=alice, review=review)
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
    queue_services.record_stages_sync(review=review)
    leave_everything_open(review, holders, records)

    def screen_everything(user):
        def work():
            while True:
                record, _ = queue_services.screening_next(reviewer=user, review=review)
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
    queue_services.record_stages_sync(review=review)
    leave_everything_open(review, [alice], records)
    passed = []

    def alice_votes():
        for record in records:
            try:
                services.decision_record(reviewer=alice, review=review, record=record, verdict="include")
            except Decision.DoesNotExist:
                passed.append(record.pk)

    def bob_takes_over():
        while (pair := queue_services.screening_next(reviewer=bob, review=review))[0]:
            services.decision_record(reviewer=bob, review=review, record=pair[0], verdict="exclude")

    run_together([alice_votes, bob_takes_over])
    per_record = Counter(Decision.objects.values_list("record_id", flat=True))
    assert set(per_record.values()) == {1} and len(per_record) == 6
    assert set(RecordStage.objects.values_list("claims", flat=True)) == {1}
    assert Decision.objects.filter(verdict__isnull=True).count() == 0
    assert set(Decision.objects.filter(reviewer=bob).values_list("record_id", flat=True)) == set(passed)
    assert DecisionEvent.objects.filter(kind="vote").count() == 6


def replay_mismatches(review):
    """Replay the history of every decision (votes, changes and undos, in the order they were
    written) and return the events whose `old_verdict` is not the state they replaced, and
    the decisions whose replayed state is not their verdict."""
    state, wrong = {}, []
    for event in DecisionEvent.objects.filter(review=review, kind__in=["vote", "change", "undo"]).order_by("id"):
        key = (event.record_id, event.stage, event.actor_id)
        if event.old_verdict != state.get(key, ""):
            wrong.append((event.pk, event.kind, event.old_verdict, state.get(key, "")))
        state[key] = event.new_verdict
    for decision in Decision.objects.filter(review=review):
        if (decision.verdict or "") != state.get((decision.record_id, decision.stage, decision.reviewer_id), ""):
            wrong.append((decision.pk, "decision", decision.verdict, state.get((decision.record_id, decision.stage,
                                                                                 decision.reviewer_id))))
    return wrong


def test_undos_racing_a_vote_or_each_other_keep_a_history_that_replays_to_every_decision(review, alice):
    """Alice's two tabs: in each round, two undos and a change of her latest vote at the same
    instant. Every history entry names the verdict it replaced, and replaying the history
    gives each decision's verdict: no vote undone twice, no stale old verdict."""
    records = make_records(review, 12)
    queue_services.record_stages_sync(review=review)
    for _ in records:
        record, _ = queue_services.screening_next(reviewer=alice, review=review)
        services.decision_record(reviewer=alice, review=review, record=record, verdict="include")

    def undo():
        services.decision_undo_last(reviewer=alice, review=review)

    for round_ in range(8):
        latest = Decision.objects.decided().filter(reviewer=alice).order_by("-decided_at", "-id").first()
        verdict = ("exclude", "maybe")[round_ % 2]

        def change(record=latest.record, verdict=verdict):
            services.decision_record(reviewer=alice, review=review, record=record, verdict=verdict)

        run_together([undo, undo, change])
    assert replay_mismatches(review) == []
    assert DecisionEvent.objects.filter(kind="undo").count() >= 8


def test_a_claim_that_cannot_see_my_other_tabs_claim_of_the_same_record_claims_nothing_twice(review, alice, carol,
                                                                                            monkeypatch):
    """Alice's other tab claimed record 0 after this request's statement took its snapshot, so
    the statement's "not already mine" test passes for record 0 (emulated by hiding her
    decision from that test). The claim gives way: no error, one decision, the counter
    unchanged."""
    review.order = "import"
    review.save()
    records = make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    first, _ = queue_services.screening_next(reviewer=alice, review=review)  # the other tab
    assert first == records[0]
    services.decision_record(reviewer=alice, review=review, record=first, verdict="include")
    for record in records[1:]:  # the only record left open to claim is record 0
        services.outcome_resolve(lead=carol, review=review, record=record, verdict="exclude")
    hidden = Decision.objects.get(reviewer=alice).pk
    monkeypatch.setattr(queue_services, "_OPEN_TO_ME", queue_services._OPEN_TO_ME.replace(
        "AND d.reviewer_id = %(reviewer)s", f"AND d.reviewer_id = %(reviewer)s AND d.id < {hidden}"))
    record, state = queue_services.screening_next(reviewer=alice, review=review)
    assert Decision.objects.filter(reviewer=alice, record=records[0]).count() == 1
    assert RecordStage.objects.get(record=records[0]).claims == 1
    assert (record, state) == (None, "done")


def test_one_reviewers_two_tabs_voting_and_asking_at_once_never_fail(review, alice, bob):
    """Alice screens in two tabs at the same time while Bob screens too: no request fails,
    each record ends with at most two decisions, one per reviewer, and its claim counter
    equals its decisions."""
    make_records(review, 30)
    queue_services.record_stages_sync(review=review)

    def tab(user):
        def work():
            record, _ = queue_services.screening_next(reviewer=user, review=review)
            while record is not None:
                try:
                    record = services.decision_record_and_next(reviewer=user, review=review, record_id=record.pk,
                                                               verdict="include").record
                except ValidationError:  # the other tab's vote resolved it: the page says so
                    record, _ = queue_services.screening_next(reviewer=user, review=review)
        return work

    run_together([tab(alice), tab(alice), tab(bob), tab(bob)])
    per_record = Counter(Decision.objects.values_list("record_id", flat=True))
    claims = dict(RecordStage.objects.values_list("record_id", "claims"))
    assert all(claims[record_id] == n for record_id, n in per_record.items())
    assert Decision.objects.values("record_id", "reviewer_id").distinct().count() == Decision.objects.count()
    assert Decision.objects.filter(verdict__isnull=True).count() == 0
