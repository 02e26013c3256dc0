"""Streaming exports of a review's records. Large reviews never sit whole in memory."""
import io
from itertools import islice

from ..core import csvfile
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
    import_ = record.source_import
    return [import_.platform, import_.searched_on.isoformat() if import_.searched_on else ""]


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
    `extra_values(record)` returns (decisions, stage, reasons …): after the importable columns,
    each record's import provenance (database, platform, date searched). Written by the one
    CSV writer (screening.core.csvfile), which neutralises formulas."""
    def rows():
        yield list(CSV_COLUMNS) + list(PROVENANCE_COLUMNS) + list(extra_columns)
        for batch in _chunks(records.select_related("source_import")):
            for record in batch:
                row = csv_row(record_to_parsed(record)) + provenance_values(record)
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
    other_methods = record.source_import.identified_via in OTHER_METHODS
    stage, decision, reason = _final(record, other_methods, ta_outcome, ft_outcome)
    return [stage, decision, reason, ta_outcome or "", record.ta_reason or "",
            record.report_status or "", ft_outcome or "", record.ft_reason or "", record.study_label or ""]


def decision_notes(record, values=None, *, blind=False):
    """The decision columns as RIS notes (`values`: a row of EXPORT_COLUMNS, when known)."""
    values = dict(zip(EXPORT_COLUMNS, values or decision_values(record, blind=blind)))
    note = f"reviewapp: {values['final_decision']} ({values['stage_reached'].replace('_', ' ')})"
    if values["final_reason"]:
        note += f": {values['final_reason']}"
    notes = [note] + ([f"reviewapp study: {values['study']}"] if values["study"] else [])
    if values.get("retracted"):
        notes.append("reviewapp: retracted")
    if values.get("notice_of"):
        notes.append(f"reviewapp: {values['notice_of']}; its outcome is the article's")
    if values.get("notices"):
        notes.append(f"reviewapp notices: {values['notices']}")
    return notes


# The records export: the decision columns, then whether the record is retracted and how it
# relates to notices (a notice's decision columns are its article's: it follows its outcome).
EXPORT_COLUMNS = DECISION_COLUMNS + ("retracted", "notice_of", "notices")


class NoticeOutcomes:
    """The review's notices in effect, read once for an export: which article's outcome each
    notice follows (through a chain of notices and to the article's group primary, where
    the outcome lives), and each work's notices in words. With `blind`, outcomes are written
    as decision_values writes them for a blind review."""

    def __init__(self, review, *, blind=False):
        from ..models import NoticeLink, Record
        from ..models.dedup import notice_summary

        links = list(NoticeLink.objects.active().filter(review=review).values_list("notice_id", "article_id", "kind"))
        follows = {notice: article for notice, article, _ in links}
        primary = dict(Record.objects.filter(pk__in=set(follows.values()), duplicate_of__isnull=False)
                       .values_list("id", "duplicate_of_id"))
        duplicates = set(Record.objects.filter(pk__in=set(follows), duplicate_of__isnull=False)
                         .values_list("id", flat=True))

        def root(record_id):
            seen = set()
            while record_id in follows and record_id not in seen:
                seen.add(record_id)
                record_id = follows[record_id]
            return primary.get(record_id, record_id)

        self.blind = blind
        self.duplicates = duplicates
        self.kind = {notice: NoticeLink.Kind(kind).label for notice, _, kind in links}
        self.article = {notice: article for notice, article, _ in links}
        self.root = {notice: root(notice) for notice in follows}
        kinds = {}
        for notice, article, kind in links:
            if notice not in duplicates:
                kinds.setdefault(primary.get(article, article), []).append(kind)
        self.summary = {work: notice_summary(k) for work, k in kinds.items()}
        self.articles = {record.pk: record for record in Record.objects.filter(pk__in=set(self.root.values()))
                         .with_outcomes().select_related("source_import")}

    def values(self, record):
        """The EXPORT_COLUMNS of a record annotated by with_outcomes() and with_retraction()."""
        article = self.articles.get(self.root.get(record.pk)) if record.notice_of_id else None
        row = decision_values(article if article is not None else record, blind=self.blind)
        notice_of = (f"{self.kind[record.pk]} of record {self.article[record.pk]}"
                     if record.notice_of_id and record.pk in self.kind else "")
        return row + ["yes" if getattr(record, "is_retracted", record.retracted) else "", notice_of,
                      self.summary.get(record.pk, "")]

    def following(self, subset_filter):
        """Ids of the notices whose article is in the subset `subset_filter` selects."""
        from ..models import Record

        chosen = set(Record.objects.filter(pk__in=set(self.root.values())).with_outcomes().filter(subset_filter)
                     .values_list("pk", flat=True))
        return [notice for notice, root in self.root.items() if root in chosen and notice not in self.duplicates]


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
