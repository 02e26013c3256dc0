"""Importing export files: check first, then store every record of a file or none.

The flow a lead sees: upload files -> a check job reads each file once, stores a check report on
its Import row and stages the parsed rows in a file beside the upload (nothing is stored in the
review) -> the lead confirms with the provenance of each file -> an import job per file sends
the staged rows to PostgreSQL with COPY inside one transaction. Any error rolls the whole file
back, and the Import row says which line and why.
"""
import csv
import hashlib
import io
import json
import logging
import os
import pickle
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from ..core.databases import canonical_database, database_of_records
from ..formats import FORMATS, ImportFormatError, ParsedRecord, open_export
from ..formats.report import CheckTally
from ..models import IdentifiedVia, Import, Record, RecordStage
from .queue import record_stages_add_import
from .dedup import dedup_enqueue
from .jobs import JobError, job_create
from .staging import COPY_COLUMNS, FORMATS_WITH_RAW, copy_line, staged
from .statistics import tables_analyze_after_commit

logger = logging.getLogger(__name__)

# What the format alone says about where the records came from; the check page pre-fills it.
FORMAT_PROVENANCE = {
    "medline": ("MEDLINE", "PubMed"),
    "pubmed_xml": ("MEDLINE", "PubMed"),
    "pubmed_csv": ("MEDLINE", "PubMed"),
    "wos_plaintext": ("Web of Science Core Collection", "Web of Science"),
    "wos_tab": ("Web of Science Core Collection", "Web of Science"),
    "scopus_csv": ("Scopus", "Scopus"),
    "embase_csv": ("Embase", "Embase.com"),
    "embase_csv_rows": ("Embase", "Embase.com"),
    "ebsco_csv": ("", "EBSCOhost"),
    "cochrane_csv": ("Cochrane CENTRAL", "Cochrane Library"),
}

def file_sha256(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def imports_upload(*, review, files, uploaded_by, identified_via=IdentifiedVia.DATABASE):
    """Store uploaded files as Import rows awaiting their check, and start one check job.

    `files` are Django UploadedFile objects (or anything with .name and a binary .read()).
    Return the check job. Uploads abandoned at the check go first (a new upload is the moment
    someone is at this page anyway, and it needs no scheduler).
    """
    imports_discard_stale()
    with transaction.atomic():
        imports = []
        for upload in files:
            sha256 = file_sha256(upload)
            import_ = Import(
                review=review, created_by=uploaded_by, identified_via=identified_via, filename=Path(upload.name).name,
                file_size=upload.size, sha256=sha256, status=Import.Status.CHECKED,
                check_report={"state": "waiting"},
            )
            # A large upload arrives as a temporary file, which storage moves into place
            # instead of copying (a quarter of a second for 250 MB).
            import_.file.save(Path(upload.name).name, upload if isinstance(upload, File) else File(upload), save=False)
            import_.save()
            imports.append(import_)
        return job_create(kind="import_check", review=review, created_by=uploaded_by,
                          params={"import_ids": [import_.pk for import_ in imports]}, total=len(imports),
                          message="Reading the files…")


def detect_provenance(import_, export):
    """Return (database, platform) as the file's records state them (canonical names, see
    screening.core.databases), or as its format implies."""
    database, platform = FORMAT_PROVENANCE.get(export.format, ("", ""))
    named, kinds = [], []
    for index, record in enumerate(export.records()):
        named.append(record.database)
        kinds.append([kind for kind, _value in record.identifiers])
        if index >= 200:  # the first records tell; no need to read a huge file again
            break
    return database_of_records(named, kinds) or database, platform


def staged_rows_path(import_):
    """Where the check leaves the file's records, ready for COPY, until the lead confirms."""
    return Path(settings.MEDIA_ROOT) / "staged" / f"import-{import_.pk}.copy"


def later_rows_path(import_):
    """Where the check leaves the records of the second half of a file read by a child
    process (see _stage_records), their lines without the first three columns."""
    return staged_rows_path(import_).with_name(f"import-{import_.pk}.later.copy")


def _unlink_staged_rows(import_):
    for path in (staged_rows_path(import_), later_rows_path(import_)):
        path.unlink(missing_ok=True)


def import_check(*, import_, format=None, column_map=None):
    """Fill in the Import's check report and stage its rows. Store no records in the review.

    The one pass over the file that builds the report also writes each record as a line of
    PostgreSQL COPY text into a staging file, so that the import after confirmation does not
    parse the file a second time (a large file is read in two halves at once, see
    _stage_records). Errors go into the report.
    """
    staged, later = staged_rows_path(import_), later_rows_path(import_)
    staged.parent.mkdir(parents=True, exist_ok=True)
    partial, later_partial = staged.with_suffix(".partial"), later.with_suffix(".partial")
    later_partial.unlink(missing_ok=True)  # left by a check that was killed: not this one's
    try:
        with import_.file.open("rb") as binary, partial.open("w", encoding="utf-8", newline="") as rows:
            export = open_export(binary, filename=import_.filename, format=format or None,
                                 column_map=column_map or None)
            report = _stage_records(export, import_, rows, later_partial).report(
                declared_count=export.declared_count, filename=import_.filename)
            database, platform = detect_provenance(import_, export)
            headers = csv_headers(export) if export.format in ("csv", "tsv") else []
    except ImportFormatError as error:
        partial.unlink(missing_ok=True)
        later_partial.unlink(missing_ok=True)
        _unlink_staged_rows(import_)
        import_.check_report = {"state": "error", "error": str(error), "line": error.line}
        import_.format = format or ""
        import_.save(update_fields=["check_report", "format"])
        return import_
    # The first file's name last: its presence says the rows are complete.
    later.unlink(missing_ok=True)
    if later_partial.exists():
        later_partial.replace(later)
    partial.replace(staged)
    import_.format = export.format
    import_.encoding = export.encoding
    import_.column_map = column_map or (export.column_map or {})
    duplicate_of = (
        Import.objects.filter(review=import_.review, sha256=import_.sha256, status=Import.Status.IMPORTED)
        .exclude(pk=import_.pk).order_by("created_at").first()
    )
    import_.check_report = {
        "state": "ok",
        "format": export.format,
        "format_label": FORMATS.get(export.format, export.format),
        "encoding": export.encoding,
        "record_count": report.record_count,
        "declared_count": report.declared_count,
        "coverage": [[name, count, round(report.percent(name))] for name, count in report.coverage],
        "warnings": [{"kind": w.kind, "message": w.message, "lines": list(w.lines[:10]),
                      "records": list(w.records[:10])} for w in report.warnings],
        "detected_database": database,
        "detected_platform": platform,
        "csv_headers": headers,
        "already_imported": (
            {"import_id": duplicate_of.pk, "when": duplicate_of.created_at.isoformat(),
             "database": duplicate_of.database} if duplicate_of else None
        ),
    }
    import_.record_count = report.record_count
    if not import_.database:
        import_.database = database
    if not import_.platform:
        import_.platform = platform
    import_.save()
    return import_


def csv_headers(export):
    """Return the header row of a CSV/TSV export, for the column-mapping step."""
    export.binary_file.seek(export.start)
    first = export.binary_file.readline().decode(export.encoding, errors="replace").lstrip("\ufeff")
    delimiter = "\t" if export.format == "tsv" else ","
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), [])


def import_check_job(job, progress):
    ids = job.params["import_ids"]
    progress(0, total=len(ids), force=True)
    for done, import_ in enumerate(Import.objects.filter(pk__in=ids).order_by("pk"), start=1):
        progress(done - 1, message=f"Checking {import_.filename}…", force=True)
        import_check(import_=import_, format=job.params.get("format"), column_map=import_.column_map or None)
        progress(done, force=True)
    return {"message": "Checked. Review the report and confirm.",
            "next_url": reverse("import_check", args=[job.review_id, job.pk])}


@transaction.atomic
def import_confirm(*, import_, database, platform="", searched_on=None, search_string="",
                   identified_via=IdentifiedVia.DATABASE, is_update=False, confirmed_by):
    """Record the lead's provenance for a checked file and start its import job."""
    import_ = Import.objects.select_for_update().get(pk=import_.pk)
    if import_.status != Import.Status.CHECKED:
        return import_  # a double submit: the first one already queued it
    if import_.check_report.get("state") != "ok":
        raise ImportFormatError("This file could not be read, so it cannot be imported.",
                                filename=import_.filename)
    import_.database = canonical_database(database) or database.strip()
    import_.platform = platform
    import_.searched_on = searched_on
    import_.search_string = search_string
    import_.identified_via = identified_via
    import_.is_update = is_update
    import_.status = Import.Status.QUEUED
    import_.job = job_create(kind="import_records", review=import_.review, created_by=confirmed_by,
                          params={"import_id": import_.pk}, total=import_.record_count,
                          message=f"Waiting to import {import_.filename}…")
    import_.save()
    return import_


def import_rename_database(*, import_, database, renamed_by):
    """Name the database an import's records came from anew (a lead's correction). PRISMA,
    the overlap matrix and the records export read it from the import, so they follow."""
    database = canonical_database(database) or " ".join(database.split())
    if not database:
        raise ValueError("Name the database.")
    previous = import_.database
    Import.objects.filter(pk=import_.pk).update(database=database)
    import_.database = database
    logger.info("import %s: database %r renamed %r by user %s", import_.pk, previous, database, renamed_by.pk)
    return import_


def import_cancel(*, import_):
    """Drop a checked file that the lead does not want. Nothing was stored from it."""
    if import_.status == Import.Status.CHECKED:
        import_.status = Import.Status.CANCELLED
        import_.save(update_fields=["status"])
        if import_.file:
            import_.file.delete(save=False)
        _unlink_staged_rows(import_)
    return import_


# An upload left at the check this long was abandoned: its file goes, nothing was stored from it.
UNCONFIRMED_UPLOADS_KEPT = timedelta(days=1)


def import_discard(*, import_):
    """Delete an upload that was checked but never confirmed, with its stored file and staged rows.

    Return True if it was deleted; False if it had been confirmed (or discarded) meanwhile.
    """
    with transaction.atomic():
        locked = (Import.objects.select_for_update(of=("self",))
                  .filter(pk=import_.pk, status=Import.Status.CHECKED, pubmed_run__isnull=True).first())
        if locked is None:
            return False
        locked.delete()
    # The file goes after the row: a failure here leaves an orphan file, never a row without its file.
    if import_.file:
        import_.file.delete(save=False)
    _unlink_staged_rows(import_)
    return True


def imports_discard_stale(*, older_than=UNCONFIRMED_UPLOADS_KEPT, now=None):
    """Discard every upload left at the check for longer than `older_than`; return how many."""
    cutoff = (now or timezone.now()) - older_than
    stale = Import.objects.filter(status=Import.Status.CHECKED, pubmed_run__isnull=True, created_at__lt=cutoff)
    discarded = sum(import_discard(import_=import_) for import_ in stale)
    if discarded:
        logger.info("discarded %s upload(s) left unconfirmed since before %s", discarded, cutoff.isoformat())
    return discarded


def import_records(*, import_, progress=None):
    """Store every record of the file in one transaction, or none of them.

    Idempotent: an Import that is already IMPORTED is left alone, and a retry after a crash
    starts from nothing because the crashed transaction was rolled back.
    """
    progress = progress or (lambda *args, **kwargs: None)
    if Import.objects.filter(pk=import_.pk, status=Import.Status.IMPORTED).exists():
        return import_
    Import.objects.filter(pk=import_.pk).update(status=Import.Status.IMPORTING, error="")
    try:
        if not staged_rows_path(import_).exists():
            _restage(import_)
        with transaction.atomic():
            # The commit of a 250 MB import would wait about 2 s for its WAL to reach the disk.
            # Without that wait, a database crash in the next fraction of a second loses the
            # whole import, rows and IMPORTED status together (never half of it), and the
            # re-run job imports it again; decisions keep the default, synchronous commit.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            count = _copy_staged_rows(import_, progress)
            import_finished(import_=import_, record_count=count)
    except (ImportFormatError, StagedRowsError) as error:
        Import.objects.filter(pk=import_.pk).update(status=Import.Status.FAILED, error=str(error))
        raise JobError(f"Nothing from {import_.filename} was imported. {error}") from error
    _unlink_staged_rows(import_)
    import_.refresh_from_db()
    return import_


def import_finished(*, import_, record_count):
    """Mark the import as complete: from now on its records count and reach screening.

    Every import ends here, a file import and a PubMed search alike, inside a
    transaction (for a file, the one that stores its records). Work that must follow
    each import, such as deduplication against the rest of the review, belongs here.
    """
    Import.objects.filter(pk=import_.pk).update(
        status=Import.Status.IMPORTED, record_count=record_count, error="")
    record_stages_add_import(import_=import_)
    tables_analyze_after_commit(Record, RecordStage)
    # The new records are compared with the review's others by a dedup run of their own.
    dedup_enqueue(review=import_.review, created_by=import_.created_by)


class StagedRowsError(Exception):
    """The staged rows of a checked file could not be stored."""


def _restage(import_):
    """Check the file again (its staged rows are gone, e.g. after a move of the media folder)."""
    import_check(import_=import_, format=import_.format or None, column_map=import_.column_map or None)
    if import_.check_report.get("state") != "ok":
        raise ImportFormatError(import_.check_report.get("error", "the file can no longer be read"),
                                filename=import_.filename)


def _copy_staged_rows(import_, progress):
    """Send the staged COPY text to PostgreSQL, one COPY per ~16 MB of whole rows, and report
    progress between them. Return the number of rows."""
    expected = import_.record_count
    columns = ", ".join(COPY_COLUMNS)
    count = 0
    try:
        with connection.cursor() as cursor:
            # Progress goes between COPYs, never during one: in tests the progress connection
            # is this one.
            for buffers in _copy_batches(import_):
                with cursor.cursor.copy(f"COPY {Record._meta.db_table} ({columns}) FROM STDIN") as copy:
                    for buffer in buffers:
                        copy.write(buffer)
                count += cursor.cursor.rowcount
                progress(count, total=expected, message=f"{count:,} of {expected:,} records stored…")
    except (DatabaseError, psycopg.Error) as error:  # the raw cursor raises psycopg's own errors
        first_line = str(error).strip().splitlines()[0]
        raise StagedRowsError(f"The database refused the records ({first_line}). Check the file again.") from error
    if count != expected:
        raise StagedRowsError(f"{count} records were read but the check counted {expected}. Check the file again.")
    progress(count, total=count, message=f"{count:,} records stored.", force=True)
    return count


def _copy_batches(import_):
    """Yield the staged rows in batches of about 16 MB, one COPY each: iterables of buffers
    of whole rows.

    A block is read whole and sent with the rest of its last row: PostgreSQL waits for this
    process only while the next block is read. (Splitting 250 MB into lines for COPYs of 8 MB
    took 0.4 s of CPU, PostgreSQL idle meanwhile.) The rows of a later half get their first
    three columns here, a thousand at a time while PostgreSQL stores the ones before.
    """
    index = 0
    with staged_rows_path(import_).open("rb") as rows:
        while block := rows.read(16 << 20):
            rest = rows.readline()
            index += block.count(b"\n") + rest.count(b"\n")
            yield block, rest
    later = later_rows_path(import_)
    if not later.exists():
        return
    prefix = f"{import_.review_id}\t{import_.pk}\t".encode()
    with later.open("rb") as rows:
        while block := rows.read(16 << 20):
            lines = block.split(b"\n")
            lines[-1] += rows.readline()
            if not lines[-1]:
                lines.pop()  # the block ended with its last line
            yield _with_first_columns(prefix, index, lines)
            index += len(lines)


def _with_first_columns(prefix, start, lines):
    for at in range(0, len(lines), 1000):
        yield b"".join([b"%s%d\t%s\n" % (prefix, index, line.rstrip(b"\n"))
                        for index, line in enumerate(lines[at:at + 1000], start=start + at)])


# Files from this size on are checked in two halves, the second by a child process (see
# staging.py), when there is a second core: at 100,000 records that saves 3-4 s of a 10 s check.
CHECK_IN_PARTS_FROM = 32 << 20  # bytes


def _stage_records(export, import_, rows, later_rows):
    """Stage every record of `export` and return the check tally of the file.

    The rows go to `rows`; those of the second half of a large file, read by a child
    process, go to the file `later_rows`, without their first three columns (the child
    cannot know how many records come before its own), which the import adds.
    """
    tally = CheckTally()
    middle = export.split_point() if _can_check_in_parts(import_) else None
    if middle is None:
        tally.add_all(_staging(export.records(), import_, export, rows))
        return tally
    # The child counts the lines before its half itself (0.1 s): this process, which is the
    # one to finish last, starts on its half at once.
    child = subprocess.Popen(
        [sys.executable, "-m", "screening.services.staging", json.dumps({
            "path": import_.file.path, "filename": import_.filename, "format": export.format,
            "encoding": export.encoding, "start": middle, "out_path": str(later_rows), "parent": os.getpid(),
        })],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        tally.add_all(_staging(export.part(export.start, middle).records(), import_, export, rows))
        output, errors = child.communicate()
    except ImportFormatError:
        # An error in the first half, or a split point that was no record's start after all (in
        # XML, a record start written inside a comment): the file is read again whole, here,
        # which says which of the two it was, and where.
        _stop(child, later_rows)
        later_rows.unlink(missing_ok=True)  # written by a child that finished first
        rows.seek(0)
        rows.truncate()
        tally = CheckTally()
        tally.add_all(_staging(export.records(), import_, export, rows))
        return tally
    finally:
        _stop(child, later_rows)
    outcome = _child_outcome(child, output)
    if outcome is None:
        # The child failed, not the file (it would have said so): read the half here.
        logger.warning("Checking the second half of %s in a child process failed (exit code %s): %s",
                       import_.filename, child.returncode, errors.decode(errors="replace")[-2000:])
        later_rows.unlink(missing_ok=True)
        tally.add_all(_staging(export.part(middle).records(), import_, export, rows, start=tally.record_count))
        return tally
    state, value = outcome
    if state == "error":
        reason, line = value
        raise ImportFormatError(reason, filename=import_.filename, line=line)
    tally.merge(value)
    return tally


def _stop(child, later_rows):
    """End the child process if it still runs, and drop what it wrote."""
    if child.returncode is None:
        child.kill()
        child.communicate()
        later_rows.unlink(missing_ok=True)


def _child_outcome(child, output):
    if child.returncode != 0:
        return None
    try:
        return pickle.loads(output)
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None


def _can_check_in_parts(import_):
    try:
        path = import_.file.path  # a child process needs the file on this machine's disk
    except NotImplementedError:
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores > 1 and os.path.getsize(path) >= CHECK_IN_PARTS_FROM


def _staging(records, import_, export, out, start=0):
    return staged(records, out, first_columns=f"{import_.review_id}\t{import_.pk}\t", start=start,
                  keep_raw=export.format in FORMATS_WITH_RAW)


def copy_records(*, import_, numbered_records):
    """Store (source_index, ParsedRecord) pairs of `import_` with one COPY. Return how many.

    Runs in the caller's transaction.
    """
    columns = ", ".join(COPY_COLUMNS)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Record._meta.db_table} ({columns}) FROM STDIN") as copy:
            for index, parsed in numbered_records:
                copy.write(copy_line(f"{import_.review_id}\t{import_.pk}\t{index}\t", parsed))
                count += 1
    return count


def import_records_job(job, progress):
    import_ = Import.objects.get(pk=job.params["import_id"])
    import_ = import_records(import_=import_, progress=progress)
    return {"message": f"{import_.record_count:,} records imported from {import_.filename}.",
            "import_id": import_.pk, "next_url": reverse("import_list", args=[job.review_id])}


def import_records_cancelled(job):
    """The worker died inside the import's transaction, which the database rolled back."""
    unfinished = [Import.Status.QUEUED, Import.Status.IMPORTING]
    Import.objects.filter(pk=job.params["import_id"], status__in=unfinished).update(
        status=Import.Status.FAILED,
        error="The import stopped when its worker stopped and was cancelled. Nothing from this file was stored.")


def import_check_cancelled(job):
    """The files whose check never finished are dropped; the lead uploads them again."""
    for import_ in Import.objects.filter(pk__in=job.params["import_ids"], status=Import.Status.CHECKED):
        import_cancel(import_=import_)


def import_file_now(*, review, path, database, platform="", searched_on=None, search_string="",
                    identified_via=IdentifiedVia.DATABASE, format=None, imported_by=None, progress=None):
    """Import a file from disk in the foreground (scripts, seed_demo): the same check and the
    same COPY as the web import. Raise ImportFormatError on unreadable input."""
    path = Path(path)
    with path.open("rb") as handle:
        import_ = Import(review=review, created_by=imported_by, identified_via=identified_via, filename=path.name,
                      file_size=path.stat().st_size, sha256=file_sha256(handle))
        import_.file.save(path.name, File(handle, name=path.name), save=False)
    import_.save()
    import_check(import_=import_, format=format)
    if import_.check_report.get("state") != "ok":
        import_.status = Import.Status.FAILED
        import_.error = import_.check_report.get("error", "")
        import_.save(update_fields=["status", "error"])
        raise ImportFormatError(import_.error or "unreadable", filename=path.name)
    import_.database, import_.platform = database or import_.database, platform or import_.platform
    import_.searched_on, import_.search_string = searched_on, search_string
    import_.status = Import.Status.QUEUED
    import_.save()
    try:
        return import_records(import_=import_, progress=progress)
    except JobError as error:
        raise ImportFormatError(str(error), filename=path.name) from error


def record_to_parsed(record) -> ParsedRecord:
    """The stored record as a ParsedRecord, for the RIS and CSV writers."""
    return ParsedRecord(
        title=record.title, abstract=record.abstract, authors=tuple(record.authors), year=record.year,
        journal=record.journal, volume=record.volume, issue=record.issue, pages=record.pages,
        doi=record.doi, pmid=record.pmid, pmcid=record.pmcid,
        identifiers=tuple(tuple(pair) for pair in record.identifiers), issn=tuple(record.issn),
        keywords=tuple(record.keywords), subject_terms=tuple(record.subject_terms),
        language=record.language, publication_type=record.publication_type, urls=tuple(record.urls),
        # The import's provenance, as PRISMA counts it, not what the file said of each record.
        database=record.source_import.database if record.source_import_id else record.database,
        id_in_file=str(record.pk), line=record.line,
    )
