"""Streaming exports of a review's records. Large reviews never sit whole in memory."""
import io
from itertools import islice

from .. import csvfile
from ..formats.writers import CSV_COLUMNS, csv_row, write_ris
from .imports import record_to_parsed

CHUNK = 500


def _chunks(queryset):
    iterator = queryset.iterator(chunk_size=CHUNK)
    while batch := list(islice(iterator, CHUNK)):
        yield batch


def stream_records_ris(records, notes=None):
    """Yield RIS text. `notes(record)` may return lines written as N1 notes (decisions and
    reasons), which reference managers keep."""
    buffer = io.StringIO()
    for batch in _chunks(records):
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
    `extra_values(record)` returns (decisions, stage, reasons …). Written by the one CSV
    writer (screening.csvfile), which neutralises formulas."""
    def rows():
        yield list(CSV_COLUMNS) + list(extra_columns)
        for batch in _chunks(records):
            for record in batch:
                row = csv_row(record_to_parsed(record))
                if extra_values is not None:
                    row += list(extra_values(record))
                yield row

    return csvfile.stream(rows(), rows_per_chunk=CHUNK)


DECISION_COLUMNS = ("stage_reached", "final_decision", "final_reason", "title_abstract_outcome",
                    "title_abstract_reason", "full_text_retrieval", "full_text_outcome", "full_text_reason",
                    "study")


def decision_values(record, *, blind=False):
    """Return the DECISION_COLUMNS of a record annotated by Record.objects.with_outcomes()
    (with its import selected): how far it got, its final decision and reason, and each
    stage's outcome. With `blind` (the review is blind), a conflict is written as "pending",
    like any record awaiting a decision: which records are conflicts tells a reviewer how the
    other reviewer voted, and a file may be passed on to reviewers."""
    from ..models.records import OTHER_METHODS

    ta_outcome, ft_outcome = _shown(record.ta_outcome, blind), _shown(record.ft_outcome, blind)
    stage, decision, reason = _final(record, record.source_import.source in OTHER_METHODS, ta_outcome, ft_outcome)
    return [stage, decision, reason, ta_outcome or "", record.ta_reason or "",
            record.report_status or "", ft_outcome or "", record.ft_reason or "", record.study_label or ""]


def decision_notes(record, *, blind=False):
    """The decision columns as RIS notes."""
    values = dict(zip(DECISION_COLUMNS, decision_values(record, blind=blind)))
    note = f"reviewapp: {values['final_decision']} ({values['stage_reached'].replace('_', ' ')})"
    if values["final_reason"]:
        note += f": {values['final_reason']}"
    return [note] + ([f"reviewapp study: {values['study']}"] if values["study"] else [])


def _shown(outcome, blind):
    return "pending" if blind and outcome == "conflict" else outcome


def _final(record, other_method, ta_outcome, ft_outcome):
    if record.duplicate_of_id:
        return "identification", "duplicate", f"duplicate of record {record.duplicate_of_id}"
    if record.removed_reason:
        kind = "marked ineligible by automation tool" if record.removed_by_automation else "removed before screening"
        return "identification", kind, record.removed_reason
    if record.report_status == "not_retrieved":
        return "retrieval", "not retrieved", ""
    if record.report_status == "retrieved":
        return "full_text", ft_outcome or "pending", record.ft_reason or ""
    if other_method or ta_outcome == "included":
        return "retrieval", "awaiting retrieval", ""
    return "title_abstract", ta_outcome or "pending", record.ta_reason or ""
