"""Background jobs: create, claim, report progress, finish.

A job's handler is a plain function `handler(job, progress)`, named in JOB_KINDS under the
job's kind. The Celery task only passes the id; everything else is on the row.
"""
import logging
import threading
import time
import traceback

from django.conf import settings
from django.db import connections, transaction
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
    "second_look": "screening.services.stopping.second_look_job",
}
# What to leave behind when the lead cancels a job whose worker died, by kind: a function(job)
# that puts what the job was working on into a state the user can act on (an import shown as
# failed, not importing). Named, like the handlers, so nothing is imported before it is needed.
JOB_CANCEL_KINDS = {
    "import_records": "screening.services.imports.import_records_cancelled",
    "import_check": "screening.services.imports.import_check_cancelled",
    "pubmed_import": "screening.services.pubmed.pubmed_import_cancelled",
}


class JobError(Exception):
    """An expected failure whose message is shown to the user as is."""


def job_handler(kind):
    """Return the function that runs jobs of `kind`."""
    return import_string(JOB_KINDS[kind])


def job_cancel_handler(kind):
    """Return the function that tidies up after a cancelled job of `kind`, or None."""
    path = JOB_CANCEL_KINDS.get(kind)
    return import_string(path) if path else None


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
    claimed = Job.objects.filter(Q(status=Job.Status.PENDING) | _stalled(now), pk=job_id).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, error="")
    if claimed != 1:
        return None
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job_id).update(attempts=job.attempts + 1)
    return job


def _stalled(now):
    return Q(status=Job.Status.RUNNING) & (Q(heartbeat_at__lt=now - Job.stale_after()) | Q(heartbeat_at=None))


class Heartbeat:
    """Refresh the job's heartbeat every JOB_HEARTBEAT_SECONDS from a thread while its handler
    runs, so that a long step without progress reports (a COPY, computing features) is never
    taken for a dead worker, and a dead worker is noticed within JOB_STALE_SECONDS."""

    def __init__(self, job):
        self.job_id = job.pk
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _beat(self):
        try:
            while not self._stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                Job.objects.using("progress").filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                    heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 - a lost beat makes the job look stalled, never crashes it
            logger.exception("job %s: heartbeat stopped", self.job_id)
        finally:
            connections["progress"].close()


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


def job_run(*, job_id, wait_for_stale=True):
    """Claim and run a job. Safe to call twice: the second call finds the job taken.

    A task delivered again while its job is RUNNING with a fresh heartbeat comes either from
    a worker that just died (a prefork child killed: the task is requeued at once, before the
    heartbeat goes stale) or from a broker that resent a long job's task. Either way it waits,
    once, until the heartbeat would be stale, and takes the job over if it is: the first case
    recovers within JOB_STALE_SECONDS, the second costs a worker slot for that long."""
    job = job_claim(job_id=job_id)
    if job is None and wait_for_stale and _wait_until_stale(job_id):
        job = job_claim(job_id=job_id)
    if job is None:
        return None
    handler = job_handler(job.kind)
    progress = Progress(job)
    try:
        with Heartbeat(job):
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


def _wait_until_stale(job_id):
    """Return True once the RUNNING job's heartbeat is stale, False if it ends or keeps beating
    for a whole stale window (its worker is alive)."""
    deadline = time.monotonic() + settings.JOB_STALE_SECONDS + settings.JOB_HEARTBEAT_SECONDS
    while True:
        job = Job.objects.filter(pk=job_id).only("status", "heartbeat_at", "started_at", "created_at").first()
        if job is None or job.status != Job.Status.RUNNING:
            return False
        if job.is_stalled:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(settings.JOB_HEARTBEAT_SECONDS)


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


def job_retry(*, job, by):
    """Hand a job whose worker died to a live worker: it starts again (an import from nothing,
    since nothing of it was committed; a PubMed run after its last stored batch).

    Refused (JobError) unless the job is stalled, so a job that is only slow is never run
    twice."""
    from .. import tasks

    now = timezone.now()
    with transaction.atomic():
        moved = Job.objects.filter(_stalled(now), pk=job.pk).update(
            status=Job.Status.PENDING, message=f"Retried by {by.get_username()}. Waiting for a worker…", error="")
        if moved != 1:
            raise JobError("This job is not stopped: it is still running, or has ended.")
        transaction.on_commit(lambda: tasks.run_job.delay(job.pk))
    logger.info("job %s (%s) retried by user %s", job.pk, job.kind, by.pk)
    job.refresh_from_db()
    return job


def job_cancel(*, job, by):
    """Give up a job whose worker died (or that no worker has started). What it was working on
    is left as its kind's cancel handler says (an import: failed, nothing stored)."""
    now = timezone.now()
    with transaction.atomic():
        moved = Job.objects.filter(Q(status=Job.Status.PENDING) | _stalled(now), pk=job.pk).update(
            status=Job.Status.CANCELLED, finished_at=now,
            message=f"Cancelled by {by.get_username()} after its worker stopped.")
        if moved != 1:
            raise JobError("This job is not stopped: it is still running, or has ended.")
        job.refresh_from_db()
        tidy_up = job_cancel_handler(job.kind)
        if tidy_up:
            tidy_up(job)
    logger.info("job %s (%s) cancelled by user %s", job.pk, job.kind, by.pk)
    return job

