"""Deduplicate a large synthetic set through the app: records imported into PostgreSQL,
then the dedup job (the same code the worker runs), timed and scored.

    python -m reviewapp.launcher bench benchmarks/bench_dedup_app.py --records 100000

Steps: build the synthetic set of bench_dedup.py (known truth), write one CSV export per
database, import each with the app's import (COPY), then run the dedup job in a fresh
process so that its peak memory is its own. The review is deleted afterwards unless
--keep is given.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from screening.models import Job, Record, Review  # noqa: E402
from screening.services import jobs  # noqa: E402
from screening.services.imports import import_file_now  # noqa: E402
from screening.services.reviews import review_create  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "dedup"
COLUMNS = ("ID", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "abstract")


def write_exports(records, folder: Path) -> dict[str, Path]:
    by_database = defaultdict(list)
    for record in records:
        by_database[record.database].append(record)
    paths = {}
    for database, rows in sorted(by_database.items()):
        path = folder / f"{database.lower()}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for r in rows:
                writer.writerow([r.id, r.title, "; ".join(r.authors), r.year or "", r.journal, r.volume,
                                 r.issue, r.pages, r.doi, r.abstract])
        paths[database] = path
    return paths


def setup(size: int) -> int:
    from synthetic_dedup import build_synthetic

    records, gold = build_synthetic(DATA, size)
    user, _ = get_user_model().objects.get_or_create(username="bench-dedup")
    review = review_create(created_by=user, title=f"Dedup benchmark, {len(records):,} synthetic records")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for database, path in write_exports(records, Path(folder)).items():
            import_file_now(review=review, path=path, database=database)
        print(f"imported {len(records):,} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / f"bench-dedup-gold-{review.pk}.json").write_text(json.dumps(gold))
    return review.pk


def run_job(review_id: int) -> dict:
    """In this process: run the dedup job as the worker would, report time and memory."""
    review = Review.objects.get(pk=review_id)
    job = Job.objects.create(kind="dedup", review=review)
    started, cpu_started = time.perf_counter(), time.process_time()
    job = jobs.job_run(job_id=job.pk)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {"status": job.status, "error": job.error, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "phases": job.result.get("seconds"),
            "merged": job.result.get("merged"), "candidates": job.result.get("candidates"),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def score(review_id: int) -> dict:
    gold = json.loads((ROOT / "var" / f"bench-dedup-gold-{review_id}.json").read_text())
    rows = list(Record.objects.filter(review_id=review_id).values_list("id_in_file", "duplicate_of_id"))
    members = defaultdict(list)
    for id_in_file, _ in rows:
        members[gold[id_in_file]].append(id_in_file)
    survivors = {id_in_file for id_in_file, duplicate_of in rows if duplicate_of is None}
    removable = len(rows) - len(members)
    lost = sum(1 for ids in members.values() if not survivors.intersection(ids))
    removed_ok = sum(len(ids) - max(1, len(survivors.intersection(ids))) for ids in members.values())
    return {"records": len(rows), "works_lost": lost, "missed": removable - removed_ok,
            "sensitivity": removed_ok / removable if removable else 1.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark review")
    parser.add_argument("--job", type=int, help=argparse.SUPPRESS)  # child process: run the job only
    args = parser.parse_args()
    if args.job:
        print(json.dumps(run_job(args.job)))
        return
    review_id = setup(args.records)
    try:
        out = subprocess.run([sys.executable, __file__, "--job", str(review_id)], check=True,
                             capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result.update(score(review_id))
        print(json.dumps(result, indent=1))
    finally:
        if not args.keep:
            review = Review.objects.get(pk=review_id)
            review.merges.all().delete()
            review.duplicate_candidates.all().delete()
            Record.objects.filter(review=review).update(duplicate_of=None)
            review.delete()
            (ROOT / "var" / f"bench-dedup-gold-{review_id}.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
