"""Start a real Celery worker process against the test database, for tests that need one."""
import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

from django.db import connection

from ..conftest import IN_CI, REPO_ROOT


def test_database_url():
    db = connection.settings_dict
    if db["HOST"].startswith("/") or not db["HOST"]:
        return f"postgresql://{db['USER']}@/{db['NAME']}?host={db['HOST'] or '/var/run/postgresql'}" + (
            f"&port={db['PORT']}" if db["PORT"] else "")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(queue=None):
    """Run a worker on a queue of its own (or on `queue`, to follow a worker that died) until
    the block ends; yield the process. Its queue is the process's `queue` attribute."""
    from reviewapp.celery import app

    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    env = dict(os.environ, DATABASE_URL=test_database_url(), CELERY_QUEUE=queue, DEBUG="1")
    env.pop("TEST_DATABASE_NAME", None)
    log = open(REPO_ROOT / "var" / f"worker-{queue}.log", "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.helpers.worker_app", "worker", "--pool", "solo",
         "--concurrency", "1", "-Q", queue, "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    process.queue = queue
    try:
        yield process
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(predicate, timeout=60, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {predicate.__name__}")


def broker_is_redis():
    from django.conf import settings

    return settings.CELERY_BROKER_URL.startswith("redis")


__all__ = ["celery_worker", "wait_for", "broker_is_redis", "IN_CI"]
