"""Background jobs: create, claim, report progress, finish.

A job's handler is a plain function `handler(job, progress)`, named in JOB_KINDS under the
job's kind. The Celery task only passes the id; everything else is on the row.
"""
import logging
import time
import traceback

from django.db import transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Import, Job

logger = logging.getLogger(__name__)

# Every kind of background job and the function that runs it. A handler's module is imported
# only when a job of its kind is created or run, so starting the web app or a command does not
# import what the jobs need (scikit-learn for the ranking, the dedup engine, the PubMed client).
JOB_KINDS = {
    "import_check": "screening.services.imports.import_check_job",
    "import_records": "screening.services.imports.import_records_job",
    "dedup": "screening.services.dedup.dedup_job",
    "pubmed_import": "screening.services.pubmed.pubmed_import_job",
    "priority_retrain": "screening.services.priority.priority_retrain",
}


class JobError(Exception):
    """An expected failure whose message is shown to the user as is."""


def job_handler(kind):
    """Return the function that runs jobs of `kind`."""
    return import_string(JOB_KINDS[kind])


def job_create(*, kind, review=None, created_by=None, params=None, total=None, message=""):
    """Create a job and enqueue it once the surrounding transaction commits."""
    from .. import tasks

    if kind not in JOB_KINDS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job.objects.create(
        kind=kind, review=review, created_by=created_by, params=params or {}, total=total,
        message=message or "Waiting for a worker…",
    )
    transaction.on_commit(lambda: tasks.run_job.delay(job.pk))
    return job


def job_claim(*, job_id):
    """Move the job to RUNNING and return it, or return None when another worker has it or it
    has finished. A RUNNING job with a stale heartbeat was orphaned by a dead worker and is
    taken over."""
    now = timezone.now()
    stale = now - Job.STALE_AFTER
    claimed = Job.objects.filter(
        Q(status=Job.Status.PENDING) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale),
        pk=job_id,
    ).update(status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, error="")
    if claimed != 1:
        return None
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    return job


class Progress:
    """Callable passed to handlers: progress(done, total=None, message=None).

    Writes at most every `interval` seconds (and always at the end) so a tight loop does not
    turn into thousands of UPDATEs."""

    def __init__(self, job, interval=0.5):
        self.job = job
        self.interval = interval
        self._last = 0.0

    def __call__(self, done, total=None, message=None, force=False):
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        fields = {"done": done, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        if message is not None:
            fields["message"] = message[:500]
        # Through the "progress" connection: outside the handler's transaction, so the page
        # polling this job sees the numbers while a long atomic import is still running.
        Job.objects.using("progress").filter(pk=self.job.pk).update(**fields)


def job_run(*, job_id):
    """Claim and run a job. Safe to call twice: the second call finds the job taken."""
    job = job_claim(job_id=job_id)
    if job is None:
        return None
    handler = job_handler(job.kind)
    progress = Progress(job)
    try:
        result = handler(job, progress) or {}
    except JobError as exc:
        return job_fail(job=job, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the row, then re-raised for the logs
        job_fail(job=job, error=f"Unexpected error: {exc.__class__.__name__}: {exc}",
                 detail=traceback.format_exc())
        raise
    job.refresh_from_db()
    if job.status == Job.Status.CANCELLED:
        return job
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED, finished_at=timezone.now(), result=result,
        done=job.total if job.total is not None else job.done,
        message=result.get("message", "Finished."),
    )
    job.refresh_from_db()
    return job


def job_fail(*, job, error, detail=""):
    if detail:
        logger.error("job %s failed: %s\n%s", job.pk, error, detail)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED, finished_at=timezone.now(), error=error[:5000],
        message="Failed.",
    )
    # An import whose job failed (its own transaction rolled back) failed too, with the job's
    # error unless it recorded one of its own.
    Import.objects.filter(job=job, status__in=[Import.Status.QUEUED, Import.Status.IMPORTING]).update(
        status=Import.Status.FAILED,
        error=Case(When(error="", then=Value(error[:5000])), default=F("error"), output_field=TextField()),
    )
    job.refresh_from_db()
    return job
