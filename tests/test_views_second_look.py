"""The lead's second look at exclusions, the methods text page and the PRISMA count of records
left unscreened when the lead stops."""
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from screening.core import second_look as looker
from screening.models import DecisionEvent, Job, Outcome, RecordStage, Review
from screening.selectors import stopping as stopping_selectors
from screening.selectors.prisma import prisma_counts
from screening.services import decisions as services
from screening.services import jobs, priority
from screening.services import queue as queue_services
from screening.services import stopping as stopping_services

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


def rank(client, review):
    """Press the page's Rank button (htmx sends it on load) and run the job it queued, as a
    worker would; return the job."""
    html = client.post(reverse("second_look_rank", args=[review.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="second-look-status"' in html and 'hx-trigger="every 1s"' in html  # the progress, polled
    job = Job.objects.filter(review=review, kind="second_look").latest("created_at")
    return jobs.job_run(job_id=job.pk)


def listed(html):
    return [int(element.get("data-record-id")) for element in select(html, "[data-record-id]")]


def test_the_second_look_lists_only_resolved_exclusions_best_first_with_keys_to_include_and_keep(
        client, resolved, carol):
    client.force_login(carol)
    review = Review.objects.get(pk=resolved[0].review_id)
    html = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert "not been ranked yet" in html and 'hx-trigger="load, submit"' in html
    client.get(reverse("second_look_status", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert not Job.objects.exists()  # a GET only reads: the page's POST on load starts the ranking
    assert rank(client, review).status == Job.Status.SUCCEEDED
    html = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert sorted(listed(html)) == sorted(r.pk for r in resolved[4:10])
    assert "cross-validation" in html and "Ranked from the resolved outcomes as they are now." in html
    assert html.count('data-action="include"') == 6 and html.count('data-action="keep"') == 6
    assert 'aria-keyshortcuts="J ArrowDown"' in html


def test_a_second_page_load_reuses_the_ranking_and_a_changed_outcome_ranks_again(client, resolved, carol):
    client.force_login(carol)
    review = Review.objects.get(pk=resolved[0].review_id)
    with mock.patch.object(looker, "cross_validated_scores", wraps=looker.cross_validated_scores) as scorer:
        rank(client, review)
        first = listed(client.get(reverse("second_look", args=[review.pk])).content.decode())
        second = client.get(reverse("second_look", args=[review.pk])).content.decode()
        assert scorer.call_count == 1 and listed(second) == first
        # Nothing to start: the Rank button is not on the page.
        assert "second-look/rank/" not in second
        services.outcome_resolve(lead=carol, review=review, record=resolved[10], verdict="exclude")
        stale = client.get(reverse("second_look", args=[review.pk])).content.decode()
        assert "The outcomes changed since this ranking." in stale and listed(stale) == first
        rank(client, review)
        assert scorer.call_count == 2
    fresh = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert resolved[10].pk in listed(fresh) and "as they are now" in fresh


def test_the_status_poll_swaps_in_the_list_once_the_ranking_is_done(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    client.force_login(carol)
    client.post(reverse("second_look_rank", args=[review.pk]), HTTP_HX_REQUEST="true")
    waiting = client.get(reverse("second_look_status", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in waiting.content.decode() and "HX-Retarget" not in waiting
    # A second press while the job waits queues nothing more.
    client.post(reverse("second_look_rank", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert Job.objects.filter(review=review, kind="second_look").count() == 1
    jobs.job_run(job_id=Job.objects.get(review=review, kind="second_look").pk)
    done = client.get(reverse("second_look_status", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Retarget"] == "#second-look" and len(listed(done.content.decode())) == 6


def test_a_failed_ranking_is_said_and_started_again_only_by_the_lead(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    Job.objects.create(kind="second_look", review=review, status=Job.Status.FAILED, error="Killed by the kernel")
    client.force_login(carol)
    html = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert "The last ranking failed: Killed by the kernel" in html
    assert 'hx-trigger="submit"' in html and "Rank now" in html


def test_keeping_a_record_excluded_takes_it_off_the_list_and_goes_in_the_history(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    client.force_login(carol)
    rank(client, review)
    record = resolved[6]
    response = client.post(reverse("second_look_keep", args=[review.pk, record.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "Kept excluded after a second look" in html
    assert record.pk not in listed(html) and len(listed(html)) == 5 and "1 kept excluded" in html
    assert RecordStage.objects.get(record=record, stage="title_abstract").outcome == Outcome.EXCLUDED
    event = DecisionEvent.objects.filter(record=record).latest("at")
    assert event.actor == carol and event.kind == DecisionEvent.Kind.SECOND_LOOK_KEEP
    # Keeping changes no outcome: the ranking is still fresh, nothing is computed again.
    assert "as they are now" in html
    history = b"".join(client.get(reverse("history_export", args=[review.pk])).streaming_content).decode()
    assert f"{record.pk},{record.title},carol,second_look_keep,excluded,excluded,Second look: kept excluded" in history
    again = client.post(reverse("second_look_keep", args=[review.pk, record.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "Not kept: This record was already kept excluded" in again.content.decode()


def test_the_lead_may_keep_only_a_record_that_is_excluded(resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    for record in (resolved[0], resolved[11]):  # included; never resolved
        with pytest.raises(ValidationError, match="no longer excluded"):
            stopping_services.second_look_keep(review=review, lead=carol, record=record)
        with pytest.raises(ValidationError, match="no longer excluded"):
            stopping_services.second_look_include(review=review, lead=carol, record=record)


def test_a_record_resolved_again_after_it_was_kept_is_listed_again(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    record = resolved[7]
    stopping_services.second_look_keep(review=review, lead=carol, record=record)
    resolved_now = stopping_selectors.second_look_resolved(review)
    assert stopping_selectors.second_look_kept(review, resolved_now) == {record.pk}
    services.outcome_resolve(lead=carol, review=review, record=record, verdict="exclude")
    assert stopping_selectors.second_look_kept(review, stopping_selectors.second_look_resolved(review)) == set()


def test_including_after_a_second_look_changes_the_outcome_and_goes_in_the_history(client, resolved, carol):
    client.force_login(carol)
    record = resolved[5]
    rank(client, Review.objects.get(pk=record.review_id))
    response = client.post(reverse("second_look_include", args=[record.review_id, record.pk]), follow=True)
    assert "Included after a second look" in response.content.decode()
    assert RecordStage.objects.get(record=record, stage="title_abstract").outcome == Outcome.INCLUDED
    event = DecisionEvent.objects.filter(record=record).latest("at")
    assert event.actor == carol and event.reason.startswith("Second look")
    html = client.get(reverse("second_look", args=[record.review_id])).content.decode()
    assert f'data-record-id="{record.pk}"' not in html and len(listed(html)) == 5


def test_the_second_look_waits_for_a_resolved_include_and_exclude(client, review, carol):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    client.force_login(carol)
    html = client.get(reverse("second_look", args=[review.pk])).content.decode()
    assert "No record is resolved yet." in html


def test_a_reviewer_may_not_take_a_second_look(client, resolved, alice):
    client.force_login(alice)
    review_id = resolved[0].review_id
    assert client.get(reverse("second_look", args=[review_id])).status_code == 403
    assert client.get(reverse("second_look_status", args=[review_id])).status_code == 403
    assert client.post(reverse("second_look_rank", args=[review_id])).status_code == 403
    assert client.post(reverse("second_look_include", args=[review_id, resolved[5].pk])).status_code == 403
    assert client.post(reverse("second_look_keep", args=[review_id, resolved[5].pk])).status_code == 403
    assert client.get(reverse("methods_text", args=[resolved[0].review_id])).status_code == 403


def test_the_methods_page_reports_the_screening_the_stop_and_the_second_look(client, resolved, carol):
    review = Review.objects.get(pk=resolved[0].review_id)
    client.force_login(carol)
    client.post(reverse("second_look_include", args=[review.pk, resolved[5].pk]))
    client.post(reverse("stop_decide", args=[review.pk]), {"count_unscreened_as_automation": "on"})
    html = client.get(reverse("methods_text", args=[review.pk])).content.decode()
    assert "We searched MEDLINE" in html
    assert "Screening stopped after" in html and "Callaghan" in html
    assert "1 record was included as a result" in html and "kept excluded" not in html
    client.post(reverse("second_look_keep", args=[review.pk, resolved[6].pk]))
    html = client.get(reverse("methods_text", args=[review.pk])).content.decode()
    assert "re-examined 2 of the 6 excluded records" in html
    assert "1 record was included as a result and 1 kept excluded." in html


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
