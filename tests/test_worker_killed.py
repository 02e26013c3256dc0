"""A worker killed with SIGKILL in the middle of an import: nothing of the import is stored,
the job is shown as stopped (with Retry and Cancel) once its heartbeat is stale, and a live
worker takes it over when the broker hands the task on. The windows are shortened through the
same settings production uses (heartbeat 1 s, stale after 3 s, visibility timeout 2 s)."""
import os
import signal
import time

import psycopg
import pytest
from django.db import connection

from screening.models import Import, Job, Record
from screening.services import imports

from .helpers import worker
from .helpers.imports import upload_text
from .helpers.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RECORDS = 300


def many_ris_records(count):
    return "".join(
        f"TY  - JOUR\nTI  - Blue light and sleep in shift workers, cohort {n}\nAU  - Smith, Anna\n"
        f"PY  - 2020\nAB  - Amber lenses at night; sleep diaries for two weeks.\nDO  - 10.1000/blue.{n}\nER  - \n\n"
        for n in range(count))


def copy_in_progress():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE state = 'active'"
                       " AND query LIKE 'COPY screening_record%%' AND datname = current_database()"
                       " AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cursor.fetchall()]


@pytest.fixture
def short_windows(monkeypatch, settings, tmp_path):
    for name, value in {"JOB_HEARTBEAT_SECONDS": 1, "JOB_STALE_SECONDS": 3, "CELERY_VISIBILITY_TIMEOUT": 2}.items():
        monkeypatch.setenv(name, str(value))
        setattr(settings, name, value)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))  # the worker reads the staged rows the check wrote
    settings.MEDIA_ROOT = tmp_path


def test_an_import_whose_worker_is_killed_is_shown_stopped_then_taken_over_with_nothing_partial(
        client, review, carol, short_windows):
    client.force_login(carol)
    with celery_worker() as first:
        check = imports.imports_upload(review=review, files=[upload_text("big.ris", many_ris_records(RECORDS))],
                                       uploaded_by=carol)
        wait_for(lambda: Job.objects.get(pk=check.pk).is_finished, timeout=60)
        import_ = Import.objects.get(pk=check.params["import_ids"][0])
        assert import_.record_count == RECORDS, import_.check_report
        # The records table is held in SHARE mode, so the worker's COPY starts and waits: the
        # kill lands inside the import's transaction, whatever the machine's speed.
        with psycopg.connect(worker.test_database_url()) as holder:
            holder.execute("LOCK TABLE screening_record IN SHARE MODE")
            import_ = imports.import_confirm(import_=import_, database="Embase", confirmed_by=carol)
            wait_for(copy_in_progress, timeout=60, interval=0.05)
            os.kill(first.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            holder.rollback()
        first.wait(10)
    queue = first.queue

    progress_url = f"/reviews/{review.pk}/jobs/{import_.job_id}/progress/"

    def shown_stopped():
        return b"<strong>Stopped</strong>" in client.get(progress_url, headers={"HX-Request": "true"}).content

    wait_for(shown_stopped, timeout=120)
    stopped_after = time.monotonic() - killed_at
    page = client.get(progress_url).content.decode()
    assert ">Retry</button>" in page and ">Cancel</button>" in page
    wait_for(lambda: not copy_in_progress(), timeout=30)  # PostgreSQL has rolled the COPY back
    assert Record.objects.filter(source_import=import_).count() == 0
    assert Import.objects.get(pk=import_.pk).status == Import.Status.IMPORTING
    import_list = client.get(f"/reviews/{review.pk}/imports/").content.decode()
    assert "Stopped: its worker stopped reporting" in import_list

    with celery_worker(queue=queue):  # a live worker; the broker hands it the dead worker's task
        job = wait_for(lambda: (row := Job.objects.get(pk=import_.job_id)).is_finished and row, timeout=120)
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2, job.error
    assert Record.objects.filter(source_import=import_).count() == RECORDS
    assert Import.objects.get(pk=import_.pk).status == Import.Status.IMPORTED
    assert stopped_after < 3 + 2  # stale window plus a heartbeat and a poll
