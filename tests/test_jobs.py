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
    monkeypatch.setitem(jobs.JOB_KINDS, "test_quiet", f"{__name__}.quiet_job")


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
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now() - Job.stale_after() * 2)
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


def quiet_job(job, progress):
    """A long step that reports no progress (like one big COPY)."""
    import time

    time.sleep(float(job.params["seconds"]))
    return {"message": "Done quietly."}


def stalled_job(review, kind="count_to", **fields):
    long_ago = timezone.now() - Job.stale_after() * 2
    return Job.objects.create(kind=kind, review=review, status=Job.Status.RUNNING, started_at=long_ago,
                              heartbeat_at=long_ago, message="3,710 of 51,000 records stored…", **fields)


@pytest.mark.django_db(transaction=True)
def test_a_running_job_keeps_its_heartbeat_fresh_without_reporting_progress(settings):
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_SECONDS = 1, 2
    job = Job.objects.create(kind="test_quiet", params={"seconds": 2.6})
    finished = jobs.job_run(job_id=job.pk)
    assert finished.status == Job.Status.SUCCEEDED
    assert (finished.heartbeat_at - finished.started_at).total_seconds() >= 2


def test_a_job_whose_heartbeat_stopped_is_shown_stopped_with_retry_and_cancel_to_the_lead(client, review, carol,
                                                                                           alice, settings):
    settings.JOB_STALE_SECONDS = 60
    job = stalled_job(review)
    url = f"/reviews/{review.pk}/jobs/{job.pk}/progress/"
    client.force_login(carol)
    page = client.get(url, headers={"HX-Request": "true"})
    assert page.status_code == 200 and b'hx-trigger="every 1s"' in page.content  # another worker may take it
    assert b"<strong>Stopped</strong> \xc2\xb7 its worker stopped reporting 2" in page.content
    assert b">Retry</button>" in page.content and b">Cancel</button>" in page.content
    client.force_login(alice)
    assert b">Retry</button>" not in client.get(url).content
    assert client.post(f"/reviews/{review.pk}/jobs/{job.pk}/retry/").status_code == 403
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert b"<strong>Running</strong>" in client.get(url).content


def test_retry_hands_a_stopped_job_to_a_worker_and_refuses_a_live_one(client, review, carol, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from screening import tasks

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", lambda job_id: sent.append(job_id))
    job = stalled_job(review)
    client.force_login(carol)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reviews/{review.pk}/jobs/{job.pk}/retry/")
    assert sent == [job.pk] and Job.objects.get(pk=job.pk).status == Job.Status.PENDING
    assert jobs.job_run(job_id=job.pk).status == Job.Status.SUCCEEDED
    live = Job.objects.create(kind="count_to", review=review, status=Job.Status.RUNNING,
                              heartbeat_at=timezone.now())
    response = client.post(f"/reviews/{review.pk}/jobs/{live.pk}/retry/", follow=True)
    assert "This job is not stopped" in response.content.decode()
    assert sent == [job.pk] and Job.objects.get(pk=live.pk).status == Job.Status.RUNNING


def test_cancelling_a_stopped_import_marks_the_import_failed_with_nothing_stored(client, review, carol):
    from screening.models import Import

    import_ = Import.objects.create(review=review, created_by=carol, filename="big.ris", status=Import.Status.IMPORTING)
    job = stalled_job(review, kind="import_records", params={"import_id": import_.pk})
    Import.objects.filter(pk=import_.pk).update(job=job)
    client.force_login(carol)
    client.post(f"/reviews/{review.pk}/jobs/{job.pk}/cancel/")
    job.refresh_from_db()
    import_.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.message == "Cancelled by carol after its worker stopped."
    assert import_.status == Import.Status.FAILED and "Nothing from this file was stored" in import_.error
    assert jobs.job_run(job_id=job.pk) is None  # a late redelivery leaves it cancelled


def test_a_task_redelivered_at_once_after_its_worker_died_waits_for_the_stale_heartbeat_and_takes_over(settings):
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALE_SECONDS = 1, 2
    job = make_job(steps=1)
    jobs.job_claim(job_id=job.pk)  # the worker that died right after claiming it
    taken = jobs.job_run(job_id=job.pk)
    assert taken.status == Job.Status.SUCCEEDED and taken.attempts == 2


def test_the_dashboard_shows_a_stopped_duplicate_search_with_the_way_to_retry_it(client, review, carol):
    job = stalled_job(review, kind="dedup")
    client.force_login(carol)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "The duplicate search stopped: its worker stopped reporting." in page
    assert f'href="/reviews/{review.pk}/jobs/{job.pk}/">Retry or cancel</a>' in page


def test_cancelling_a_stopped_check_drops_the_files_it_was_reading(client, review, carol):
    from screening.models import Import

    import_ = Import.objects.create(review=review, created_by=carol, filename="embase.ris",
                                   status=Import.Status.CHECKED, check_report={"state": "waiting"})
    job = stalled_job(review, kind="import_check", params={"import_ids": [import_.pk]})
    client.force_login(carol)
    client.post(f"/reviews/{review.pk}/jobs/{job.pk}/cancel/")
    import_.refresh_from_db()
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED
    assert import_.status == Import.Status.CANCELLED
