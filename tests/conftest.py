"""Shared fixtures: one review and the people around it.

- carol: the review's lead; sees everything, resolves conflicts.
- alice, bob: the blinded pair of reviewers; each sees only their own votes until resolution.
- mallory: has an account but is not a member; must learn nothing about the review.
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_unless_ci_allows(reason):
    """Skip outside CI; under CI=true a missing prerequisite is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(request):
    """The production hasher costs about half a second per persona; only the password tests
    care, and they work the same with a fast hasher."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield


@pytest.fixture
def make_user(django_user_model):
    def make(username, **extra):
        extra.setdefault("email", f"{username}@example.org")
        return django_user_model.objects.create_user(username=username, password="pw-" + username + "-9Xq!", **extra)

    return make


@pytest.fixture
def carol(make_user):
    return make_user("carol", first_name="Carol", last_name="Lead")


@pytest.fixture
def alice(make_user):
    return make_user("alice", first_name="Alice", last_name="Reviewer")


@pytest.fixture
def bob(make_user):
    return make_user("bob", first_name="Bob", last_name="Reviewer")


@pytest.fixture
def mallory(make_user):
    return make_user("mallory", first_name="Mallory", last_name="Outsider")


@pytest.fixture
def review(carol, alice, bob):
    from screening.models import Membership, Role
    from screening.services.reviews import review_create

    review = review_create(
        created_by=carol, title="Blue light and sleep",
        question="Does blue-light filtering improve sleep in adults?",
        inclusion_criteria="Adults; RCTs; blue-light filtering glasses or screens.",
        exclusion_criteria="Children; animal studies.",
    )
    Membership.objects.create(review=review, user=alice, role=Role.REVIEWER)
    Membership.objects.create(review=review, user=bob, role=Role.REVIEWER)
    return review


@pytest.fixture
def test_job_kinds(monkeypatch):
    """The job kinds that exist only in tests (tests/helpers/jobs.py), known to this process; a
    worker started by tests/helpers/worker.py knows them too."""
    from screening.services.jobs import JOB_KINDS

    from .helpers.jobs import TEST_JOB_KINDS

    for kind, path in TEST_JOB_KINDS.items():
        monkeypatch.setitem(JOB_KINDS, kind, path)


@pytest.fixture
def ncbi(settings, monkeypatch):
    """The fake NCBI E-utilities server, with the app's clients on its fake clock
    (tests/helpers/pubmed.py)."""
    from .helpers.pubmed import fake_ncbi

    yield from fake_ncbi(settings, monkeypatch)


@pytest.fixture
def walked(review, alice, bob, carol, settings, tmp_path):
    """The review walked through every stage by Alice, Bob and Carol (tests/helpers/prisma.py):
    the records, votes, reports and studies whose PRISMA counts are known."""
    from .helpers.prisma import walk_review

    settings.MEDIA_ROOT = tmp_path
    return walk_review(review, alice=alice, bob=bob, carol=carol)


@pytest.fixture
def detection(monkeypatch):
    """The dedup run's notice and retraction detection replaced by the stand-in of
    tests/helpers/notices.py, which links the notices of its small real file to their articles."""
    from screening.services import dedup

    from .helpers.notices import Detection

    stand_in = Detection()
    monkeypatch.setattr(dedup, "find_duplicates", stand_in)
    return stand_in


@pytest.fixture
def sent(monkeypatch):
    """The ids of the jobs enqueued on commit, instead of sending them to a broker."""
    from screening import tasks

    sent = []
    monkeypatch.setattr(tasks.run_job, "delay", lambda job_id: sent.append(job_id))
    return sent


def password_of(user):
    return "pw-" + user.username + "-9Xq!"


def pytest_collection_modifyitems(items):
    """Let every database test reach the "progress" alias (a second connection to the same
    database, used for job progress) as well as "default"."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, databases="__all__", **marker.kwargs), append=False)


@pytest.fixture(autouse=True)
def _progress_shares_the_test_transaction(request):
    """In a test wrapped in a transaction, progress written through the "progress" connection
    would not see rows the test created; point that alias at the test's own connection.
    Tests with transaction=True (real workers, browsers) keep the real second connection."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    from django.db import connections

    if marker.kwargs.get("transaction"):
        yield
        # An open second connection would keep the test database from being dropped.
        connections["progress"].close()
        return

    original = connections["progress"]
    connections["progress"] = connections["default"]
    yield
    connections["progress"] = original


@pytest.fixture(scope="session", autouse=True)
def _close_progress_connection_before_teardown(request):
    """Close the "progress" connection before pytest-django drops the test database."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    yield
    from django.db import connections

    connections["progress"].close()
