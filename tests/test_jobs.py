import pytest
from django.utils import timezone

from screening.models import Import, Job
from screening.services import jobs

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_job_kinds")]


def failing_job(job, progress):
    raise jobs.JobError("The file ended in the middle of a record (line 12).")


@pytest.fixture(autouse=True)
def _failing_job_kind(monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "test_boom", f"{__name__}.failing_job")


def make_job(kind="count_to", **params):
    return Job.objects.create(kind=kind, params=params or {"steps": 3, "delay": 0})


def test_running_a_job_records_progress_and_success():
    job = jobs.job_run(job_id=make_job().pk)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (3, 3)
    assert job.finished_at is not None
    assert job.result["steps"] == 3


def test_a_second_delivery_of_the_same_job_does_nothing():
    job = make_job()
    jobs.job_run(job_id=job.pk)
    assert jobs.job_run(job_id=job.pk) is None
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_running_job_with_a_fresh_heartbeat_is_not_taken_twice():
    job = make_job()
    assert jobs.job_claim(job_id=job.pk) is not None
    assert jobs.job_claim(job_id=job.pk) is None


def test_a_job_orphaned_by_a_dead_worker_is_taken_over():
    job = make_job()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now() - Job.STALE_AFTER * 2)
    taken = jobs.job_claim(job_id=job.pk)
    assert taken is not None and taken.status == Job.Status.RUNNING


def test_an_expected_failure_is_stored_on_the_row_with_its_message():
    job = jobs.job_run(job_id=make_job("test_boom").pk)
    assert job.status == Job.Status.FAILED
    assert job.error == "The file ended in the middle of a record (line 12)."


def test_creating_a_job_enqueues_it_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    from screening import tasks

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", lambda job_id: sent.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_create(kind="count_to", params={"steps": 1})
    assert sent == [job.pk]


def test_the_progress_partial_stops_polling_once_the_job_ends(client, review, carol):
    job = Job.objects.create(kind="count_to", review=review, status=Job.Status.RUNNING, done=1, total=4)
    client.force_login(carol)
    url = f"/reviews/{review.pk}/jobs/{job.pk}/progress/"
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200 and b'hx-trigger="every 1s"' in running.content
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, done=4)
    finished = client.get(url, headers={"HX-Request": "true"})
    assert finished.status_code == 286
    assert b"hx-trigger" not in finished.content


def test_every_job_kind_names_a_function_that_exists():
    for kind in jobs.JOB_KINDS:
        assert callable(jobs.job_handler(kind)), kind


def test_an_unknown_job_kind_is_refused():
    with pytest.raises(ValueError, match="no handler for job kind 'print_money'"):
        jobs.job_create(kind="print_money")



def crashing_job(job, progress):
    raise OSError("No space left on device")


def test_an_import_whose_job_fails_outright_is_marked_failed_with_the_jobs_error(review, monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "test_crash", f"{__name__}.crashing_job")
    job = make_job("test_crash")
    crashed = Import.objects.create(review=review, filename="embase.ris", status=Import.Status.IMPORTING, job=job)
    own_error = Import.objects.create(review=review, filename="scopus.csv", status=Import.Status.QUEUED, job=job,
                                      error="Line 4: a quote is never closed.")
    done = Import.objects.create(review=review, filename="ovid.ris", status=Import.Status.IMPORTED, job=job)
    with pytest.raises(OSError):
        jobs.job_run(job_id=job.pk)
    crashed.refresh_from_db(), own_error.refresh_from_db(), done.refresh_from_db()
    assert (crashed.status, crashed.error) == (Import.Status.FAILED,
                                               "Unexpected error: OSError: No space left on device")
    assert (own_error.status, own_error.error) == (Import.Status.FAILED, "Line 4: a quote is never closed.")
    assert done.status == Import.Status.IMPORTED
