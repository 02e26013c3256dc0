"""The cache is shared by every process of the app: a count one process cached is fresh in it as
soon as another process (the worker, another web worker) changes what it counts."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import cache

from screening.models import Stage
from screening.services import queue as queue_services

from .conftest import REPO_ROOT
from .helpers.screening import make_records
from .helpers import worker

pytestmark = pytest.mark.django_db(transaction=True)


def in_another_process(code):
    env = dict(os.environ, DATABASE_URL=worker.test_database_url())
    env.pop("TEST_DATABASE_NAME", None)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def test_records_an_import_adds_in_another_process_are_counted_here_at_once(review):
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    assert queue_services.records_in_stage_count(review) == 3  # and now cached in this process

    # As the worker does when an import finishes: its records enter screening.
    in_another_process(
        "from screening.models import Review\n"
        "from screening.services.queue import record_stages_add_import\n"
        "from tests.helpers.screening import make_records\n"
        f"records = make_records(Review.objects.get(pk={review.pk}), 2)\n"
        "record_stages_add_import(import_=records[0].source_import)\n"
    )
    assert queue_services.records_in_stage_count(review) == 5


def test_a_count_cached_here_is_read_by_another_process(review):
    make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    assert queue_services.records_in_stage_count(review) == 4
    key = queue_services._total_cache_key(review, Stage.TITLE_ABSTRACT)
    assert cache.get(key) == 4
    cached_there = in_another_process(f"from django.core.cache import cache; print(cache.get({key!r}))")
    assert cached_there == "4"


def test_the_cache_is_not_private_to_one_process():
    assert settings.CACHES["default"]["BACKEND"] in {
        "django.core.cache.backends.redis.RedisCache", "django.core.cache.backends.filebased.FileBasedCache"}
