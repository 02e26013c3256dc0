"""Exclusion reasons are chosen from the review's list at both stages; at title and abstract
"Other" takes free text. Votes, reasons and notes come before the record on the lead's pages."""
import pytest
from django.urls import reverse

from screening.models import Decision, RecordStage
from screening.services import queue as queue_services
from screening.views.screening import OTHER_REASON

from .helpers.conflicts import conflicts_at_both_stages
from .helpers.html import select, select_one

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scene(review, alice, bob, carol):
    return conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)


def test_the_lead_resolves_a_title_abstract_conflict_with_a_listed_reason(client, review, scene, carol):
    ta_conflict, _, _ = scene
    client.force_login(carol)
    page = client.get(reverse("conflicts", args=[review.pk]) + "?stage=title_abstract").content.decode()
    assert '<select id="resolve-reason" name="reason"' in page
    assert '<option value="Wrong population" data-key="1">1. Wrong population</option>' in page
    assert f'<option value="{OTHER_REASON}">Other (write it below)</option>' in page
    client.post(reverse("resolve", args=[review.pk, ta_conflict.pk]),
                {"verdict": "exclude", "reason": "Wrong intervention"})
    stage = RecordStage.objects.get(record=ta_conflict, stage="title_abstract")
    assert (stage.outcome, stage.resolution_reason) == ("excluded", "Wrong intervention")


def test_the_lead_writes_another_reason_at_title_abstract(client, review, scene, carol):
    ta_conflict, _, _ = scene
    client.force_login(carol)
    client.post(reverse("resolve", args=[review.pk, ta_conflict.pk]),
                {"verdict": "exclude", "reason": OTHER_REASON, "reason_other": "  Animal   study "})
    stage = RecordStage.objects.get(record=ta_conflict, stage="title_abstract")
    assert stage.resolution_reason == "Animal study"


def test_at_full_text_the_lead_has_no_other_and_must_choose_a_listed_reason(client, review, scene, carol):
    _, ft_conflict, _ = scene
    client.force_login(carol)
    page = client.get(reverse("conflicts", args=[review.pk]) + "?stage=full_text").content.decode()
    assert '<select id="resolve-reason" name="reason"' in page and "Other (write it below)" not in page
    refused = client.post(reverse("fulltext_resolve", args=[review.pk, ft_conflict.pk]),
                          {"verdict": "exclude", "reason": OTHER_REASON, "reason_other": "Animal study"}, **HTMX)
    assert refused.status_code == 422
    assert RecordStage.objects.get(record=ft_conflict, stage="full_text").outcome == "conflict"


def test_the_votes_their_reasons_and_notes_come_before_the_record(client, review, scene, carol):
    _, ft_conflict, _ = scene
    client.force_login(carol)
    page = client.get(reverse("conflicts", args=[review.pk]) + "?stage=full_text")
    heading = [h2 for h2 in select(page, "h2") if h2.text == "Votes"]
    with_reason = [vote for vote in select(page, "div.votes > div.vote") if "Wrong population" in vote.text]
    record = select_one(page, "article.record")
    assert len(heading) == 1 and with_reason
    assert heading[0].position < with_reason[0].position < record.position


def test_a_reviewer_excludes_at_title_abstract_with_another_reason(client, review, carol, alice):
    from .helpers.screening import make_records, open_screen

    review.exclusion_reasons = ["Wrong population"]
    review.save()
    [record] = make_records(review, 1)
    queue_services.record_stages_sync(review=review)
    client.force_login(alice)
    card = open_screen(client, review).content.decode()
    assert '<select id="reason" name="reason"' in card and "Other (write it below)" in card
    client.post(reverse("decide", args=[review.pk, record.pk]),
                {"verdict": "exclude", "reason": OTHER_REASON, "reason_other": "Conference abstract"})
    vote = Decision.objects.get(reviewer=alice, record=record)
    assert (vote.verdict, vote.reason) == ("exclude", "Conference abstract")
    revisit = client.get(reverse("screen", args=[review.pk]) + f"?record={record.pk}").content.decode()
    assert f'<option value="{OTHER_REASON}" selected>' in revisit and 'value="Conference abstract"' in revisit
