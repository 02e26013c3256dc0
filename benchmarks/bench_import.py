"""Import 100,000 RIS, MEDLINE and PubMed XML records, from upload to committed rows.

    make bench-import            (or: python -m reviewapp.launcher bench benchmarks/bench_import.py [count])

The files are built by repeating real records from ../shared/data/exports with their DOIs
and PMIDs changed, so every copy is a distinct record. Each format runs in a fresh process
through the same services as the web import: store the upload, the check report, then the
atomic COPY import. Peak memory is that process's maximum resident set size; the child
process that reads the second half of the file during the check is apart (41 MB for the
RIS half, 54 MB for the MEDLINE half, measured with /usr/bin/time).
Target: at most 20 s and 400 MB each on 2 cores. After each import the same file is parsed
alone in a fresh process, reported as CPU per 100,000 records (PubMed XML: at most 8 s).

    make bench-import-peer       (or: ... bench_import.py --peer PYTHON [count])

Against the peer, in the same run: ASReview LAB 3.0.8 loading the same RIS file with
`asreview.load_dataset`: the steps `asreview lab` takes when a dataset is added
(Project.add_dataset: read the file, store the records in SQLite, group them), into an
in-memory database instead of the project's file. PYTHON is a venv with asreview==3.0.8, made
once under ./var by the Makefile. The two alternate: ours, ASReview, ours, ASReview, each in a
fresh process, timed from the start of the work to its end (neither the interpreter's start-up
nor its imports: a running server has done those, and has connected to the job queue).
Reported: wall time, CPU time (user + system, with child processes; for ours also the
PostgreSQL backend's) and peak RSS.
"""
import json
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


def backend_cpu_seconds(connection):
    """CPU time used so far by the PostgreSQL backend serving `connection` (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a database on another machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(format_name, count):
    """Run in a child process: Django set up, one import timed end to end."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.db import connection

    from screening.models import Import, Job, Record, RecordStage
    from screening.services import imports, jobs
    from screening.services.reviews import review_create

    folder = Path(tempfile.gettempdir()) / "reviewapp-bench"
    folder.mkdir(exist_ok=True)
    path = build_file(format_name, count, folder)
    size_mb = path.stat().st_size / 1e6
    User = get_user_model()
    lead, _ = User.objects.get_or_create(username="bench-lead")
    review = review_create(created_by=lead, title=f"Benchmark {format_name} {count}")
    warm_up_job_queue()
    try:
        backend_started, cpu_started = backend_cpu_seconds(connection), cpu_seconds()
        started = time.perf_counter()
        upload = TemporaryUploadedFile(path.name, "application/octet-stream", path.stat().st_size, "utf-8")
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                upload.write(chunk)
        upload.seek(0)
        check_job = imports.imports_upload(review=review, files=[upload], uploaded_by=lead)
        upload.close()  # as Django does at the end of the request
        stored, cpu_stored = time.perf_counter(), cpu_seconds()
        jobs.job_run(job_id=check_job.pk)
        checked, cpu_checked = time.perf_counter(), cpu_seconds()
        import_ = Import.objects.get(pk=check_job.params["import_ids"][0])
        import_ = imports.import_confirm(import_=import_, database="Benchmark", confirmed_by=lead)
        job = jobs.job_run(job_id=import_.job_id)
        finished = time.perf_counter()
        backend, cpu = backend_cpu_seconds(connection) - backend_started, cpu_seconds() - cpu_started
        assert job.status == Job.Status.SUCCEEDED, job.error
        rows = review.records.count()
        assert rows == count, (rows, count)
        # Before the clean-up: deleting the review loads its 100,000 records (Django's
        # cascade), about 100 MB that the import itself never needs.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        review.delete()
        # Autovacuum is off on these machines: without this, each later run in the same
        # database would import into tables holding the last run's 100,000 dead rows (about
        # 1 s more PostgreSQL CPU by the fourth run), measuring the benchmark's own leftovers.
        with connection.cursor() as cursor:
            for model in (Record, RecordStage, Import):
                cursor.execute(f"VACUUM {model._meta.db_table}")
    total = finished - started
    print(f"{format_name:8} {count:>7,} records {size_mb:6.0f} MB | upload {stored - started:5.1f} s | "
          f"check {checked - stored:5.1f} s | import {finished - checked:5.1f} s | total {total:5.1f} s "
          f"({count / total:,.0f} records/s) | peak RSS {peak:.0f} MB", flush=True)
    print(f"{'':8} CPU: upload {cpu_stored - cpu_started:4.1f} s | check {cpu_checked - cpu_stored:4.1f} s (both "
          f"processes) | import {cpu - (cpu_checked - cpu_started):4.1f} s + PostgreSQL {backend:4.1f} s", flush=True)
    if "--json" in sys.argv:  # for compare_with_peer
        print(json.dumps({"wall": total, "cpu": cpu, "backend_cpu": backend, "peak": peak}), flush=True)


def warm_up_job_queue():
    """Load the Celery client and open its broker connection, as a running web process has done
    by the time a lead uploads: the first job handed to Celery in a process imports about 240
    modules (0.6 s here, where PYTHONDONTWRITEBYTECODE=1 makes Python compile each one) and
    connects, once; that start-up is not the import's work."""
    from screening import tasks

    with tasks.run_job.app.producer_or_acquire() as producer:
        producer.connection.ensure_connection()
    import celery.result  # noqa: F401  (what delay() returns)


# Timed like ours: from the start of the work to its end, without the interpreter's start-up
# and imports; CPU time includes child processes, peak RSS is the process's.
PEER_LOAD = """
import json, resource, sys, time
from asreview import load_dataset
started, cpu = time.perf_counter(), time.process_time()
db = load_dataset(sys.argv[1])
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "records": len(db.input),
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cpu_seconds():
    """CPU time (user + system) of this process and the child processes it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def last_json(command):
    output = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = output.strip().splitlines()
    return lines[:-1], json.loads(lines[-1])


def compare_with_peer(peer_python, count, rounds=2):
    """Ours and ASReview's load of the same RIS file, alternately, `rounds` times each."""
    folder = Path(tempfile.gettempdir()) / "reviewapp-bench"
    folder.mkdir(exist_ok=True)
    path = build_file("ris", count, folder)
    version = subprocess.run([peer_python, "-c", "import asreview; print(asreview.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"Same run: reviewapp against ASReview LAB {version}, {count:,} RIS records "
          f"({path.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores, load average {load_average()}")
    ours, theirs = [], []
    for _ in range(rounds):
        lines, result = last_json([sys.executable, __file__, "--one", "ris", str(count), "--json"])
        print("\n".join(lines))
        print(f"  reviewapp: wall {result['wall']:5.1f} s | CPU {result['cpu']:5.1f} s + PostgreSQL "
              f"{result['backend_cpu']:4.1f} s | peak RSS {result['peak']:5.0f} MB | load average {load_average()}",
              flush=True)
        ours.append(result["wall"])
        _lines, result = last_json([peer_python, "-c", PEER_LOAD, str(path)])
        assert result["records"] == count, result
        print(f"  ASReview:  wall {result['wall']:5.1f} s | CPU {result['cpu']:5.1f} s"
              f"{'':19}| peak RSS {result['peak']:5.0f} MB | load average {load_average()}", flush=True)
        theirs.append(result["wall"])
    print(f"ASReview's wall time / ours: {min(theirs) / max(ours):.1f}x to {max(theirs) / min(ours):.1f}x "
          f"(means {sum(theirs) / rounds:.1f} s / {sum(ours) / rounds:.1f} s = {sum(theirs) / sum(ours):.1f}x)")


def load_average():
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


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
    if len(sys.argv) > 2 and sys.argv[1] == "--peer":
        compare_with_peer(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 100_000)
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"Import benchmark: {count:,} records per format, {os.cpu_count()} cores")
    for format_name in ("ris", "medline", "pubmed_xml"):
        subprocess.run([sys.executable, __file__, "--one", format_name, str(count)], check=True)
        subprocess.run([sys.executable, __file__, "--parse", format_name, str(count)], check=True)


if __name__ == "__main__":
    main()
