"""Refused votes say what happened in the card that htmx swaps in."""
import pytest
from django.urls import reverse

from screening.models import Decision, Membership
from screening.services import decisions as services
from screening.services import queue as queue_services

from .helpers.html import attribute
from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def records(review):
    review.order = "import"
    review.exclusion_reasons = ["Wrong population", "Wrong intervention"]
    review.save()
    records = make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    return records


def card_record_id(response):
    return int(attribute(response, "#record-card", "data-record-id"))


def test_a_vote_on_a_card_the_lead_decided_alone_meanwhile_says_so_with_the_next_card(
        client, review, records, alice, carol):
    client.force_login(alice)
    shown = card_record_id(open_screen(client, review))
    services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="exclude")
    response = client.post(reverse("decide", args=[review.pk, shown]), {"verdict": "include"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The lead resolved this record meanwhile; your vote was not recorded" in html
    assert card_record_id(response) != shown
    assert not Decision.objects.filter(reviewer=alice, record=records[0]).exists()


def test_changing_a_vote_after_the_lead_resolved_the_conflict_is_a_409_with_the_next_card(
        client, review, records, alice, bob, carol):
    for reviewer, verdict in ((alice, "include"), (bob, "exclude")):
        claimed, _ = queue_services.screening_next(reviewer=reviewer, review=review)
        services.decision_record(reviewer=reviewer, review=review, record=claimed, verdict=verdict)
    services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="include")
    client.force_login(alice)
    response = client.post(reverse("decide", args=[review.pk, records[0].pk]), {"verdict": "exclude"}, **HTMX)
    assert response.status_code == 409
    assert "The lead resolved this record meanwhile" in response.content.decode()
    assert card_record_id(response) != records[0].pk
    assert Decision.objects.get(reviewer=alice, record=records[0]).verdict == "include"
    # Without htmx: back to the screen with the same message.
    response = client.post(reverse("decide", args=[review.pk, records[0].pk]), {"verdict": "exclude"}, follow=True)
    assert "The lead resolved this record meanwhile" in response.content.decode()


@pytest.mark.parametrize("stage, required", [("title_abstract", True), ("full_text", False)])
def test_an_exclusion_without_a_required_reason_marks_the_reason_field_and_keeps_the_note(
        client, review, records, alice, carol, stage, required):
    review.reason_required_at_title_abstract = required
    review.save()
    if stage == "full_text":
        from screening.services import fulltext

        services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="include")
        fulltext.report_attach(review=review, record=records[0], by=carol, url="https://example.org/full.pdf")
    client.force_login(alice)
    decide = "fulltext_decide" if stage == "full_text" else "decide"
    shown = card_record_id(open_screen(client, review, stage))
    response = client.post(reverse(decide, args=[review.pk, shown]),
                           {"verdict": "exclude", "note": "no control group"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and card_record_id(response) == shown
    assert 'aria-invalid="true" aria-describedby="reason-error"' in html
    assert '<p class="field-error" id="reason-error" role="alert">Choose a reason to exclude' in html
    assert ">no control group</textarea>" in html


def test_a_vote_from_a_removed_member_is_a_404(client, review, records, alice):
    """The generic message comes from static/js/refusals.js (tests/browser/test_lead_workflow.py)."""
    client.force_login(alice)
    shown = card_record_id(open_screen(client, review))
    Membership.objects.filter(review=review, user=alice).delete()
    response = client.post(reverse("decide", args=[review.pk, shown]), {"verdict": "include"}, **HTMX)
    assert response.status_code == 404


def test_undo_with_nothing_to_take_back_says_so_in_the_card(client, review, records, alice, bob, carol):
    client.force_login(alice)
    response = client.post(reverse("screen_undo", args=[review.pk]), **HTMX)
    assert response.status_code == 409 and "Nothing to undo" in response.content.decode()
    # Alice's last vote is on a record the lead has resolved since.
    shown = card_record_id(response)
    client.post(reverse("decide", args=[review.pk, shown]), {"verdict": "include"}, **HTMX)
    services.outcome_resolve(lead=carol, review=review, record=records[0], verdict="exclude")
    assert shown == records[0].pk
    response = client.post(reverse("screen_undo", args=[review.pk]), **HTMX)
    assert response.status_code == 409 and "Nothing to undo" in response.content.decode()
    assert Decision.objects.get(reviewer=alice, record=records[0]).verdict == "include"
    # Without htmx the message waits on the screen it redirects to.
    response = client.post(reverse("screen_undo", args=[review.pk]), follow=True)
    assert "Nothing to undo" in response.content.decode()
