"""When to stop: the recall estimate on a reviewer's card (their own decisions only) and on the
lead's dashboard (everyone's), the random sample it would take, the lead's recorded decision to
stop, and the target the lead sets."""
import pytest
from django.urls import reverse

from screening.models import PriorityRanking, Review, StopDecision
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import priority
from screening.services import stopping as stopping_services

from .helpers.screening import make_records
from .test_views_priority import media_root, records, screen_until_trained  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def screen(review, reviewer, verdicts):
    """Let the reviewer vote on the next records the queue gives them, one verdict each."""
    for verdict in verdicts:
        record, _ = queue_services.screening_next(reviewer=reviewer, review=review)
        services.decision_record(reviewer=reviewer, review=review, record=record, verdict=verdict,
                                 reason="Wrong population" if verdict == "exclude" else "")


@pytest.fixture
def screened(review, alice):
    """Twenty records in import order; Alice has screened eight: two includes, then excludes."""
    review.order = "import"
    review.reviewers_per_record = 1
    review.save()
    make_records(review, 20)
    queue_services.record_stages_sync(review=review)
    screen(review, alice, ["include", "include"] + ["exclude"] * 6)
    return review


def test_after_a_retrain_alices_card_shows_the_recall_of_her_screening_with_its_interval_and_method(
        client, review, records, alice, sent, django_capture_on_commit_callbacks):  # noqa: F811
    client.force_login(alice)
    html = screen_until_trained(client, review, sent, django_capture_on_commit_callbacks).content.decode()
    assert "Estimated recall of your screening" in html and "95 % interval" in html
    assert "Callaghan" in html and "the 95 % target is not yet met" in html


def test_the_lead_sees_the_recall_estimate_the_rule_and_the_random_sample_it_would_take(client, screened, carol):
    client.force_login(carol)
    html = client.get(reverse("review_dashboard", args=[screened.pk])).content.decode()
    assert "When to stop screening" in html
    assert "Estimated recall:" in html and "95 % interval" in html
    assert "2 includes found in 8 records screened, 12 unscreened" in html
    assert 'data-rule="not-met"' in html and "random sample of" in html
    assert "Callaghan" in html


def test_a_reviewer_sees_no_review_wide_estimate_on_the_dashboard(client, screened, alice):
    client.force_login(alice)
    html = client.get(reverse("review_dashboard", args=[screened.pk])).content.decode()
    assert "When to stop screening" not in html and "Estimated recall" not in html


def test_the_sequence_counts_a_record_from_its_first_vote_and_an_unresolved_include_as_an_include(
        review, alice, bob, carol):
    make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    screen(review, alice, ["include", "exclude"])
    screen(review, bob, ["exclude", "exclude"])  # both reviewers per record: conflicts and agreements
    decisions, n_records = stopping_services.review_screening_sequence(review, carol)
    assert n_records == 4
    assert len(decisions) == len(set(services.Decision.objects.values_list("record_id", flat=True)))
    assert decisions[0] is True  # Alice's include, unresolved (Bob may disagree): the team will look at it


def test_the_lead_records_the_decision_to_stop_with_the_estimate_and_it_joins_the_history(client, screened, carol):
    client.force_login(carol)
    response = client.post(reverse("stop_decide", args=[screened.pk]),
                           {"count_unscreened_as_automation": "on", "note": "Agreed at the team meeting"})
    assert response.status_code == 302
    decision = StopDecision.objects.get()
    assert (decision.decided_by, decision.screened, decision.unscreened, decision.includes_found) == (carol, 8, 12, 2)
    assert decision.count_unscreened_as_automation and not decision.target_met
    assert decision.recall_low <= decision.recall_estimate <= decision.recall_high
    assert (decision.target_recall, decision.confidence) == (95, 95)
    html = client.get(reverse("review_dashboard", args=[screened.pk])).content.decode()
    assert "Recorded: screening stops with 8 records screened" in html
    assert "Decisions to stop" in html and "Agreed at the team meeting" in html
    assert "unscreened counted as excluded by automation tools" in html


def test_stopping_before_anything_is_screened_is_refused_in_place(client, review, carol):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    client.force_login(carol)
    html = client.post(reverse("stop_decide", args=[review.pk]), follow=True).content.decode()
    assert "Not recorded: Nothing has been screened yet" in html
    assert not StopDecision.objects.exists()


def test_only_a_lead_records_a_stop_and_only_by_post(client, screened, alice, carol):
    client.force_login(alice)
    assert client.post(reverse("stop_decide", args=[screened.pk])).status_code == 403
    client.force_login(carol)
    assert client.get(reverse("stop_decide", args=[screened.pk])).status_code == 405
    assert not StopDecision.objects.exists()


def test_the_lead_sets_the_target_recall_and_confidence_and_the_estimate_follows(client, screened, carol):
    client.force_login(carol)
    form = client.get(reverse("review_settings", args=[screened.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"stop_target_recall": 80, "stop_confidence": 90, "exclusion_reasons_text": "Wrong population"})
    data = {k: v for k, v in data.items() if v is not False}
    client.post(reverse("review_settings", args=[screened.pk]), data)
    screened.refresh_from_db()
    assert (screened.stop_target_recall, screened.stop_confidence) == (80, 90)
    html = client.get(reverse("review_dashboard", args=[screened.pk])).content.decode()
    assert "Target: 80 % recall at 90 % confidence" in html

    data["stop_target_recall"] = 100
    response = client.post(reverse("review_settings", args=[screened.pk]), data)
    assert response.status_code == 200 and "stop_target_recall" in response.context["form"].errors
    assert Review.objects.get(pk=screened.pk).stop_target_recall == 80


def test_alices_recall_estimate_does_not_move_when_bob_votes_on_records_she_has_not_seen(review, alice, bob):
    review.order = "import"
    review.save()
    make_records(review, 30)
    queue_services.record_stages_sync(review=review)
    screen(review, alice, ["include", "exclude", "include"] + ["exclude"] * 5)

    def alices_estimate():
        ranking, _ = PriorityRanking.objects.get_or_create(review=review, reviewer=alice, stage="title_abstract")
        priority.ranking_train_and_store(ranking=ranking)
        ranking.refresh_from_db()
        return ranking.recall_estimate, ranking.recall_low, ranking.recall_high, ranking.recall_lower_bound

    before = alices_estimate()
    assert before[0] is not None
    bobs_records = []
    while len(bobs_records) < 6:  # Bob votes only on records Alice has not seen: nothing resolves
        record, _ = queue_services.screening_next(reviewer=bob, review=review)
        if services.Decision.objects.filter(record=record, reviewer=alice).exists():
            services.decision_record(reviewer=bob, review=review, record=record, verdict="exclude",
                                     reason="Wrong population")
            continue
        services.decision_record(reviewer=bob, review=review, record=record, verdict="include")
        bobs_records.append(record)
    assert alices_estimate() == before


def test_the_dashboard_estimate_is_computed_once_until_a_vote_or_the_target_changes_it(client, screened, alice,
                                                                                        carol):
    from unittest import mock

    from django.core.cache import cache

    cache.clear()
    client.force_login(carol)
    dashboard = reverse("review_dashboard", args=[screened.pk])
    with mock.patch.object(stopping_services, "review_recall", wraps=stopping_services.review_recall) as estimate:
        first = client.get(dashboard).content.decode()
        assert "2 includes found in 8 records screened" in first
        assert "2 includes found in 8 records screened" in client.get(dashboard).content.decode()
        assert estimate.call_count == 1
        screen(screened, alice, ["include"])
        assert "3 includes found in 9 records screened" in client.get(dashboard).content.decode()
        assert estimate.call_count == 2
        screened.stop_target_recall = 90
        screened.save()
        client.get(dashboard)
        assert estimate.call_count == 3
        stopping_services.stop_decision_record(review=screened, lead=carol)  # computes its own estimate
        assert estimate.call_count == 4
        # The stop decisions listed on the panel are read fresh; the estimate is not computed again.
        assert "Decisions to stop" in client.get(dashboard).content.decode() and estimate.call_count == 4
