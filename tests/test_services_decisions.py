"""Claims, votes, outcomes, undo, the lead's resolutions, pilots and the history."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from screening.models import Decision, DecisionEvent, Membership, RecordStage, Role
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services.queue import QueueState

from .helpers.screening import make_records

pytestmark = pytest.mark.django_db
TA = "title_abstract"


def screen_all(reviewer, review, verdicts):
    """Let `reviewer` take records from their queue and vote verdicts[record index]."""
    order = {}
    while True:
        record, state = queue_services.screening_next(reviewer=reviewer, review=review)
        if record is None:
            return order
        verdict = verdicts(record) if callable(verdicts) else verdicts
        services.decision_record(reviewer=reviewer, review=review, record=record, verdict=verdict)
        order[record.pk] = verdict


def test_each_reviewer_gets_every_record_once_in_a_stable_shuffled_order(review, alice, bob):
    records = make_records(review, 12)
    queue_services.record_stages_sync(review=review)
    alice_order = list(screen_all(alice, review, "include"))
    bob_order = list(screen_all(bob, review, "include"))
    assert sorted(alice_order) == sorted(bob_order) == sorted(r.pk for r in records)
    assert alice_order != [r.pk for r in records], "random order is not import order"
    assert alice_order != bob_order, "each reviewer starts at their own place"


def test_import_order_walks_records_as_imported(review, alice):
    review.order = "import"
    review.save()
    records = make_records(review, 6)
    queue_services.record_stages_sync(review=review)
    assert list(screen_all(alice, review, "exclude")) == [r.pk for r in records]


def test_priority_order_falls_back_to_random_without_a_ranking(review):
    review.order = "priority"
    assert queue_services.queue_order(review) == "order_key"


def test_the_open_claim_comes_back_until_it_is_decided(review, alice):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    first, _ = queue_services.screening_next(reviewer=alice, review=review)
    again, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert first == again
    assert Decision.objects.filter(reviewer=alice).count() == 1


def test_two_includes_include_and_a_disagreement_is_a_conflict(review, alice, bob):
    records = make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    include_first_two = {r.pk: "include" for r in records[:2]} | {r.pk: "exclude" for r in records[2:]}
    screen_all(alice, review, lambda r: include_first_two[r.pk])
    screen_all(bob, review, lambda r: "include" if r.pk != records[1].pk else "maybe")
    outcomes = {rs.record_id: rs.outcome for rs in RecordStage.objects.all()}
    assert outcomes[records[0].pk] == "included"
    assert outcomes[records[1].pk] == "conflict"
    assert outcomes[records[2].pk] == "conflict"
    assert RecordStage.objects.get(record=records[0]).resolution == "agreement"


def test_more_reviewers_than_needed_share_the_work_and_never_pass_the_number(review, alice, bob, make_user):
    dana = make_user("dana")
    Membership.objects.create(review=review, user=dana, role=Role.REVIEWER)
    make_records(review, 30)
    queue_services.record_stages_sync(review=review)
    done = {user.username: 0 for user in (alice, bob, dana)}
    # Round-robin, as three reviewers working at the same pace.
    active = [alice, bob, dana]
    while active:
        for user in list(active):
            record, _ = queue_services.screening_next(reviewer=user, review=review)
            if record is None:
                active.remove(user)
                continue
            services.decision_record(reviewer=user, review=review, record=record, verdict="exclude")
            done[user.username] += 1
    assert sum(done.values()) == 60
    # Even shares are 20 each: evenly spaced starting points give each reviewer a third of the
    # shuffled order to themselves before they meet the others' records.
    assert max(done.values()) - min(done.values()) <= 2, done
    assert set(RecordStage.objects.values_list("claims", flat=True)) == {2}
    assert set(RecordStage.objects.values_list("outcome", flat=True)) == {"excluded"}


def test_a_double_submit_keeps_one_decision_and_one_history_entry(review, alice):
    make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    record, _ = queue_services.screening_next(reviewer=alice, review=review)
    for _ in range(2):
        services.decision_record(reviewer=alice, review=review, record=record, verdict="include", note="n")
    assert Decision.objects.filter(reviewer=alice, record=record).count() == 1
    assert DecisionEvent.objects.filter(record=record).count() == 1


def test_a_record_never_claimed_for_the_reviewer_cannot_be_voted_on(review, alice):
    records = make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    with pytest.raises(Decision.DoesNotExist):
        services.decision_record(reviewer=alice, review=review, record=records[0], verdict="include")


def test_a_reason_is_required_to_exclude_when_the_review_says_so(review, alice):
    review.reason_required_at_title_abstract = True
    make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    record, _ = queue_services.screening_next(reviewer=alice, review=review)
    with pytest.raises(ValidationError):
        services.decision_record(reviewer=alice, review=review, record=record, verdict="exclude")
    services.decision_record(reviewer=alice, review=review, record=record, verdict="exclude", reason="Wrong population")


def test_a_vote_changed_after_every_vote_is_in_leaves_the_conflict_to_the_lead_and_is_logged(review, alice, bob,
                                                                                            carol):
    records = make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    screen_all(alice, review, "include")
    screen_all(bob, review, "exclude")
    assert RecordStage.objects.get().outcome == "conflict"
    services.decision_record(reviewer=bob, review=review, record=records[0], verdict="include", note="misread")
    assert RecordStage.objects.get().outcome == "conflict"  # agreeing now does not resolve it
    kinds = list(DecisionEvent.objects.order_by("id").values_list("kind", "old_verdict", "new_verdict"))
    assert kinds[-1] == ("change", "exclude", "include")
    assert services.decision_undo_last(reviewer=bob, review=review) == records[0]
    services.decision_record(reviewer=bob, review=review, record=records[0], verdict="include")
    assert RecordStage.objects.get().outcome == "conflict"  # nor does taking the vote back and voting again
    services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="include")
    assert RecordStage.objects.get().resolution == "lead_resolved"
    with pytest.raises(ValidationError):
        services.decision_record(reviewer=bob, review=review, record=records[0], verdict="exclude")


def test_a_vote_changed_before_the_other_vote_is_in_counts_like_a_first_vote(review, alice, bob):
    records = make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    screen_all(bob, review, "exclude")
    services.decision_record(reviewer=bob, review=review, record=records[0], verdict="include")
    assert RecordStage.objects.get().outcome == "pending"
    screen_all(alice, review, "include")
    assert RecordStage.objects.get().outcome == "included"


def test_undo_takes_back_the_last_vote_and_shows_that_record_again(review, alice):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    first, _ = queue_services.screening_next(reviewer=alice, review=review)
    services.decision_record(reviewer=alice, review=review, record=first, verdict="maybe")
    second, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert second != first
    assert services.decision_undo_last(reviewer=alice, review=review) == first
    again, _ = queue_services.screening_next(reviewer=alice, review=review)
    assert again == first
    assert Decision.objects.get(reviewer=alice, record=first).verdict is None
    assert DecisionEvent.objects.filter(kind="undo", old_verdict="maybe").count() == 1


def test_the_lead_resolves_a_conflict_and_can_decide_alone(review, alice, bob, carol):
    records = make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    screen_all(alice, review, lambda r: "include")
    bob_record, _ = queue_services.screening_next(reviewer=bob, review=review)
    services.decision_record(reviewer=bob, review=review, record=bob_record, verdict="exclude")
    resolved = services.outcome_resolve(lead=carol, review=review, record=bob_record, verdict="include",
                                        reason="Adults; meets criteria")
    assert (resolved.outcome, resolved.resolution, resolved.resolved_by) == ("included", "lead_resolved", carol)
    other = next(r for r in records if r != bob_record)
    queue_services.screening_next(reviewer=bob, review=review)  # bob holds a claim on it
    alone = services.outcome_resolve(lead=carol, review=review, record=other, verdict="exclude", reason="Children")
    assert (alone.outcome, alone.resolution, alone.claims) == ("excluded", "lead_alone", 1)
    assert queue_services.screening_next(reviewer=bob, review=review) == (None, QueueState.DONE)
    assert list(DecisionEvent.objects.filter(kind__in=["resolve", "lead_alone"]).values_list("kind", flat=True)) == [
        "resolve", "lead_alone"]


def test_a_pilot_goes_first_for_everyone_and_holds_back_the_rest_until_closed(review, alice, bob, carol):
    make_records(review, 10)
    pilot = services.pilot_start(review=review, created_by=carol, size=3)
    assert pilot.reviewers_needed == 2
    pilot_ids = set(RecordStage.objects.filter(pilot=pilot).values_list("record_id", flat=True))
    assert len(pilot_ids) == 3
    done = screen_all(alice, review, "include")
    assert set(done) == pilot_ids
    assert queue_services.screening_next(reviewer=alice, review=review) == (None, QueueState.PILOT_WAIT)
    services.pilot_close(pilot=pilot, closed_by=carol)
    record, state = queue_services.screening_next(reviewer=alice, review=review)
    assert state == QueueState.READY and record.pk not in pilot_ids


def test_the_history_refuses_update_and_delete_in_the_database(review, alice):
    make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    screen_all(alice, review, "include")
    event = DecisionEvent.objects.get()
    for sql in ("UPDATE screening_decisionevent SET new_verdict = 'exclude' WHERE id = %s",
                "DELETE FROM screening_decisionevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.new_verdict == "include"


def test_sync_adds_only_missing_records_and_a_later_import_reaches_the_queue_when_it_finishes(review, alice):
    make_records(review, 2, in_screening=False)
    assert queue_services.record_stages_sync(review=review) == 2
    assert queue_services.record_stages_sync(review=review) == 0
    screen_all(alice, review, "include")
    make_records(review, 3, database="Embase")
    record, state = queue_services.screening_next(reviewer=alice, review=review)
    assert state == QueueState.READY and record.source_import.database == "Embase"


def test_visibility_opens_on_resolution_or_when_the_lead_lifts_blind_mode(review, alice, bob, carol, mallory):
    records = make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    screen_all(alice, review, "include")
    bob_record, _ = queue_services.screening_next(reviewer=bob, review=review)
    services.decision_record(reviewer=bob, review=review, record=bob_record, verdict="include")

    def alices_seen_by(user):
        return set(Decision.objects.visible_to(user, review).filter(reviewer=alice).values_list("record_id", flat=True))

    assert alices_seen_by(bob) == {bob_record.pk}  # resolved by agreement: now visible
    assert alices_seen_by(carol) == {r.pk for r in records}
    assert alices_seen_by(mallory) == set()
    review.blind = False
    review.save()
    assert alices_seen_by(bob) == {r.pk for r in records}


def test_removing_a_member_gives_back_their_unvoted_records_and_keeps_their_votes(review, alice, bob):
    from screening.services.reviews import member_remove

    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    voted, _ = queue_services.screening_next(reviewer=alice, review=review)
    services.decision_record(reviewer=alice, review=review, record=voted, verdict="include")
    held, _ = queue_services.screening_next(reviewer=alice, review=review)
    member_remove(membership=review.memberships.get(user=alice))
    assert list(Decision.objects.filter(reviewer=alice).values_list("record_id", flat=True)) == [voted.pk]
    assert RecordStage.objects.get(record=held).claims == 0


def test_an_import_that_finishes_after_a_later_one_still_reaches_screening(review, alice):
    """A long PubMed download stores its records first but finishes last."""
    from screening.models import Import
    from screening.services.imports import import_finished

    slow = make_records(review, 3)
    Import.objects.filter(pk=slow[0].source_import_id).update(status=Import.Status.IMPORTING)
    make_records(review, 2, database="Embase")
    seen = set()
    while (record := queue_services.screening_next(reviewer=alice, review=review)[0]) is not None:
        seen.add(record.pk)
        services.decision_record(reviewer=alice, review=review, record=record, verdict="include")
    assert not seen & {r.pk for r in slow}, "records of an unfinished import are not screened"
    import_finished(import_=Import.objects.get(pk=slow[0].source_import_id), record_count=3)
    record, state = queue_services.screening_next(reviewer=alice, review=review)
    assert record is not None and record.pk in {r.pk for r in slow}


def leave_open(reviewer, review, *, minutes_ago):
    """Let `reviewer` claim their next record and walk away from it `minutes_ago` minutes ago."""
    from datetime import timedelta

    from django.utils import timezone

    record, _ = queue_services.screening_next(reviewer=reviewer, review=review)
    Decision.objects.filter(reviewer=reviewer, record=record).update(
        claimed_at=timezone.now() - timedelta(minutes=minutes_ago))
    return record


def test_a_stale_claim_passes_to_another_reviewer_once_nothing_else_is_left(review, alice, bob, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    held = leave_open(alice, review, minutes_ago=61)
    # Bob first screens everything nobody holds; only then is Alice's record his.
    order = list(screen_all(bob, review, "include"))
    assert len(order) == 3 and order[-1] == held.pk
    assert not Decision.objects.filter(reviewer=alice).exists()
    assert set(RecordStage.objects.values_list("claims", "outcome")) == {(1, "included")}


def test_a_fresh_claim_stays_with_its_reviewer(review, alice, bob, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    held = leave_open(alice, review, minutes_ago=59)
    assert held.pk not in screen_all(bob, review, "include")
    assert queue_services.screening_next(reviewer=bob, review=review) == (None, QueueState.DONE)
    assert Decision.objects.get(reviewer=alice, record=held).verdict is None
    assert RecordStage.objects.get(record=held).claims == 1


def test_claims_never_expire_when_the_setting_is_zero(review, alice, bob, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 0
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    held = leave_open(alice, review, minutes_ago=10_000)
    assert queue_services.screening_next(reviewer=bob, review=review) == (None, QueueState.DONE)
    assert Decision.objects.filter(reviewer=alice, record=held).exists()


def test_only_an_unvoted_claim_is_taken_over_and_votes_stay(review, alice, bob, make_user, settings):
    """Alice voted long ago and Dana left her claim on the same record: Bob takes Dana's
    place, the record still needs two votes, and Alice's vote is untouched."""
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    dana = make_user("dana")
    Membership.objects.create(review=review, user=dana, role=Role.REVIEWER)
    make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    record = leave_open(alice, review, minutes_ago=120)
    services.decision_record(reviewer=alice, review=review, record=record, verdict="exclude")
    leave_open(dana, review, minutes_ago=90)
    assert RecordStage.objects.get(record=record).claims == 2
    taken, state = queue_services.screening_next(reviewer=bob, review=review)
    assert (taken.pk, state) == (record.pk, QueueState.READY)
    assert Decision.objects.get(reviewer=alice, record=record).verdict == "exclude"
    assert not Decision.objects.filter(reviewer=dana).exists()
    assert RecordStage.objects.get(record=record).claims == 2
    services.decision_record(reviewer=bob, review=review, record=record, verdict="exclude")
    assert RecordStage.objects.get(record=record).outcome == "excluded"
    with pytest.raises(Decision.DoesNotExist):
        services.decision_record(reviewer=dana, review=review, record=record, verdict="include")
    assert RecordStage.objects.get(record=record).outcome == "excluded"


def test_an_open_pilot_record_is_never_taken_over(review, alice, bob, carol, make_user, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    services.pilot_start(review=review, created_by=carol, size=1, holds_back_screening=False)
    held = leave_open(alice, review, minutes_ago=120)
    assert RecordStage.objects.get(record=held).pilot_id is not None
    dana = make_user("dana")
    Membership.objects.create(review=review, user=dana, role=Role.REVIEWER)
    # Every reviewer screens a pilot record, so Dana gets her own claim on it beside Alice's.
    assert held.pk in screen_all(dana, review, "include")
    assert Decision.objects.get(reviewer=alice, record=held).verdict is None


def test_the_returning_reviewers_late_vote_on_a_passed_record_raises(review, alice, bob, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    held = leave_open(alice, review, minutes_ago=61)
    assert queue_services.screening_next(reviewer=bob, review=review)[0] == held
    with pytest.raises(Decision.DoesNotExist):
        services.decision_record(reviewer=alice, review=review, record=held, verdict="include")
    assert Decision.objects.get(record=held).reviewer == bob


def test_the_lead_sees_how_many_records_stale_claims_hold(review, alice, bob, settings):
    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    leave_open(alice, review, minutes_ago=61)
    leave_open(bob, review, minutes_ago=5)
    assert queue_services.stale_claims_count(review) == 1
