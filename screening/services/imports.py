"""Importing export files: check first, then store every record of a file or none.

The flow a lead sees: upload files -> a check job reads each file and stores a check report on
its Import row (nothing else is stored) -> the lead confirms with the provenance of each file
-> an import job per file streams its records into PostgreSQL with COPY inside one transaction.
Any error rolls the whole file back, and the Import row says which line and why.
"""
import csv
import hashlib
import io
import json
from pathlib import Path

from django.core.files import File
from django.db import connection, transaction

from ..formats import FORMATS, ImportFormatError, ParsedRecord, open_export
from ..formats.report import build_check_report
from ..models import Import, Job, Record, Source
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


def import_check(*, item, format=None, column_map=None):
    """Fill in the Import's check report. Store no records. Errors go into the report."""
    item.file.open("rb")
    try:
        with item.file as binary:
            export = open_export(binary, filename=item.filename, format=format or None,
                                 column_map=column_map or None)
            report = build_check_report(export.records(), declared_count=export.declared_count)
            database, platform = detect_provenance(item, export)
            headers = csv_headers(export) if export.format in ("csv", "tsv") else []
    except ImportFormatError as error:
        item.check_report = {"state": "error", "error": str(error), "line": error.line}
        item.format = format or ""
        item.save(update_fields=["check_report", "format"])
        return item
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
        with transaction.atomic():
            count = _copy_records(item, progress)
            Import.objects.filter(pk=item.pk).update(
                status=Import.Status.IMPORTED, record_count=count, error="")
    except ImportFormatError as error:
        Import.objects.filter(pk=item.pk).update(status=Import.Status.FAILED, error=str(error))
        raise JobError(f"Nothing from {item.filename} was imported. {error}") from error
    item.refresh_from_db()
    return item


def _copy_records(item, progress):
    """Stream parsed records into screening_record with COPY. Return how many."""
    columns = ", ".join(COPY_COLUMNS)
    count = 0
    total = item.record_count or None
    with item.file.open("rb") as binary:
        export = open_export(binary, filename=item.filename, format=item.format or None,
                             column_map=item.column_map or None)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {Record._meta.db_table} ({columns}) FROM STDIN") as copy:
                for index, parsed in enumerate(export.records()):
                    copy.write_row(_copy_row(item, index, parsed))
                    count = index + 1
                    if count % 2000 == 0:
                        progress(count, total=max(total or 0, count), message=f"{count:,} records read…")
    progress(count, total=count, message=f"{count:,} records stored.", force=True)
    return count


def _copy_row(item, index, parsed: ParsedRecord):
    return (
        item.review_id, item.pk, index, parsed.title, parsed.abstract, json.dumps(list(parsed.authors)),
        parsed.year if parsed.year and 0 < parsed.year < 32768 else None,
        parsed.journal, parsed.volume[:100], parsed.issue[:100], parsed.pages[:100], parsed.doi[:300],
        parsed.pmid[:20], parsed.pmcid[:20], json.dumps([list(pair) for pair in parsed.identifiers]),
        json.dumps(list(parsed.issn)), json.dumps(list(parsed.keywords)),
        json.dumps(list(parsed.subject_terms)), parsed.language[:100], parsed.publication_type[:200],
        json.dumps(list(parsed.urls)), (parsed.database or item.database)[:200], parsed.source_id[:200],
        parsed.raw.replace("\x00", ""), parsed.line, "", False,
    )


@job_handler("import_records")
def import_records_job(job, progress):
    item = Import.objects.get(pk=job.params["import_id"])
    item = import_records(item=item, progress=progress)
    # New records are compared with the review's others by a dedup run of their own.
    dedup_enqueue(review=item.review, created_by=job.created_by)
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

