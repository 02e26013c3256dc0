"""A GET only reads: no page, partial or download changes a single row, whoever asks for it.

Every URL pattern is walked with GET as the lead, a reviewer and an outsider, on a review with
records in screening, an import waiting for confirmation and finished jobs; the ids in each
route name those objects, so the pages render their content rather than 404. Every table's row
count and a checksum of its rows are compared before and after each request.
"""
import re

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from screening.models import Import, Job
from .helpers.screening import make_records

pytestmark = pytest.mark.django_db


def every_url_pattern(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # Django's own pages
                continue
            yield from every_url_pattern(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


FORMATS = {"records.": "csv", "diagram.": "svg", "records-": "csv"}


def concrete_path(route, ids):
    """Fill a route's parameters with the ids of real objects (1 for any other)."""
    path = re.sub(r"<int:(\w+)>", lambda m: str(ids.get(m.group(1), 1)), route)
    path = path.replace("<str:subset>", "all")
    path = re.sub(r"(records\.|diagram\.|records-all\.)<str:file_format>",
                  lambda m: m.group(1) + ("svg" if m.group(1) == "diagram." else "csv"), path)
    path = re.sub(r"<(str|slug|path):\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


def table_snapshot():
    """Every table's row count and an md5 of its rows, in one statement per table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
        tables = [name for (name,) in cursor.fetchall()]
        snapshot = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                           f"FROM {quoted} t")
            snapshot[table] = cursor.fetchone()
    return snapshot


def changed_tables(before, after):
    return sorted(table for table in after if before.get(table) != after[table])


@pytest.fixture
def busy_review(review, carol, alice):
    """The review with six records in screening, two of an import that finished before records
    entered screening with their import (no page may add them now), one import checked and
    waiting for the lead, and one whose job failed."""
    records = make_records(review, 6)
    make_records(review, 2, database="Embase", in_screening=False)
    check = Job.objects.create(kind="import_check", review=review, created_by=carol, status=Job.Status.SUCCEEDED)
    waiting = Import.objects.create(review=review, created_by=carol, filename="embase.ris",
                                    status=Import.Status.CHECKED,
                                    check_report={"state": "ok", "record_count": 0}, job=check)
    check.params = {"import_ids": [waiting.pk]}
    check.save()
    # An import left queued by a job that failed before it could say so (a worker killed).
    failed = Job.objects.create(kind="import_records", review=review, status=Job.Status.FAILED, error="Killed")
    Import.objects.create(review=review, created_by=carol, filename="cinahl.ris", status=Import.Status.QUEUED,
                          job=failed)
    return {
        "review_id": review.pk, "job_id": check.pk, "import_id": waiting.pk, "record_id": records[0].pk,
        "membership_id": review.memberships.get(user=alice).pk,
    }


@pytest.mark.parametrize("person", ["carol", "alice", "mallory"], ids=["the lead", "a reviewer", "an outsider"])
def test_no_get_changes_any_table(client, busy_review, person, request):
    client.force_login(request.getfixturevalue(person))
    walked, writers = 0, {}
    for route, _ in every_url_pattern():
        path = concrete_path(route, busy_review)
        before = table_snapshot()
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        changed = changed_tables(before, table_snapshot())
        if changed:
            writers[path] = changed
        walked += response.status_code == 200
    assert writers == {}
    assert walked >= (20 if person == "carol" else 10 if person == "alice" else 1), "too few pages rendered"


def test_the_snapshot_sees_a_write():
    before = table_snapshot()
    Job.objects.create(kind="dedup")
    assert changed_tables(before, table_snapshot()) == ["screening_job"]
    before = table_snapshot()
    Job.objects.update(message="Changed in place")
    assert changed_tables(before, table_snapshot()) == ["screening_job"]
