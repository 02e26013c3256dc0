"""The screening page, its htmx partials, the reviewer's list, the lead's pages and export."""
import csv
import io

import pytest
from django.urls import reverse

from screening.models import Decision, DecisionEvent, RecordStage
from screening.services import decisions as services
from screening.services import queue as queue_services

from .helpers.html import attribute, text_of
from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def records(review):
    review.include_keywords = "randomi*\ntrial"
    review.exclude_keywords = "mice"
    review.save()
    return make_records(review, 5)


def current_record_id(response):
    return int(attribute(response, "#record-card", "data-record-id"))


def test_the_screen_shows_one_record_with_criteria_highlights_and_labelled_controls(client, review, records, alice):
    client.force_login(alice)
    response = open_screen(client, review)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="record"') == 1
    assert "Adults; RCTs; blue-light filtering" in html
    assert 'aria-live="polite"' in html and 'for="note"' in html and 'for="reason"' in html
    assert "0 done · 5 left of your share of 5" in html
    record_id = current_record_id(response)
    assert Decision.objects.get(reviewer=alice).record_id == record_id


def test_authors_and_journal_are_hidden_when_the_review_says_so(client, review, records, alice):
    client.force_login(alice)
    html = open_screen(client, review).content.decode()
    record = Decision.objects.get(reviewer=alice).record
    assert record.authors[0] in html and record.journal in html
    review.show_authors = review.show_journal = False
    review.save()
    html = open_screen(client, review).content.decode()
    assert record.authors[0] not in html and record.journal not in html


def test_keywords_are_highlighted_in_the_card(client, review, records, alice):
    client.force_login(alice)
    html = ""
    for _ in records:
        response = open_screen(client, review)
        html += response.content.decode()
        client.post(reverse("decide", args=[review.pk, current_record_id(response)]), {"verdict": "exclude"})
    assert '<mark class="kw-include">randomised</mark>' in html
    assert '<mark class="kw-exclude">mice</mark>' in html


def test_a_vote_by_htmx_returns_the_next_card_and_announces_it(client, review, records, alice):
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    response = client.post(reverse("decide", args=[review.pk, first]), {"verdict": "include", "note": "ok"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="record-card"' in html
    assert 'id="announce"' in html and 'hx-swap-oob="true"' in html and "Next record:" in html
    assert current_record_id(response) != first
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict == "include"


def test_without_javascript_a_vote_redirects_back_to_the_screen(client, review, records, alice):
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    response = client.post(reverse("decide", args=[review.pk, first]), {"verdict": "exclude",
                                                                        "reason": "Wrong population"})
    assert response.status_code == 302 and response["Location"] == reverse("screen", args=[review.pk])
    assert Decision.objects.get(reviewer=alice, record_id=first).reason == "Wrong population"


def test_a_missing_required_reason_keeps_the_record_and_says_why(client, review, records, alice):
    review.reason_required_at_title_abstract = True
    review.save()
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    response = client.post(reverse("decide", args=[review.pk, first]), {"verdict": "exclude"}, **HTMX)
    assert response.status_code == 422
    assert "Choose a reason" in response.content.decode() and current_record_id(response) == first


def test_a_vote_on_a_record_not_in_my_queue_is_404(client, review, records, alice):
    client.force_login(alice)
    response = client.post(reverse("decide", args=[review.pk, records[0].pk]), {"verdict": "include"})
    assert response.status_code == 404


def test_undo_and_previous_bring_back_my_last_record(client, review, records, alice):
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    second = current_record_id(client.post(reverse("decide", args=[review.pk, first]), {"verdict": "maybe"}, **HTMX))
    back = client.get(reverse("screen", args=[review.pk]) + f"?back={second}", **HTMX)
    assert current_record_id(back) == first and "Your decision: <strong>Maybe</strong>" in back.content.decode()
    forward = client.get(reverse("screen", args=[review.pk]) + f"?forward={first}", **HTMX)
    assert current_record_id(forward) == second
    undone = client.post(reverse("screen_undo", args=[review.pk]), **HTMX)
    assert current_record_id(undone) == first
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict is None


def test_decide_and_next_runs_a_fixed_number_of_queries(client, review, records, alice, django_assert_num_queries):
    client.force_login(alice)
    first = current_record_id(open_screen(client, review))
    queue_services.records_in_stage_count(review)  # cached for a minute, as in production
    # 1 session, 2 user, 3 membership + review (access check);
    # 4 savepoint (BEGIN in production: vote and next claim commit together, no savepoints);
    # the vote: 5 lock my record stage, then my decision (FOR UPDATE OF both; with the
    #   record's open pilot), 6 UPDATE my decision and read every vote on the record,
    #   7 UPDATE the outcome + INSERT history, reading the open pilot, whether I hold open
    #   claims, and my decided count by verdict (for the card);
    # the next record: (my open claims only when 7 found one) 8 claim: SELECT … FOR UPDATE SKIP
    #   LOCKED from my cursor + conditional UPDATE of claims + INSERT my claim, one statement;
    # 9 release savepoint (COMMIT in production).
    # The record and reviewer counts are cached for a minute.
    # None of these depends on another reviewer's votes, so neither does the response time.
    with django_assert_num_queries(9):
        client.post(reverse("decide", args=[review.pk, first]), {"verdict": "include"}, **HTMX)



def progress_line(response):
    return text_of(response, "#my-progress")


def test_the_card_after_a_vote_counts_my_decisions_as_the_screen_does(client, review, records, alice, bob):
    """The vote reads my decided count in its own statement; it agrees with the count the
    screen reads through Decision.objects.visible_to, and others' votes never enter it."""
    queue_services.record_stages_sync(review=review)
    while (pair := queue_services.screening_next(reviewer=bob, review=review))[0]:
        services.decision_record(reviewer=bob, review=review, record=pair[0], verdict="exclude")
    client.force_login(alice)
    record_id = current_record_id(open_screen(client, review))
    for verdict in ("include", "maybe", "exclude"):
        response = client.post(reverse("decide", args=[review.pk, record_id]), {"verdict": verdict}, **HTMX)
        record_id = current_record_id(response)
    assert progress_line(response) == "3 done · 2 left of your share of 5"
    first = Decision.objects.filter(reviewer=alice).order_by("claimed_at").first().record_id
    client.get(reverse("screen", args=[review.pk]), {"record": first})
    changed = client.post(reverse("decide", args=[review.pk, first]), {"verdict": "exclude"}, **HTMX)
    assert progress_line(changed) == progress_line(open_screen(client, review)) == (
        "3 done · 2 left of your share of 5")

def test_my_decisions_lists_only_mine_with_search_and_filters(client, review, records, alice, bob):
    queue_services.record_stages_sync(review=review)
    for user, verdict in ((alice, "include"), (bob, "exclude")):
        while (pair := queue_services.screening_next(reviewer=user, review=review))[0]:
            services.decision_record(reviewer=user, review=review, record=pair[0], verdict=verdict,
                                     note=f"note by {user.username}")
    client.force_login(alice)
    html = client.get(reverse("my_decisions", args=[review.pk])).content.decode()
    assert html.count("note by alice") == 5 and "note by bob" not in html
    assert "Resolved" not in text_of(html, "tbody")  # include vs exclude: all conflicts, shown as open
    html = client.get(reverse("my_decisions", args=[review.pk]), {"q": "mice"}).content.decode()
    assert html.count("note by alice") == 1
    html = client.get(reverse("my_decisions", args=[review.pk]), {"verdict": "exclude"}).content.decode()
    assert "note by alice" not in html


def test_the_lead_is_told_when_a_conflict_now_agrees_because_a_vote_was_changed(client, review, records, alice, bob,
                                                                                carol):
    review.order = "import"
    review.save()
    queue_services.record_stages_sync(review=review)
    for user, verdict in ((alice, "include"), (bob, "maybe")):
        record, _ = queue_services.screening_next(reviewer=user, review=review)
        services.decision_record(reviewer=user, review=review, record=record, verdict=verdict)
    client.force_login(carol)
    page = reverse("lead_record", args=[review.pk, record.pk])
    assert "The votes agree now" not in client.get(page).content.decode()  # maybe against include
    services.decision_record(reviewer=bob, review=review, record=record, verdict="include")
    html = client.get(page).content.decode()
    assert "The votes agree now" in html and "<strong>Conflict</strong>" in html


def test_the_lead_resolves_conflicts_by_keyboardable_form_and_gets_the_next(client, review, records, alice, bob, carol):
    queue_services.record_stages_sync(review=review)
    for user, verdict in ((alice, "include"), (bob, "maybe")):
        while (pair := queue_services.screening_next(reviewer=user, review=review))[0]:
            services.decision_record(reviewer=user, review=review, record=pair[0], verdict=verdict,
                                     reason="", note=f"{user.username} thinks {verdict}")
    client.force_login(carol)
    html = client.get(reverse("conflicts", args=[review.pk])).content.decode()
    assert "5 open conflicts" in html
    assert "alice thinks include" in html and "bob thinks maybe" in html
    assert 'data-key="i"' in html and 'data-key="e"' in html
    first = RecordStage.objects.filter(outcome="conflict").order_by("record_id").first()
    response = client.post(reverse("resolve", args=[review.pk, first.record_id]),
                           {"verdict": "include", "reason": "Adults"}, **HTMX)
    assert "4 open conflicts" in response.content.decode()
    first.refresh_from_db()
    assert (first.outcome, first.resolution, first.resolved_by) == ("included", "lead_resolved", carol)


def test_the_dashboard_shows_progress_and_kappa_per_pair_to_the_lead_only(client, review, records, alice, bob, carol):
    queue_services.record_stages_sync(review=review)
    plan = {"alice": ["include", "include", "exclude", "exclude", "exclude"],
            "bob": ["include", "exclude", "exclude", "exclude", "exclude"]}
    by_record = {r.pk: i for i, r in enumerate(records)}
    for user in (alice, bob):
        while (pair := queue_services.screening_next(reviewer=user, review=review))[0]:
            services.decision_record(reviewer=user, review=review, record=pair[0],
                                     verdict=plan[user.username][by_record[pair[0].pk]])
    client.force_login(carol)
    html = client.get(reverse("screening_progress", args=[review.pk]), **HTMX).content.decode()
    # 4 of 5 agree; kappa = (0.8 - 0.56) / 0.44 = 0.545
    assert "Alice Reviewer · Bob Reviewer" in html
    assert "80 %" in html and "0.55" in html
    assert "1 open conflict" in html
    client.force_login(alice)
    html = client.get(reverse("review_dashboard", args=[review.pk])).content.decode()
    assert "You have screened <strong>5</strong>" in html
    assert "conflict" not in html.lower() and "0.55" not in html


def test_the_lead_decides_alone_on_any_record(client, review, records, carol):
    client.force_login(carol)
    html = client.get(reverse("lead_records", args=[review.pk])).content.decode()
    assert records[0].title in html
    response = client.post(reverse("resolve", args=[review.pk, records[0].pk]),
                           {"verdict": "exclude", "reason": "Animal study", "then": "record"})
    assert response.status_code == 302
    stage = RecordStage.objects.get(record=records[0])
    assert (stage.outcome, stage.resolution) == ("excluded", "lead_alone")
    html = client.get(reverse("lead_record", args=[review.pk, records[0].pk])).content.decode()
    assert "Decided by the lead alone" in html and "Animal study" in html


def test_the_lead_exports_the_whole_history_as_csv(client, review, records, alice, carol):
    queue_services.record_stages_sync(review=review)
    record, _ = queue_services.screening_next(reviewer=alice, review=review)
    services.decision_record(reviewer=alice, review=review, record=record, verdict="include", note="first")
    services.decision_record(reviewer=alice, review=review, record=record, verdict="exclude", reason="Wrong population")
    services.outcome_resolve(lead=carol, review=review, record=record, verdict="include", reason="Lead says yes")
    client.force_login(carol)
    response = client.get(reverse("history_export", args=[review.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["actor"], r["action"], r["old"], r["new"]) for r in rows] == [
        ("alice", "vote", "", "include"), ("alice", "change", "include", "exclude"),
        ("carol", "lead_alone", "pending", "included")]
    assert rows[1]["reason"] == "Wrong population" and rows[2]["reason"] == "Lead says yes"
    assert DecisionEvent.objects.count() == 3


def test_the_lead_starts_and_closes_a_pilot(client, review, records, carol):
    client.force_login(carol)
    client.post(reverse("pilot", args=[review.pk]), {"size": "3", "holds_back_screening": "on"})
    html = client.get(reverse("pilot", args=[review.pk])).content.decode()
    assert "Open pilot" in html and "3 records" in html
    client.post(reverse("pilot", args=[review.pk]), {"action": "close"})
    assert "Start a pilot round" in client.get(reverse("pilot", args=[review.pk])).content.decode()


def test_the_dashboard_counts_records_imported_before_anyone_screened(client, review, records, carol):
    client.force_login(carol)
    html = client.get(reverse("review_dashboard", args=[review.pk])).content.decode()
    assert "0 of 5 records resolved" in html


def test_a_late_vote_on_a_record_passed_to_another_reviewer_says_so_and_serves_the_next(client, review, records,
                                                                                         alice, bob, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    review.reviewers_per_record = 1
    review.save()
    client.force_login(alice)
    left_open = current_record_id(open_screen(client, review))
    Decision.objects.filter(reviewer=alice).update(claimed_at=timezone.now() - timedelta(minutes=61))
    while (pair := queue_services.screening_next(reviewer=bob, review=review))[0]:
        services.decision_record(reviewer=bob, review=review, record=pair[0], verdict="exclude")
    assert Decision.objects.get(record_id=left_open).reviewer == bob
    response = client.post(reverse("decide", args=[review.pk, left_open]), {"verdict": "include"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="record-card"' in html
    assert "Your vote was not recorded" in html and "more than 60 minutes" in html
    assert "Nothing left to screen" in html and "bob" not in html.lower()
    assert Decision.objects.get(record_id=left_open).verdict == "exclude"


def test_the_lead_dashboard_counts_records_held_by_stale_claims(client, review, records, alice, carol, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.SCREENING_CLAIM_EXPIRES_MINUTES = 60
    queue_services.record_stages_sync(review=review)
    queue_services.screening_next(reviewer=alice, review=review)
    Decision.objects.filter(reviewer=alice).update(claimed_at=timezone.now() - timedelta(minutes=90))
    client.force_login(carol)
    html = client.get(reverse("screening_progress", args=[review.pk]), **HTMX).content.decode()
    assert "1 record is held by a reviewer who opened it more than 60 minutes ago" in html
    client.force_login(alice)
    html = client.get(reverse("screening_progress", args=[review.pk]), **HTMX).content.decode()
    assert "held by a reviewer" not in html
