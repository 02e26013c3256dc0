"""The lead's second-look page and dashboard recall estimate on a large review.

    make bench-second-look-page   (or: python -m reviewapp.launcher bench benchmarks/bench_second_look_page.py
                                   [--records 10000] [--decisions 100000])

Builds a fresh database <your database>_bench_second_look (dropped afterwards). Second look: one
review with --records real records (the five shared screening sets, ../shared/data/screening, in
turn until the count is reached: a set read again is the same texts again), every one resolved at
title/abstract by its set's final label. Then times, in this process (CPU time, and wall time):
the page before any ranking (cold), the ranking job, the page once ranked (warm, median of 5), a
keep, and the page after an include (stale: the previous ranking is shown while the next runs).
Dashboard: a second review with --decisions votes (two per record, 10 % includes), then the lead's
recall estimate uncached (services.stopping.review_recall) and cached (selectors.stopping), and
the dashboard page.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_screening import drop_database, recreate_database  # noqa: E402
from screening_sets import real_records  # noqa: E402


VOTES_SQL = """
INSERT INTO screening_record (review_id, source_import_id, source_index, title, abstract, authors, journal, volume,
    issue, pages, doi, pmid, pmcid, identifiers, issn, keywords, subject_terms, language, publication_type, urls,
    database, id_in_file, raw, line, removed_reason, removed_by_automation)
SELECT %(review)s, %(import)s, i, 'Record ' || i || ' on blue light and sleep', 'Abstract ' || i,
    '["Author A"]', 'Journal', '', '', '', '10.1000/bench.' || i, '', '', '[]', '[]', '[]', '[]', '', '', '[]',
    '', '', '', 0, '', false
FROM generate_series(0, %(records)s - 1) AS i;
INSERT INTO screening_recordstage
    (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason, resolved_at)
SELECT %(review)s, r.id, 'title_abstract', r.id, 2, CASE WHEN r.id %% 10 = 3 THEN 'included' ELSE 'excluded' END,
    'agreement', '', now() - (r.id || ' seconds')::interval
FROM screening_record r WHERE r.review_id = %(review)s;
INSERT INTO screening_decision (review_id, record_id, stage, reviewer_id, verdict, reason, note, claimed_at, decided_at)
SELECT %(review)s, r.id, 'title_abstract', u.id, CASE WHEN r.id %% 10 = 3 THEN 'include' ELSE 'exclude' END, '', '',
    now() - (r.id || ' seconds')::interval, now() - (r.id || ' seconds')::interval
FROM screening_record r CROSS JOIN unnest(%(reviewers)s::int[]) AS u(id) WHERE r.review_id = %(review)s;
INSERT INTO screening_decisionevent (review_id, record_id, stage, actor_id, at, kind, old_verdict, new_verdict,
    reason, note)
SELECT d.review_id, d.record_id, d.stage, d.reviewer_id, d.decided_at, 'vote', '', d.verdict, '', ''
FROM screening_decision d WHERE d.review_id = %(review)s
"""


def timed(function, runs=5):
    """Return (median wall ms, median CPU ms, last result) of `runs` calls."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus), result


def bench_second_look(client, lead, records):
    from django.db import connection

    from screening.models import Import, Job, Outcome, Record, RecordStage
    from screening.services import jobs
    from screening.services.queue import record_stages_add_import
    from screening.services.reviews import review_create

    review = review_create(created_by=lead, title="Second look benchmark")
    rows = real_records(records)
    import_ = Import.objects.create(review=review, database="MEDLINE", status=Import.Status.IMPORTED,
                                    record_count=len(rows))
    created = Record.objects.bulk_create(
        [Record(review=review, source_import=import_, source_index=i, title=title, abstract=abstract)
         for i, (title, abstract, _) in enumerate(rows)], batch_size=2000)
    record_stages_add_import(import_=import_)
    included = [record.pk for record, (_, _, label) in zip(created, rows) if label]
    stages = RecordStage.objects.filter(review=review, stage="title_abstract")
    stages.update(outcome=Outcome.EXCLUDED, resolution="agreement", resolved_at=time_now())
    stages.filter(record_id__in=included).update(outcome=Outcome.INCLUDED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"second look: {len(rows):,} real records, {len(included):,} resolved includes, "
          f"{len(rows) - len(included):,} resolved excludes")
    url = f"/reviews/{review.pk}/screening/second-look/"
    client.get(f"/reviews/{review.pk}/")  # the process's first request (imports, templates) is not the page's
    wall, cpu, response = timed(lambda: client.get(url))
    print(f"  page before any ranking (cold, median of 5): {wall:.0f} ms wall, {cpu:.0f} ms CPU, "
          f"status {response.status_code}")
    client.post(f"/reviews/{review.pk}/screening/second-look/rank/")
    job = Job.objects.filter(review=review, kind="second_look").latest("created_at")
    wall, cpu, job = timed(lambda: jobs.job_run(job_id=job.pk), runs=1)
    print(f"  ranking job (features computed, 10-fold CV): {wall / 1000:.1f} s wall, {cpu / 1000:.1f} s CPU: "
          f"{job.message}")
    wall, cpu, response = timed(lambda: client.get(url))
    assert "as they are now" in response.content.decode()
    print(f"  page once ranked (warm): {wall:.0f} ms wall, {cpu:.0f} ms CPU (median of 5)")
    first = response.content.decode().split('data-record-id="')[1].split('"')[0]
    wall, cpu, response = timed(lambda: client.post(f"{url}{first}/keep/", HTTP_HX_REQUEST="true"), runs=1)
    print(f"  keep excluded (POST, list back): {wall:.0f} ms wall, {cpu:.0f} ms CPU, status {response.status_code}")
    second = response.content.decode().split('data-record-id="')[1].split('"')[0]
    wall, cpu, response = timed(lambda: client.post(f"{url}{second}/include/", HTTP_HX_REQUEST="true"), runs=1)
    print(f"  include after all (POST, list back): {wall:.0f} ms wall, {cpu:.0f} ms CPU")
    wall, cpu, response = timed(lambda: client.get(url))
    assert "The outcomes changed since this ranking." in response.content.decode()
    print(f"  page after an include, previous ranking shown (stale): {wall:.0f} ms wall, {cpu:.0f} ms CPU")
    client.post(f"/reviews/{review.pk}/screening/second-look/rank/")
    job = Job.objects.filter(review=review, kind="second_look").latest("created_at")
    wall, cpu, job = timed(lambda: jobs.job_run(job_id=job.pk), runs=1)
    print(f"  ranking job again (features cached): {wall / 1000:.1f} s wall, {cpu / 1000:.1f} s CPU")


def bench_dashboard(client, lead, decisions):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from screening.models import Import, Membership, Role
    from screening.selectors.stopping import review_recall_cached
    from screening.services.reviews import review_create
    from screening.services.stopping import review_recall

    review = review_create(created_by=lead, title="Recall benchmark")
    people = [get_user_model().objects.create_user(f"bench-reviewer-{i}", password=None) for i in range(2)]
    for person in people:
        Membership.objects.create(review=review, user=person, role=Role.REVIEWER)
    import_ = Import.objects.create(review=review, database="MEDLINE", status=Import.Status.IMPORTED)
    with connection.cursor() as cursor:
        for statement in VOTES_SQL.split(";\n"):
            cursor.execute(statement, {"review": review.pk, "import": import_.pk, "records": decisions // 2,
                                       "reviewers": [p.pk for p in people]})
        cursor.execute("ANALYZE")
    print(f"dashboard: {decisions:,} votes on {decisions // 2:,} records")
    wall, cpu, _ = timed(lambda: review_recall(review, lead))
    print(f"  recall estimate uncached (services.stopping.review_recall): {wall:.0f} ms wall, {cpu:.0f} ms CPU")
    review_recall_cached(review, lead)
    wall, cpu, _ = timed(lambda: review_recall_cached(review, lead))
    print(f"  recall estimate cached (selectors.stopping.review_recall_cached): {wall:.1f} ms wall, "
          f"{cpu:.1f} ms CPU")
    wall, cpu, response = timed(lambda: client.get(f"/reviews/{review.pk}/"))
    print(f"  dashboard page, estimate cached: {wall:.0f} ms wall, {cpu:.0f} ms CPU, status {response.status_code}")


def time_now():
    from django.utils import timezone

    return timezone.now()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or (ROOT / "var" / "embedded-database-url").read_text().strip()
    name = (urlparse(url).path.lstrip("/") or "postgres") + "_bench_second_look"
    recreate_database(url, name)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    os.environ["CACHE_KEY_PREFIX"] = f"{name}-{time.time_ns()}"  # nothing cached by an earlier run
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-second-look-")
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        call_command("migrate", verbosity=0)
        from screening import tasks

        tasks.run_job.delay = lambda *args: None  # the benchmark runs each job itself, in this process
        lead = get_user_model().objects.create_user("bench-lead", password=None)
        client = Client()
        client.force_login(lead)
        bench_second_look(client, lead, args.records)
        bench_dashboard(client, lead, args.decisions)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url, name)


if __name__ == "__main__":
    main()
