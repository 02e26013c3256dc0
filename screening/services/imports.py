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
from json.encoder import encode_basestring_ascii as _json_string
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, transaction

from ..formats import FORMATS, ImportFormatError, ParsedRecord, open_export
from ..formats.report import build_check_report
from ..models import Import, Job, Record, Source
from .decisions import record_stages_add_import
from .dedup import dedup_enqueue
from .jobs import JobError, job_create, job_handler

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
    "cochrane_csv": ("Cochrane Central Register of Controlled Trials (CENTRAL)", "Cochrane Library"),
}

COPY_COLUMNS = (
    "review_id", "source_import_id", "source_index", "title", "abstract", "authors", "year",
    "journal", "volume", "issue", "pages", "doi", "pmid", "pmcid", "identifiers", "issn",
    "keywords", "subject_terms", "language", "publication_type", "urls", "database",
    "source_id", "raw", "line", "removed_reason", "removed_by_automation",
)


def file_sha256(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def imports_upload(*, review, files, uploaded_by, source=Source.DATABASE):
    """Store uploaded files as Import rows awaiting their check, and start one check job.

    `files` are Django UploadedFile objects (or anything with .name and a binary .read()).
    Return the check job.
    """
    imports = []
    for upload in files:
        sha256 = file_sha256(upload)
        item = Import(
            review=review, created_by=uploaded_by, source=source, filename=Path(upload.name).name,
            file_size=upload.size, sha256=sha256, status=Import.Status.CHECKED,
            check_report={"state": "waiting"},
        )
        item.file.save(Path(upload.name).name, File(upload), save=False)
        item.save()
        imports.append(item)
    return job_create(kind="import_check", review=review, created_by=uploaded_by,
                      params={"import_ids": [item.pk for item in imports]}, total=len(imports),
                      message="Reading the files…")


def detect_provenance(item, export):
    """Return (database, platform) as the file itself states them, or as its format implies."""
    database, platform = FORMAT_PROVENANCE.get(export.format, ("", ""))
    named = {}
    for index, record in enumerate(export.records()):
        if record.database:
            named[record.database] = named.get(record.database, 0) + 1
        if index >= 200:  # the first records tell; no need to read a huge file again
            break
    if named:
        database = max(sorted(named), key=named.get)
    return database, platform


def staged_rows_path(item):
    """Where the check leaves the file's records, ready for COPY, until the lead confirms."""
    return Path(settings.MEDIA_ROOT) / "staged" / f"import-{item.pk}.copy"


def import_check(*, item, format=None, column_map=None):
    """Fill in the Import's check report and stage its rows. Store no records in the review.

    The one pass over the file that builds the report also writes each record as a line of
    PostgreSQL COPY text into a staging file, so that the import after confirmation does not
    parse the file a second time. Errors go into the report.
    """
    staged = staged_rows_path(item)
    staged.parent.mkdir(parents=True, exist_ok=True)
    partial = staged.with_suffix(".partial")
    try:
        with item.file.open("rb") as binary, partial.open("w", encoding="utf-8", newline="") as rows:
            export = open_export(binary, filename=item.filename, format=format or None,
                                 column_map=column_map or None)
            report = build_check_report(_staging(export.records(), item, rows),
                                        declared_count=export.declared_count)
            database, platform = detect_provenance(item, export)
            headers = csv_headers(export) if export.format in ("csv", "tsv") else []
    except ImportFormatError as error:
        partial.unlink(missing_ok=True)
        staged.unlink(missing_ok=True)
        item.check_report = {"state": "error", "error": str(error), "line": error.line}
        item.format = format or ""
        item.save(update_fields=["check_report", "format"])
        return item
    partial.replace(staged)
    item.format = export.format
    item.encoding = export.encoding
    item.column_map = column_map or (export.column_map or {})
    duplicate_of = (
        Import.objects.filter(review=item.review, sha256=item.sha256, status=Import.Status.IMPORTED)
        .exclude(pk=item.pk).order_by("created_at").first()
    )
    item.check_report = {
        "state": "ok",
        "format": export.format,
        "format_label": FORMATS.get(export.format, export.format),
        "encoding": export.encoding,
        "record_count": report.record_count,
        "declared_count": report.declared_count,
        "coverage": [[name, count, round(report.percent(name))] for name, count in report.coverage],
        "warnings": [{"kind": w.kind, "message": w.message, "lines": list(w.lines[:10])} for w in report.warnings],
        "detected_database": database,
        "detected_platform": platform,
        "csv_headers": headers,
        "already_imported": (
            {"import_id": duplicate_of.pk, "when": duplicate_of.created_at.isoformat(),
             "database": duplicate_of.database} if duplicate_of else None
        ),
    }
    item.record_count = report.record_count
    if not item.database:
        item.database = database
    if not item.platform:
        item.platform = platform
    item.save()
    return item


def csv_headers(export):
    """Return the header row of a CSV/TSV export, for the column-mapping step."""
    export.binary_file.seek(export.start)
    first = export.binary_file.readline().decode(export.encoding, errors="replace").lstrip("\ufeff")
    delimiter = "\t" if export.format == "tsv" else ","
    return next(csv.reader(io.StringIO(first), delimiter=delimiter), [])


@job_handler("import_check")
def import_check_job(job, progress):
    ids = job.params["import_ids"]
    progress(0, total=len(ids), force=True)
    for done, item in enumerate(Import.objects.filter(pk__in=ids).order_by("pk"), start=1):
        progress(done - 1, message=f"Checking {item.filename}…", force=True)
        import_check(item=item, format=job.params.get("format"), column_map=item.column_map or None)
        progress(done, force=True)
    return {"message": "Checked. Review the report and confirm.",
            "next_url": f"/reviews/{job.review_id}/imports/check/{job.pk}/"}


@transaction.atomic
def import_confirm(*, item, database, platform="", searched_on=None, search_string="",
                   source=Source.DATABASE, is_update=False, confirmed_by):
    """Record the lead's provenance for a checked file and start its import job."""
    item = Import.objects.select_for_update().get(pk=item.pk)
    if item.status != Import.Status.CHECKED:
        return item  # a double submit: the first one already queued it
    if item.check_report.get("state") != "ok":
        raise ImportFormatError("This file could not be read, so it cannot be imported.",
                                filename=item.filename)
    item.database = database
    item.platform = platform
    item.searched_on = searched_on
    item.search_string = search_string
    item.source = source
    item.is_update = is_update
    item.status = Import.Status.QUEUED
    item.job = job_create(kind="import_records", review=item.review, created_by=confirmed_by,
                          params={"import_id": item.pk}, total=item.record_count,
                          message=f"Waiting to import {item.filename}…")
    item.save()
    return item


def import_cancel(*, item):
    """Drop a checked file that the lead does not want. Nothing was stored from it."""
    if item.status == Import.Status.CHECKED:
        item.status = Import.Status.CANCELLED
        item.save(update_fields=["status"])
        if item.file:
            item.file.delete(save=False)
        staged_rows_path(item).unlink(missing_ok=True)
    return item


def import_records(*, item, progress=None):
    """Store every record of the file in one transaction, or none of them.

    Idempotent: an Import that is already IMPORTED is left alone, and a retry after a crash
    starts from nothing because the crashed transaction was rolled back.
    """
    progress = progress or (lambda *args, **kwargs: None)
    if Import.objects.filter(pk=item.pk, status=Import.Status.IMPORTED).exists():
        return item
    Import.objects.filter(pk=item.pk).update(status=Import.Status.IMPORTING, error="")
    try:
        if not staged_rows_path(item).exists():
            _restage(item)
        with transaction.atomic():
            # The commit of a 250 MB import would wait about 2 s for its WAL to reach the disk.
            # Without that wait, a database crash in the next fraction of a second loses the
            # whole import, rows and IMPORTED status together (never half of it), and the
            # re-run job imports it again; decisions keep the default, synchronous commit.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            count = _copy_staged_rows(item, progress)
            import_finished(item=item, record_count=count)
    except (ImportFormatError, StagedRowsError) as error:
        Import.objects.filter(pk=item.pk).update(status=Import.Status.FAILED, error=str(error))
        raise JobError(f"Nothing from {item.filename} was imported. {error}") from error
    staged_rows_path(item).unlink(missing_ok=True)
    item.refresh_from_db()
    return item


def import_finished(*, item, record_count):
    """Mark the import as complete: from now on its records count and reach screening.

    Every import ends here, a file import and a PubMed search alike, inside a
    transaction (for a file, the one that stores its records). Work that must follow
    each import, such as deduplication against the rest of the review, belongs here.
    """
    Import.objects.filter(pk=item.pk).update(
        status=Import.Status.IMPORTED, record_count=record_count, error="")
    record_stages_add_import(item=item)
    # The new records are compared with the review's others by a dedup run of their own.
    dedup_enqueue(review=item.review, created_by=item.created_by)


class StagedRowsError(Exception):
    """The staged rows of a checked file could not be stored."""


def _restage(item):
    """Check the file again (its staged rows are gone, e.g. after a move of the media folder)."""
    import_check(item=item, format=item.format or None, column_map=item.column_map or None)
    if item.check_report.get("state") != "ok":
        raise ImportFormatError(item.check_report.get("error", "the file can no longer be read"),
                                filename=item.filename)


def _copy_staged_rows(item, progress):
    """Send the staged COPY text to PostgreSQL, one COPY per ~16 MB of whole rows, and report
    progress between them. Return the number of rows."""
    staged = staged_rows_path(item)
    expected = item.record_count
    columns = ", ".join(COPY_COLUMNS)
    count = 0
    try:
        with staged.open("rb") as rows, connection.cursor() as cursor:
            # A block is read whole and sent with the rest of its last row: PostgreSQL waits
            # for this process only while the next block is read. (Splitting 250 MB into lines
            # for COPYs of 8 MB took 0.4 s of CPU, PostgreSQL idle meanwhile.) Progress goes
            # between COPYs, never during one: in tests the progress connection is this one.
            while block := rows.read(16 << 20):
                with cursor.cursor.copy(f"COPY {Record._meta.db_table} ({columns}) FROM STDIN") as copy:
                    copy.write(block)
                    copy.write(rows.readline())
                count += cursor.cursor.rowcount
                progress(count, total=expected, message=f"{count:,} of {expected:,} records stored…")
    except (DatabaseError, psycopg.Error) as error:  # the raw cursor raises psycopg's own errors
        first_line = str(error).strip().splitlines()[0]
        raise StagedRowsError(f"The database refused the records ({first_line}). Check the file again.") from error
    if count != expected:
        raise StagedRowsError(f"{count} records were read but the check counted {expected}. Check the file again.")
    progress(count, total=count, message=f"{count:,} records stored.", force=True)
    return count


# COPY text format: tab-separated fields, \N for NULL, and backslash escapes for the characters
# that would otherwise end a field or a row. PostgreSQL text cannot hold NUL at all.
# The text columns of a row are escaped in two runs, those before and those after `year` (the
# one column that can be NULL): each run is joined with tabs and escaped in one go, a few
# C-speed str calls per run instead of several per field, which matters at 100,000 records.
# A tab inside a value would pass for a separator, so a run with too many tabs is escaped field
# by field instead.


def _escaped(value):
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r").replace("\x00", ""))


def _escaped_run(values):
    joined = "\t".join(values)
    if joined.count("\t") != len(values) - 1:
        return "\t".join(map(_escaped, values))
    if "\\" in joined:
        joined = joined.replace("\\", "\\\\")
    joined = joined.replace("\n", "\\n")
    if "\r" in joined:
        joined = joined.replace("\r", "\\r")
    if "\x00" in joined:
        joined = joined.replace("\x00", "")
    return joined


def _json_list(values):
    """The JSON text of a list of strings, exactly as json.dumps writes it, without its
    per-call overhead: six lists per record."""
    return "[" + ", ".join(map(_json_string, values)) + "]" if values else "[]"


def _json_pairs(pairs):
    return "[" + ", ".join([f"[{_json_string(kind)}, {_json_string(value)}]" for kind, value in pairs]) + "]"


def _copy_line(item, index, parsed: ParsedRecord):
    """The record as one line of COPY text, in COPY_COLUMNS order."""
    year = parsed.year
    head = _escaped_run((parsed.title, parsed.abstract, _json_list(parsed.authors)))
    tail = _escaped_run((
        parsed.journal, parsed.volume[:100], parsed.issue[:100], parsed.pages[:100], parsed.doi[:300],
        parsed.pmid[:20], parsed.pmcid[:20], _json_pairs(parsed.identifiers),
        _json_list(parsed.issn), _json_list(parsed.keywords), _json_list(parsed.subject_terms),
        parsed.language[:100], parsed.publication_type[:200], _json_list(parsed.urls),
        parsed.database[:200], parsed.source_id[:200], parsed.raw,
    ))
    year = year if year and 0 < year < 32768 else "\\N"
    return f"{item.review_id}\t{item.pk}\t{index}\t{head}\t{year}\t{tail}\t{parsed.line}\t\tf\n"


def _staging(records, item, out):
    """Pass records through unchanged, writing each as a COPY line to `out` on the way."""
    lines = []
    for index, parsed in enumerate(records):
        lines.append(_copy_line(item, index, parsed))
        if len(lines) == 100:  # one write per 100 lines: a text file's write is costly per call
            out.write("".join(lines))
            lines.clear()
        yield parsed
    out.write("".join(lines))


def copy_records(*, item, numbered_records):
    """Store (source_index, ParsedRecord) pairs of `item` with one COPY. Return how many.

    Runs in the caller's transaction.
    """
    columns = ", ".join(COPY_COLUMNS)
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Record._meta.db_table} ({columns}) FROM STDIN") as copy:
            for index, parsed in numbered_records:
                copy.write(_copy_line(item, index, parsed))
                count += 1
    return count


@job_handler("import_records")
def import_records_job(job, progress):
    item = Import.objects.get(pk=job.params["import_id"])
    item = import_records(item=item, progress=progress)
    return {"message": f"{item.record_count:,} records imported from {item.filename}.",
            "import_id": item.pk, "next_url": f"/reviews/{job.review_id}/imports/"}


def import_file_now(*, review, path, database, platform="", searched_on=None, search_string="",
                    source=Source.DATABASE, format=None, imported_by=None, progress=None):
    """Import a file from disk in the foreground (scripts, seed_demo): the same check and the
    same COPY as the web import. Raise ImportFormatError on unreadable input."""
    path = Path(path)
    with path.open("rb") as handle:
        item = Import(review=review, created_by=imported_by, source=source, filename=path.name,
                      file_size=path.stat().st_size, sha256=file_sha256(handle))
        item.file.save(path.name, File(handle, name=path.name), save=False)
    item.save()
    import_check(item=item, format=format)
    if item.check_report.get("state") != "ok":
        item.status = Import.Status.FAILED
        item.error = item.check_report.get("error", "")
        item.save(update_fields=["status", "error"])
        raise ImportFormatError(item.error or "unreadable", filename=path.name)
    item.database, item.platform = database or item.database, platform or item.platform
    item.searched_on, item.search_string = searched_on, search_string
    item.status = Import.Status.QUEUED
    item.save()
    try:
        return import_records(item=item, progress=progress)
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
        database=record.database, source_id=str(record.pk), line=record.line,
    )


def review_mark_job_stale_imports(*, review):
    """Imports left QUEUED/IMPORTING by a job that failed outright are shown as failed."""
    for item in review.imports.filter(status__in=[Import.Status.QUEUED, Import.Status.IMPORTING]).select_related("job"):
        if item.job and item.job.status == Job.Status.FAILED:
            item.status = Import.Status.FAILED
            item.error = item.error or item.job.error
            item.save(update_fields=["status", "error"])

