"""The Celery app as the tests' worker process runs it: the app itself, plus the job kinds that
exist only in tests (tests/helpers/jobs.py)."""
import django

from reviewapp.celery import app  # also names the settings module

django.setup()

from screening.services.jobs import JOB_KINDS  # noqa: E402 - needs the apps loaded

from tests.helpers.jobs import TEST_JOB_KINDS  # noqa: E402

JOB_KINDS.update(TEST_JOB_KINDS)

__all__ = ["app"]
