"""The lead's second look at exclusions, the methods text page and the PRISMA count of records
left unscreened when the lead stops."""
import pytest
from django.urls import reverse

from screening.models import DecisionEvent, Outcome, RecordStage, Review
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import priority
from screening.selectors.prisma import prisma_counts

from .helpers.html import select
from .helpers.screening import make_records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    priority._IN_MEMORY.clear()


@pytest.fixture
def resolved(review, carol):
    """Twelve records; the lead has decided ten alone: the first four included, six excluded."""
    review.order = "import"
    review.save()
    records = make_records(review, 12)
    queue_services.record_stages_sync(review=review)
    for i, record in enumerate(records[:10]):
        services.outcome_resolve(lead=carol, review=review, record=record, verdict="include" if i < 4 else "exclude")
    return records


def test_the_second_look_lists_only_resolved_exclusions_best_first_with_a_one_key_include(client, resolved, carol):
    client.force_login(carol)
    html = client.get(reverse("second_look", args=[resolved[0].review_id])).content.decode()
    listed = [int(item.get("data-record-id")) for item in select(html, "[data-record-id]")]
    assert sorted(listed) == sorted(r.pk for r in resolved[4:10])
    assert html.count('data-key="i"') == 1 and "cross-validation" in html


def test_including_after_a_second_look_changes_the_outcome_and_goes_in_the_history(client, resolved, carol):
    client.force_login(carol)
    record = resolved[5]
    response = client.post(reverse("second_look_include", args=[record.review_id, record.pk]), follow=True)
    assert "Included after a second look" in response.content.decode()
    assert RecordStage.objects.get(record=record, stage="title_abstract").outcome == Outcome.INCLUDED
    event = DecisionEvent.objects.filter(record=record).latest("at")
    assert event.actor == carol and event.reason.startswith("Second look")
    html = client.get(reverse("second_look", args=[record.review_id])).content.decode()
    assert f'data-record-id="{record.pk}"' not in html


def test_the_second_look_waits_for_a_resolved_include_and_exclude(client, review, carol):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    client.force_login(carol)
    html = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert "No record is resolved yet." in html


def test_a_reviewer_may_not_take_a_second_look(client, resolved, alice):
    client.force_login(alice)
    assert client.get(reverse("second_look", args=[resolved[0].review_id])).status_code == 403
    assert client.post(reverse("second_look_include", args=[resolved[0].review_id, resolved[5].pk])).status_code == 403
    assert client.get(reverse("methods_text", args=[resolved[0].review_id])).status_code == 403


def test_the_methods_page_reports_the_screening_the_stop_and_the_second_look(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    client.force_login(carol)
    client.post(reverse("second_look_include", args=[review.pk, resolved[5].pk]))
    client.post(reverse("stop_decide", args=[review.pk]), {"count_unscreened_as_automation": "on"})
    html = client.get(reverse("methods_text", args=[review.pk])).content.decode()
    assert "We searched MEDLINE" in html
    assert "Screening stopped after" in html and "Callaghan" in html
    assert "1 record was included as a result" in html


def test_unscreened_records_count_as_excluded_by_automation_only_if_the_lead_says_so(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    client.force_login(carol)
    client.post(reverse("stop_decide", args=[review.pk]))
    counts = prisma_counts(review)
    assert counts.records_excluded_automation == 0 and counts.records_excluded == 6
    client.post(reverse("stop_decide", args=[review.pk]), {"count_unscreened_as_automation": "on"})
    counts = prisma_counts(review)
    assert counts.records_excluded_automation == 2
    assert counts.records_excluded == 8 and counts.records_excluded_human == 6
