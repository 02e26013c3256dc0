"""Retraining a reviewer's ranking runs as a real Celery job: the screening request enqueues it
and returns at once; a worker process trains, ranks and stores; a redelivered task is harmless."""
import pytest
from django.urls import reverse

from screening import tasks
from screening.models import Job, PriorityRank, PriorityRanking, Record
from screening.services import queue as queue_services
from screening.services import jobs

from .helpers.html import attribute
from .helpers.screening import make_records, open_screen
from .helpers.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("test_job_kinds")]
HTMX = {"HTTP_HX_REQUEST": "true"}


def current_record_id(response):
    return int(attribute(response, "#record-card", "data-record-id"))


def test_a_real_worker_retrains_my_ranking_after_my_decisions(client, review, alice, monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))  # the worker's cached features
    review.order, review.priority_retrain_every = "priority", 3
    review.save()
    make_records(review, 30)
    queue_services.record_stages_sync(review=review)
    client.force_login(alice)
    with celery_worker():
        response = open_screen(client, review)
        while not PriorityRanking.objects.filter(reviewer=alice, requested_job__isnull=False).exists():
            record = Record.objects.get(pk=current_record_id(response))
            verdict = "include" if "glasses" in record.abstract else "exclude"
            response = client.post(reverse("decide", args=[review.pk, record.pk]), {"verdict": verdict}, **HTMX)
        assert "being prepared in the background" in response.content.decode()

        def trained():
            return PriorityRanking.objects.filter(reviewer=alice, trained_at__isnull=False).first()

        ranking = wait_for(trained, timeout=90)

        def finished_job():
            job = Job.objects.get(pk=ranking.job_id)
            return job if job.is_finished else None

        # The ranking is stored by the job's work, the job's status just after it.
        job = wait_for(finished_job, timeout=30)
        assert job.status == Job.Status.SUCCEEDED and job.attempts == 1, job.error
        assert job.review is None and job.created_by == alice
        assert PriorityRank.objects.filter(ranking=ranking).count() == ranking.ranked == 30 - ranking.own_decisions
        assert list((tmp_path / "ranking").rglob("features-*.pkl"))

        # A redelivered task finds the job finished and changes nothing. The worker runs tasks
        # in order, so once a later job has finished the redelivered one has been handled.
        tasks.run_job.delay(job.pk)
        check = jobs.job_create(kind="count_to", created_by=alice, params={"steps": 1, "delay": 0})
        wait_for(lambda: Job.objects.get(pk=check.pk).is_finished, timeout=60)
        again = PriorityRanking.objects.get(pk=ranking.pk)
        assert (again.job_id, again.trained_at) == (job.pk, ranking.trained_at)
        assert Job.objects.get(pk=job.pk).attempts == 1

        # The next card comes from the ranking, with its estimate.
        response = client.post(reverse("decide", args=[review.pk, current_record_id(response)]),
                               {"verdict": "exclude"}, **HTMX)
        assert "Predicted relevance (estimate)" in response.content.decode()
