"""Streaming exports of a review's records. Large reviews never sit whole in memory."""
import csv
import io
from itertools import islice

from ..formats.writers import CSV_COLUMNS, csv_row, write_ris
from .imports import record_to_parsed

CHUNK = 500


def _chunks(queryset):
    iterator = queryset.iterator(chunk_size=CHUNK)
    while batch := list(islice(iterator, CHUNK)):
        yield batch


# Where each record came from, as the lead recorded it for its import (PRISMA-S); the
# "database" column of CSV_COLUMNS is the import's database too.
PROVENANCE_COLUMNS = ("platform", "searched_on")


def provenance_values(record):
    item = record.source_import
    return [item.platform, item.searched_on.isoformat() if item.searched_on else ""]


def stream_records_ris(records, notes=None):
    """Yield RIS text. `notes(record)` may return lines written as N1 notes (decisions and
    reasons), which reference managers keep."""
    buffer = io.StringIO()
    for batch in _chunks(records.select_related("source_import")):
        if notes is None:
            write_ris((record_to_parsed(record) for record in batch), buffer)
        else:
            for record in batch:
                one = io.StringIO()
                write_ris([record_to_parsed(record)], one)
                text = one.getvalue()
                end = text.rindex("ER  - ")
                buffer.write(text[:end] + "".join(f"N1  - {' '.join(note.split())}\r\n" for note in notes(record))
                             + text[end:])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def stream_records_csv(records, extra_columns=(), extra_values=None):
    """Yield CSV text: the importable record columns, then `extra_columns` whose values
    `extra_values(record)` returns (decisions, stage, reasons …)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(CSV_COLUMNS) + list(PROVENANCE_COLUMNS) + list(extra_columns))
    for batch in _chunks(records.select_related("source_import")):
        for record in batch:
            row = csv_row(record_to_parsed(record)) + provenance_values(record)
            if extra_values is not None:
                row += list(extra_values(record))
            writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


DECISION_COLUMNS = ("stage_reached", "final_decision", "final_reason", "title_abstract_outcome",
                    "title_abstract_reason", "full_text_retrieval", "full_text_outcome", "full_text_reason",
                    "study")


def decision_values(record):
    """Return the DECISION_COLUMNS of a record annotated by Record.objects.with_outcomes()
    (with its import selected): how far it got, its final decision and reason, and each
    stage's outcome."""
    from ..models.records import OTHER_METHODS

    stage, decision, reason = _final(record, record.source_import.source in OTHER_METHODS)
    return [stage, decision, reason, record.ta_outcome or "", record.ta_reason or "",
            record.report_status or "", record.ft_outcome or "", record.ft_reason or "", record.study_label or ""]


def decision_notes(record):
    """The decision columns as RIS notes."""
    values = dict(zip(DECISION_COLUMNS, decision_values(record)))
    note = f"reviewapp: {values['final_decision']} ({values['stage_reached'].replace('_', ' ')})"
    if values["final_reason"]:
        note += f": {values['final_reason']}"
    return [note] + ([f"reviewapp study: {values['study']}"] if values["study"] else [])


def _final(record, other_method):
    if record.duplicate_of_id:
        return "identification", "duplicate", f"duplicate of record {record.duplicate_of_id}"
    if record.removed_reason:
        kind = "marked ineligible by automation tool" if record.removed_by_automation else "removed before screening"
        return "identification", kind, record.removed_reason
    if record.report_status == "not_retrieved":
        return "retrieval", "not retrieved", ""
    if record.report_status == "retrieved":
        return "full_text", record.ft_outcome or "pending", record.ft_reason or ""
    if other_method or record.ta_outcome == "included":
        return "retrieval", "awaiting retrieval", ""
    return "title_abstract", record.ta_outcome or "pending", record.ta_reason or ""
