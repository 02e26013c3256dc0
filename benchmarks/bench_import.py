"""Import 100,000 RIS, MEDLINE and PubMed XML records, from upload to committed rows.

    make bench-import            (or: python -m reviewapp.launcher bench benchmarks/bench_import.py [count])

The files are built by repeating real records from ../shared/data/exports with their DOIs
and PMIDs changed, so every copy is a distinct record. Each format runs in a fresh process
through the same services as the web import: store the upload, the check report, then the
atomic COPY import. Peak memory is that process's maximum resident set size; the child
process that reads the second half of the file during the check is apart (41 MB for the
RIS half, 54 MB for the MEDLINE half, measured with /usr/bin/time).
Target (issue 3): at most 20 s and 400 MB each on 2 cores. After each import the same file is
parsed alone in a fresh process, reported as CPU per 100,000 records (PubMed XML: at most 8 s).
"""
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "formats"))


def build_file(format_name, count, folder):
    from bench_parsers import write_corpus

    extension = {"ris": "ris", "medline": "nbib", "pubmed_xml": "xml"}[format_name]
    path = Path(folder) / f"bench-{format_name}-{count}.{extension}"
    if not path.exists():
        with path.open("w", encoding="utf-8") as out:
            write_corpus(format_name, count, out)
    return path


def run_one(format_name, count):
    """Run in a child process: Django set up, one import timed end to end."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from screening.models import Import, Job
    from screening.services import imports, jobs
    from screening.services.reviews import review_create

    folder = Path(tempfile.gettempdir()) / "reviewapp-bench"
    folder.mkdir(exist_ok=True)
    path = build_file(format_name, count, folder)
    size_mb = path.stat().st_size / 1e6
    User = get_user_model()
    lead, _ = User.objects.get_or_create(username="bench-lead")
    review = review_create(created_by=lead, title=f"Benchmark {format_name} {count}")
    try:
        started = time.perf_counter()
        upload = TemporaryUploadedFile(path.name, "application/octet-stream", path.stat().st_size, "utf-8")
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                upload.write(chunk)
        upload.seek(0)
        check_job = imports.imports_upload(review=review, files=[upload], uploaded_by=lead)
        stored = time.perf_counter()
        jobs.job_run(job_id=check_job.pk)
        checked = time.perf_counter()
        item = Import.objects.get(pk=check_job.params["import_ids"][0])
        item = imports.import_confirm(item=item, database="Benchmark", confirmed_by=lead)
        job = jobs.job_run(job_id=item.job_id)
        finished = time.perf_counter()
        assert job.status == Job.Status.SUCCEEDED, job.error
        rows = review.records.count()
        assert rows == count, (rows, count)
        # Before the clean-up: deleting the review loads its 100,000 records (Django's
        # cascade), about 100 MB that the import itself never needs.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        review.delete()
    total = finished - started
    print(f"{format_name:8} {count:>7,} records {size_mb:6.0f} MB | upload {stored - started:5.1f} s | "
          f"check {checked - stored:5.1f} s | import {finished - checked:5.1f} s | total {total:5.1f} s "
          f"({count / total:,.0f} records/s) | peak RSS {peak:.0f} MB", flush=True)


def parse_one(format_name, count):
    """Run in a child process: the same file only parsed, no Django, its CPU time per 100,000."""
    from screening.formats import open_export

    folder = Path(tempfile.gettempdir()) / "reviewapp-bench"
    folder.mkdir(exist_ok=True)
    path = build_file(format_name, count, folder)
    with path.open("rb") as binary_file:
        cpu_started = time.process_time()
        parsed = sum(1 for _ in open_export(binary_file, filename=path.name).records())
        cpu = time.process_time() - cpu_started
    print(f"{format_name:8} {parsed:>7,} records parsed alone in {cpu:.1f} s CPU: {cpu * 100_000 / parsed:.1f} s "
          f"CPU per 100,000 records (load average {os.getloadavg()[0]:.1f})", flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("--one", "--parse"):
        (run_one if sys.argv[1] == "--one" else parse_one)(sys.argv[2], int(sys.argv[3]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"Import benchmark: {count:,} records per format, {os.cpu_count()} cores")
    for format_name in ("ris", "medline", "pubmed_xml"):
        subprocess.run([sys.executable, __file__, "--one", format_name, str(count)], check=True)
        subprocess.run([sys.executable, __file__, "--parse", format_name, str(count)], check=True)


if __name__ == "__main__":
    main()
