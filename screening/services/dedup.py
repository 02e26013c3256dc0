"""Deduplication in the app: run the engine over a review's records and store the result.

Nothing is deleted. A duplicate gets ``duplicate_of`` = its group's primary record and a
``Merge`` row that says why and what it filled into the primary; undoing the merge
restores both. Pairs the engine is unsure about become ``DuplicateCandidate`` rows for
the lead's queue. A notice the engine links to its article (an erratum, a comment, a
retraction notice ...) gets a ``NoticeLink`` and ``notice_of`` = the article: it leaves
screening with the article, and a lead can undo the link.

A run compares the records of every imported file not yet deduplicated ("new") with
everything in the review. Its result is stored in one transaction together with the
mark on those imports, so a crashed run leaves nothing half-done and a re-run finds
nothing new: it changes nothing.
"""
import json
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.db import connection, transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from ..dedup import DedupRecord, choose_primary, fill_missing, find_duplicates
from ..dedup.engine import completeness
from ..dedup.normalise import split_author_field
from ..dedup.notices import publication_types, related_fields, retraction_flag
from ..models import (
    Decision,
    DuplicateCandidate,
    Import,
    Job,
    Merge,
    NoticeLink,
    Record,
    RecordStage,
    Review,
)
from .jobs import job_create
from .statistics import tables_analyze

JSON_FIELDS = {"authors", "issn"}
# The engine reads no more of an abstract than this; loading whole abstracts of 100,000
# records would cost memory for nothing.
ABSTRACT_CHARS = 600
ENGINE_COLUMNS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
                  "pmid", "issn", "publication_type", "source_import_id", "duplicate_of_id")

# PostgreSQL advisory locks, taken as (key, review id).
RUN_LOCK = 40401  # one dedup run per review at a time, held for the whole run
WRITE_LOCK = 40402  # any change to a review's duplicate groups, held for one short transaction


@dataclass
class DedupSummary:
    new_records: int = 0
    compared_records: int = 0
    merged: int = 0
    groups: int = 0
    candidates: int = 0
    notices: int = 0
    seconds: dict = field(default_factory=dict)

    def message(self):
        if not self.new_records:
            return "Nothing new to deduplicate."
        notices = (f", {self.notices:,} notice{'s' if self.notices != 1 else ''} linked to "
                   f"{'their' if self.notices != 1 else 'its'} article" if self.notices else "")
        return (f"{self.new_records:,} new records compared with {self.compared_records:,}: "
                f"{self.merged:,} merged as duplicates{notices}, {self.candidates:,} pairs to review.")


# --- plain helpers (no database) -------------------------------------------------------

def record_key(pk):
    """The engine's id for a record. Zero-padded, so that the engine's string order (its
    tie-break for the primary) is import order."""
    return f"{pk:012d}"


def as_dedup_record(row, *, is_new=True):
    """Build the engine's record from a dict of Record columns (``abstract`` may be cut)."""
    authors = tuple(row["authors"] or ())
    if len(authors) == 1:
        # CSV exports often hold every author in one cell ("Zhai, Q. J. and Yue, X. Y.").
        authors = split_author_field(authors[0]) or authors
    return DedupRecord(
        id=record_key(row["id"]), title=row["title"] or "", authors=authors, year=row["year"],
        journal=row["journal"] or "", volume=row["volume"] or "", issue=row["issue"] or "",
        pages=row["pages"] or "", doi=row["doi"] or "", pmid=row["pmid"] or "",
        issn=tuple(row["issn"] or ()), abstract=row.get("abstract", row.get("abstract_start")) or "",
        database=row.get("import_database") or "", is_new=is_new,
        publication_type=row.get("publication_type") or "", related=row.get("related", ()),
    )


# The raw text of records whose format lists every publication type and the records a record
# cites (MEDLINE's PT, EIN, CON, RIN ...; PubMed XML's CommentsCorrections); other formats
# give their one type in a column and cite nothing, so their raw text is not read at all.
# The test reads the first characters only (a slice, not the whole stored text).
RAW_START = Substr("raw", 1, 7)
NOTICE_SOURCE = Case(
    When(Q(raw_start__startswith="PMID-") | Q(raw_start__startswith="\ufeffPMID-")
         | Q(raw_start__startswith="<Pubmed"), then="raw"),
    default=Value(""), output_field=TextField())


def _read_citations(row):
    """Replace a row's raw text (`cites`) by what the engine reads from it: every publication
    type and the (tag, value) pairs citing other records. The raw text is not kept."""
    source = row.pop("cites", "")
    row["related"] = related_fields(source) if source else ()
    if source:
        row["publication_type"] = publication_types(source, row["publication_type"] or "")


def record_as_row(record):
    row = {name: getattr(record, name) for name in ENGINE_COLUMNS}
    row["abstract"] = record.abstract
    row["import_database"] = record.source_import.database
    return row


def fill_sources(primary, others):
    """Return ``{field: id of the record it comes from}`` for what ``fill_missing`` would
    copy into ``primary``, so the caller can copy the stored (raw, whole) value."""
    filled = fill_missing(primary, others)
    ranked = sorted(others, key=lambda r: (-completeness(r), r.id))
    return {name: next(r.id for r in ranked if getattr(r, name) == value)
            for name, value in filled.items()}


# --- locks ----------------------------------------------------------------------------

@contextmanager
def _run_lock(review_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK, review_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RUN_LOCK, review_id])


def _write_lock(review_id):
    """Serialise changes to one review's groups until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [WRITE_LOCK, review_id])


# --- the run --------------------------------------------------------------------------

def dedup_review(*, review, job=None, progress=None):
    """Deduplicate the records of every imported, not yet deduplicated file against the
    whole review. Return a DedupSummary. Safe to run twice."""
    progress = progress or (lambda *args, **kwargs: None)
    summary = DedupSummary()
    started = time.perf_counter()
    with _run_lock(review.pk):
        new_imports = set(review.imports.filter(status=Import.Status.IMPORTED, deduplicated_at__isnull=True)
                          .values_list("pk", flat=True))
        if not new_imports:
            return summary
        progress(0, message="Reading records…", force=True)
        rows = {}
        for row in (Record.objects.filter(review=review).order_by().alias(raw_start=RAW_START)
                    .values(*ENGINE_COLUMNS, abstract_start=Substr("abstract", 1, ABSTRACT_CHARS),
                            import_database=F("source_import__database"), cites=NOTICE_SOURCE)
                    .iterator(chunk_size=5000)):
            _read_citations(row)
            rows[row["id"]] = row
        records = {pk: as_dedup_record(row, is_new=row["source_import_id"] in new_imports)
                   for pk, row in rows.items()}
        summary.new_records = sum(1 for r in records.values() if r.is_new)
        summary.compared_records = len(records)
        summary.seconds["load"] = time.perf_counter() - started

        steps = [0]

        def engine_progress(done, total):
            steps[0] = total
            progress(done, total=total, message="Comparing records…")

        result = find_duplicates(list(records.values()), progress=engine_progress)
        summary.seconds["engine"] = time.perf_counter() - started - summary.seconds["load"]
        progress(steps[0], total=steps[0], message="Saving the duplicate groups…", force=True)
        saving = time.perf_counter()
        with transaction.atomic():
            _write_lock(review.pk)
            groups = _apply(review=review, job=job, rows=rows, records=records, result=result, summary=summary)
            _store_notices(review=review, job=job, result=result, records=records, groups=groups,
                           summary=summary)
            Import.objects.filter(pk__in=new_imports).update(deduplicated_at=timezone.now())
        if summary.merged or summary.candidates:
            # Merges, candidates and the records' duplicate_of arrived in bulk: the planner
            # must not keep plans made for the tables as they were (autovacuum may be off).
            tables_analyze(Merge, DuplicateCandidate, Record)
        summary.seconds["save"] = time.perf_counter() - saving
    return summary


class _Groups:
    """The review's current groups in memory: root (primary) of each record, members of
    each root, and the pairs kept apart by a lead."""

    def __init__(self, review):
        self.root = {}
        self.members = defaultdict(list)
        for pk, duplicate_of in Record.objects.filter(review=review).values_list("id", "duplicate_of_id"):
            self.root[pk] = duplicate_of or pk
            self.members[duplicate_of or pk].append(pk)
        self.apart = defaultdict(set)
        for a, b in review.duplicate_candidates.kept_apart().values_list("record_a_id", "record_b_id"):
            self.apart[a].add(b)
            self.apart[b].add(a)

    def kept_apart(self, root_x, root_y):
        """True if a lead said some record of one group is a different work from some
        record of the other."""
        others = set(self.members[root_y])
        return any(self.apart[x] & others for x in self.members[root_x] if x in self.apart)

    def join(self, primary, other):
        """Move every member of `other`'s group under `primary`; return the moved ids."""
        moved = self.members.pop(other)
        for pk in moved:
            self.root[pk] = primary
        self.members[primary].extend(moved)
        return moved


def _apply(*, review, job, rows, records, result, summary):
    """Store the engine's result against the groups as they are now (a lead may have
    decided pairs while the engine ran)."""
    groups = _Groups(review)
    is_old = {pk: not records[pk].is_new for pk in records}
    preference = list(review.database_preference or [])
    merges, candidates = [], []
    moved_to = {}  # record id -> new primary
    fills = defaultdict(dict)  # primary id -> {field: value}

    def candidate(a, b, pair, rule=None):
        a, b = sorted((a, b))
        reason = pair.reasons[0] if pair.reasons else None
        candidates.append(DuplicateCandidate(
            review=review, record_a_id=a, record_b_id=b, score=pair.score,
            rule=rule or (reason.rule if reason else ""), scores=dict(reason.scores) if reason else {},
            differences=[list(d) for d in pair.differences], job=job,
        ))

    for group in result.groups:
        pairs = sorted(((int(p.id_a), int(p.id_b), p) for p in group.pairs), key=lambda e: (-e[2].score, e[:2]))
        roots = sorted({groups.root[int(i)] for i in group.ids})
        if len(roots) < 2:
            continue
        old_roots = [r for r in roots if is_old.get(r, True)]
        if len(old_roots) > 1:
            # A new record links two groups that earlier runs kept apart: a lead decides.
            for a, b, pair in pairs:
                candidate(a, b, pair, rule=f"joins_groups:{pair.reasons[0].rule}")
            continue
        primary = old_roots[0] if old_roots else int(choose_primary([records[r] for r in roots], preference))
        joined = {primary}
        progress_made = True
        while progress_made:  # walk the group's links outwards from the primary
            progress_made = False
            for a, b, pair in pairs:
                ra, rb = groups.root[a], groups.root[b]
                if (ra in joined) == (rb in joined):
                    continue
                other, linked = (rb, a) if ra in joined else (ra, b)
                if groups.kept_apart(primary, other):
                    continue
                moved = groups.join(primary, other)
                joined.add(other)
                progress_made = True
                reason = pair.reasons[0]
                merge = _NewMerge(record_id=other, primary_id=primary, linked_to_id=linked,
                                  rule=reason.rule, score=pair.score, scores=dict(reason.scores))
                merges.append(merge)
                for pk in moved:
                    moved_to[pk] = primary
                _fill(merge, records, rows, primary, moved, fills)
        summary.groups += 1

    for pair in result.maybe_pairs:
        a, b = int(pair.id_a), int(pair.id_b)
        ra, rb = groups.root[a], groups.root[b]
        if ra != rb and not groups.kept_apart(ra, rb):
            candidate(a, b, pair)

    _write_primaries(fills, rows)
    _write_duplicate_of(moved_to)
    _copy_merges(review, job, merges)
    created = DuplicateCandidate.objects.bulk_create(candidates, batch_size=2000, ignore_conflicts=True)
    summary.merged = len(moved_to)
    summary.candidates = len(created)
    return groups


def _store_notices(*, review, job, result, records, groups, summary):
    """Store the engine's notice links and retraction flags against the review as it is now.

    A link is stored once: a notice already linked keeps its link (so a re-run changes
    nothing), a pair a lead unlinked is never linked again, a notice merged into the same
    group as its article is a duplicate rather than a notice, and a link that would close a
    loop of notices is left out. Retraction flags are only ever set, and only on records
    that say so themselves (publication type, title, MEDLINE RIN): an article the engine
    flags because a retraction notice is linked to it, or because a retracted record is
    merged with it, is flagged through that link or merge for as long as it holds
    (Record.objects.with_retraction).
    """
    links = NoticeLink.objects.filter(review=review)
    active = set(links.active().values_list("notice_id", flat=True))
    unlinked = set(links.filter(undone_at__isnull=False).values_list("notice_id", "article_id"))
    follows = dict(Record.objects.filter(review=review, notice_of__isnull=False).values_list("id", "notice_of_id"))

    def leads_back_to(start, notice):
        seen = set()
        while start is not None and start not in seen:
            if start == notice:
                return True
            seen.add(start)
            start = follows.get(start)
        return False

    new_links = []
    for link in sorted(result.notices, key=lambda link: (link.notice_id, link.article_id)):
        notice, article = int(link.notice_id), int(link.article_id)
        if (notice not in groups.root or article not in groups.root or notice in active
                or groups.root[notice] == groups.root[article] or (notice, article) in unlinked
                or link.kind not in NoticeLink.Kind.values or leads_back_to(article, notice)):
            continue
        new_links.append(NoticeLink(review=review, notice_id=notice, article_id=article, kind=link.kind,
                                    evidence=list(link.evidence), job=job))
        active.add(notice)
        follows[notice] = article
    if new_links:
        NoticeLink.objects.bulk_create(new_links, batch_size=2000)
        _notices_leave_screening({link.notice_id: link.article_id for link in new_links})
    summary.notices = len(new_links)

    flagged = [int(pk) for pk in result.retracted if _says_retracted(records.get(int(pk)))]
    if flagged:
        Record.objects.filter(review=review, pk__in=flagged, retracted=False).update(retracted=True)
    if (new_links or flagged) and not review.has_notices:
        Review.objects.filter(pk=review.pk).update(has_notices=True)
        review.has_notices = True


def _says_retracted(record):
    return record is not None and bool(retraction_flag(record.title, record.publication_type, record.related))


def _notices_leave_screening(article_of):
    """Point each notice at its article, and release open claims on the notices: nobody
    screens them any more."""
    table = Record._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS r SET notice_of_id = v.article FROM unnest(%s::bigint[], %s::bigint[]) "
                       f"AS v(id, article) WHERE r.id = v.id", [list(article_of), list(article_of.values())])
    claims = Decision.objects.open_claims().filter(record_id__in=list(article_of))
    for record_id, stage in claims.values_list("record_id", "stage"):
        RecordStage.objects.filter(record_id=record_id, stage=stage, claims__gt=0).update(claims=F("claims") - 1)
    claims.delete()


@dataclass(slots=True)
class _NewMerge:
    """An automatic merge about to be stored (tens of thousands in a large run, so not
    model instances: they go in with COPY)."""

    record_id: int
    primary_id: int
    linked_to_id: int
    rule: str
    score: float
    scores: dict
    filled: dict = field(default_factory=dict)
    previous: dict = field(default_factory=dict)


MERGE_COPY_COLUMNS = ("review_id", "record_id", "primary_id", "linked_to_id", "rule", "score", "scores",
                      "automatic", "job_id", "created_at", "filled", "previous")


def _copy_merges(review, job, merges):
    if not merges:
        return
    now = timezone.now()
    columns = ", ".join(MERGE_COPY_COLUMNS)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {Merge._meta.db_table} ({columns}) FROM STDIN") as copy:
            for m in merges:
                copy.write_row((review.pk, m.record_id, m.primary_id, m.linked_to_id, m.rule[:100], m.score,
                                json.dumps(m.scores), True, job.pk if job else None, now,
                                json.dumps(m.filled), json.dumps(m.previous)))


def _fill(merge, records, rows, primary, moved, fills):
    """Fill the primary's empty fields from the records just moved into its group, and
    note on `merge` what changed so undo can put it back."""
    primary_record = records[primary]
    sources = fill_sources(primary_record, [records[pk] for pk in moved])
    if not sources:
        return
    for name, source in sources.items():
        source_pk = int(source)
        value = rows[source_pk][name] if name != "abstract" else None  # whole abstract read later
        # Only empty fields are filled (and a bare start page widened), so the previous
        # abstract is always "" and the cut copy in `rows` is enough.
        merge.previous[name] = rows[primary]["abstract_start" if name == "abstract" else name]
        merge.filled[name] = value
        fills[primary][name] = (source_pk, merge)
    # Later groups of this run see the filled primary (a primary is in one group per run,
    # but keep the in-memory copy true anyway).
    updates = {name: getattr(records[int(src)], name) for name, src in sources.items()}
    records[primary] = replace(primary_record, **updates)
    for name, src in sources.items():
        if name != "abstract":
            rows[primary][name] = rows[int(src)][name]


def _write_primaries(fills, rows):
    """Write filled fields: one UPDATE per field, whatever the number of primaries."""
    abstract_sources = {src for by_field in fills.values() for name, (src, _) in by_field.items() if name == "abstract"}
    abstracts = dict(Record.objects.filter(pk__in=abstract_sources).values_list("id", "abstract"))
    by_field = defaultdict(list)
    for primary, fields in fills.items():
        for name, (source, merge) in fields.items():
            value = abstracts[source] if name == "abstract" else rows[primary][name]
            if name == "abstract":
                merge.filled["abstract"] = value
            by_field[name].append((primary, value))
    table = Record._meta.db_table
    with connection.cursor() as cursor:
        for name, items in by_field.items():
            ids = [pk for pk, _ in items]
            if name in JSON_FIELDS:
                values, cast = [json.dumps(v) for _, v in items], "text[]"
                expression = "v.val::jsonb"
            elif name == "year":
                values, cast, expression = [v for _, v in items], "int[]", "v.val"
            else:
                values, cast, expression = [v for _, v in items], "text[]", "v.val"
            cursor.execute(
                f"UPDATE {table} AS r SET {name} = {expression} "
                f"FROM unnest(%s::bigint[], %s::{cast}) AS v(id, val) WHERE r.id = v.id",
                [ids, values],
            )


def _write_duplicate_of(moved_to):
    """Point the moved records at their primary: COPY the pairs into a temporary table, then
    one UPDATE (binding 50,000 ids as parameters costs seconds; COPY does not)."""
    if not moved_to:
        return
    table = Record._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE dedup_moves (id bigint PRIMARY KEY, primary_id bigint) "
                       "ON COMMIT DROP")
        with cursor.cursor.copy("COPY dedup_moves (id, primary_id) FROM STDIN") as copy:
            for pk, primary in moved_to.items():
                copy.write_row((pk, primary))
        cursor.execute(f"UPDATE {table} AS r SET duplicate_of_id = v.primary_id FROM dedup_moves v "
                       f"WHERE r.id = v.id")
        # ON COMMIT DROP is not enough when the caller's transaction goes on (tests).
        cursor.execute("DROP TABLE dedup_moves")


# --- the job ------------------------------------------------------------------------

def dedup_enqueue(*, review, created_by=None):
    """Start a dedup run once the current transaction commits, unless one is already
    waiting (it will see these records too)."""
    waiting = review.jobs.filter(kind="dedup", status=Job.Status.PENDING).first()
    if waiting:
        return waiting
    return job_create(kind="dedup", review=review, created_by=created_by,
                      message="Waiting to look for duplicates…")


def dedup_job(job, progress):
    summary = dedup_review(review=job.review, job=job, progress=progress)
    return {"message": summary.message(), "new_records": summary.new_records, "merged": summary.merged,
            "candidates": summary.candidates, "notices": summary.notices,
            "seconds": {k: round(v, 2) for k, v in summary.seconds.items()},
            "next_url": reverse("dedup_overview", args=[job.review_id])}
