"""A real Celery worker process runs a job end to end; progress and the final status land on
the job row."""
import pytest

from screening.models import Job
from screening.services import jobs

from .helpers.worker import IN_CI, broker_is_redis, celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("test_job_kinds")]


def test_ci_runs_the_worker_against_redis():
    if IN_CI:
        assert broker_is_redis(), "CI must set CELERY_BROKER_URL to the Redis server"


def test_a_real_worker_runs_a_job_and_reports_progress_on_the_row(carol):
    with celery_worker():
        job = jobs.job_create(kind="count_to", created_by=carol, params={"steps": 5, "delay": 0.4})

        def progressing():
            row = Job.objects.get(pk=job.pk)
            return row.status == Job.Status.RUNNING and 0 < row.done < 5

        wait_for(progressing, timeout=90)

        def finished():
            row = Job.objects.get(pk=job.pk)
            return row if row.is_finished else None

        row = wait_for(finished, timeout=60)
    assert row.status == Job.Status.SUCCEEDED, row.error
    assert (row.done, row.total) == (5, 5)
    assert row.started_at <= row.finished_at
    assert row.message == "The worker counted to 5."
