"""PRISMA counts, diagram and exports on a large finished review.

    make bench-prisma    (or: python -m reviewapp.launcher bench benchmarks/bench_prisma.py [--records 100000])

Builds a fresh database <your database>_bench_prisma (dropped afterwards), fills one review
with --records records from three databases, a register and citation searching (20 %
duplicates, 2 % removed before screening, every record decided at title/abstract, 10 %
included, most of those retrieved and decided at full text), then times
Review.objects.prisma_counts, prisma_open_work, the SVG, and the lead's streamed CSV export
of all records with their decisions (median of 5 runs; the export once).
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_screening import drop_database, recreate_database  # noqa: E402

FILL_SQL = """
INSERT INTO screening_record (review_id, source_import_id, source_index, title, abstract, authors, journal, volume,
    issue, pages, doi, pmid, pmcid, identifiers, issn, keywords, subject_terms, language, publication_type, urls,
    database, id_in_file, raw, line, removed_reason, removed_by_automation)
SELECT %(review)s, (%(imports)s)[1 + i %% 5], i, 'Record ' || i || ' on blue light and sleep', 'Abstract ' || i,
    '["Author A"]', 'Journal', '', '', '', '10.1000/bench.' || i, '', '', '[]', '[]', '[]', '[]', '', '', '[]',
    '', '', '', 0, CASE WHEN i %% 50 = 1 THEN 'Retracted' ELSE '' END, i %% 100 = 1
FROM generate_series(0, %(count)s - 1) AS i;
UPDATE screening_record r SET duplicate_of_id = (SELECT min(id) FROM screening_record WHERE review_id = %(review)s)
WHERE review_id = %(review)s AND id %% 5 = 0
  AND id > (SELECT min(id) FROM screening_record WHERE review_id = %(review)s);
INSERT INTO screening_recordstage
    (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
SELECT %(review)s, r.id, 'title_abstract', 0, 0, CASE WHEN r.id %% 10 = 3 THEN 'included' ELSE 'excluded' END,
    'agreement', ''
FROM screening_record r JOIN screening_import i
  ON i.id = r.source_import_id AND i.identified_via IN ('database', 'register')
WHERE r.review_id = %(review)s AND r.duplicate_of_id IS NULL AND r.removed_reason = '';
INSERT INTO screening_report (review_id, record_id, status, file, url, note, updated_by_id, updated_at)
SELECT %(review)s, r.id, CASE WHEN r.id %% 7 = 0 THEN 'not_retrieved' ELSE 'retrieved' END, '', 'https://example.org',
    '', %(user)s, now()
FROM screening_record r JOIN screening_import i ON i.id = r.source_import_id
LEFT JOIN screening_recordstage ta ON ta.record_id = r.id AND ta.stage = 'title_abstract'
WHERE r.review_id = %(review)s AND r.duplicate_of_id IS NULL AND r.removed_reason = ''
  AND (ta.outcome = 'included' OR i.identified_via = 'citation');
INSERT INTO screening_recordstage
    (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
SELECT %(review)s, rep.record_id, 'full_text', 0, 0,
    CASE WHEN rep.record_id %% 3 = 0 THEN 'included' ELSE 'excluded' END, 'agreement',
    CASE WHEN rep.record_id %% 3 = 1 THEN 'Wrong population' WHEN rep.record_id %% 3 = 2 THEN 'Wrong outcome'
         ELSE '' END
FROM screening_report rep WHERE rep.review_id = %(review)s AND rep.status = 'retrieved';
"""


def timed(function, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or (ROOT / "var" / "embedded-database-url").read_text().strip()
    name = (urlparse(url).path.lstrip("/") or "postgres") + "_bench_prisma"
    recreate_database(url, name)
    os.environ["DATABASE_URL"] = urlunparse(urlparse(url)._replace(path="/" + name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from screening.models import Import
        from screening.prisma import check_sums, render_svg
        from screening.selectors.prisma import prisma_counts, prisma_open_work
        from screening.services.reviews import review_create

        call_command("migrate", verbosity=0)
        from django.contrib.auth import get_user_model

        lead = get_user_model().objects.create_user("bench-lead", password="x")
        review = review_create(created_by=lead, title="PRISMA benchmark")
        imports = [Import.objects.create(review=review, identified_via=via, database=database, status="imported").pk
                   for via, database in (("database", "MEDLINE"), ("database", "Embase"), ("database", "CINAHL"),
                                            ("register", "ClinicalTrials.gov"), ("citation", "Reference lists"))]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in FILL_SQL.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, {"review": review.pk, "imports": imports, "count": args.records,
                                               "user": lead.pk})
            cursor.execute("ANALYZE")
        print(f"filled {args.records:,} records in {time.perf_counter() - started:.1f} s")
        counts_ms, counts = timed(lambda: prisma_counts(review))
        open_ms, open_work = timed(lambda: prisma_open_work(review))
        svg_ms, _ = timed(lambda: render_svg(counts))
        print(f"prisma_counts: {counts_ms:.0f} ms (median of 5); sums that fail: {len(check_sums(counts))}")
        print(f"  identified {counts.records_identified:,}, screened {counts.records_screened:,}, "
              f"sought {counts.dbr_sought_reports + counts.other_sought_reports:,}, new reports {counts.new_reports:,}")
        print(f"prisma_open_work: {open_ms:.0f} ms; open: {open_work}")
        print(f"render_svg: {svg_ms:.1f} ms")
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(lead)
        started = time.perf_counter()
        response = client.get(f"/reviews/{review.pk}/exports/records-all.csv")
        size = sum(len(chunk) for chunk in response.streaming_content)
        print(f"records-all.csv: {args.records:,} rows, {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        response = client.get(f"/reviews/{review.pk}/prisma/")
        print(f"PRISMA page: {(time.perf_counter() - started) * 1000:.0f} ms, status {response.status_code}")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(url, name)


if __name__ == "__main__":
    main()
