"""Deduplication reads: the per-database overview (before and after, overlap), the dashboard's
numbers and the retractions the lead should know of."""
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from ..models import Import, Job, Record


@dataclass
class DatabaseCounts:
    database: str
    before: int = 0  # records imported
    after: int = 0  # records kept for screening (primaries and unique records)
    only_here: int = 0  # works found in no other database


@dataclass
class DedupOverview:
    records: int
    duplicates_removed: int
    kept: int
    databases: list
    overlap: list  # rows of (database, [works found in both, per column database])
    queue: int
    merges_automatic: int
    merges_by_lead: int
    notices_linked: int = 0
    retracted: int = 0


def dedup_overview(review):
    """Return the per-database numbers: records before and after deduplication and the
    database x database overlap (works with a record in both). These feed PRISMA."""
    records = Record.objects.filter(review=review)
    rows = {
        row["source_import__database"]: DatabaseCounts(row["source_import__database"], row["before"], row["after"])
        for row in records.values("source_import__database").order_by("source_import__database").annotate(
            before=Count("id"), after=Count("id", filter=Q(duplicate_of__isnull=True, removed_reason="",
                                                           notice_of__isnull=True)))
    }
    found_in = defaultdict(set)  # work (primary id) -> databases
    for work, database in _work_databases(review):
        found_in[work].add(database)
    names = sorted(rows)
    position = {name: i for i, name in enumerate(names)}
    matrix = [[0] * len(names) for _ in names]
    for databases in found_in.values():
        if len(databases) == 1:
            rows[next(iter(databases))].only_here += 1
        for x in databases:
            for y in databases:
                matrix[position[x]][position[y]] += 1
    merges = review.merges.active().values("automatic").annotate(n=Count("id"))
    by_kind = {row["automatic"]: row["n"] for row in merges}
    total = sum(r.before for r in rows.values())
    removed = records.duplicates().count()
    return DedupOverview(
        records=total, duplicates_removed=removed, kept=records.in_screening().count(),
        databases=[rows[name] for name in names],
        overlap=[(name, matrix[i]) for i, name in enumerate(names)],
        queue=review.duplicate_candidates.queue().count(),
        merges_automatic=by_kind.get(True, 0), merges_by_lead=by_kind.get(False, 0),
        notices_linked=records.linked_notices().count(),
        retracted=records.in_screening().with_retraction().filter(is_retracted=True).count(),
    )


def _work_databases(review):
    """Yield (work, database) once per pair: a work is a group's primary record."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT COALESCE(r.duplicate_of_id, r.id), i.database "
            f"FROM {Record._meta.db_table} r JOIN {Import._meta.db_table} i ON i.id = r.source_import_id "
            f"WHERE r.review_id = %s AND r.removed_reason = '' AND r.notice_of_id IS NULL",
            [review.pk],
        )
        yield from cursor.fetchall()


def duplicates_removed(review):
    """The PRISMA 2020 count "duplicate records removed" for a review."""
    return Record.objects.filter(review=review).duplicates().count()


def dedup_dashboard(review):
    """The dashboard's numbers for deduplication."""
    records = Record.objects.filter(review=review)
    return {
        "dedup": {
            "duplicates_removed": records.duplicates().count(),
            "kept": records.in_screening().count(),
            "queue": review.duplicate_candidates.queue().count(),
            "running": review.jobs.filter(kind="dedup", status__in=[Job.Status.PENDING, Job.Status.RUNNING]).first(),
        }
    }


def retraction_dashboard(review, membership):
    """For the lead: how many records going on in the review are retracted, and how many of
    them are included. Reviewers see the flag on each card instead."""
    if membership.role != "lead" or not review.has_notices:
        return {"retractions": None}
    retracted = Record.objects.filter(review=review).in_screening().with_outcomes().with_retraction().filter(
        is_retracted=True)
    counts = retracted.aggregate(
        total=Count("id"),
        # Included at title/abstract and not excluded at full text (yet, or at all).
        included=Count("id", filter=Q(ta_outcome="included") & (Q(ft_outcome__isnull=True)
                                                                | ~Q(ft_outcome="excluded"))),
    )
    notices = Record.objects.filter(review=review).imported().linked_notices().count()
    return {"retractions": {**counts, "notices": notices}}
