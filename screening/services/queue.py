"""The claim engine: which record a reviewer screens next, claimed for them in one statement
(raw SQL with SKIP LOCKED, so reviewers asking at once take different records), the takeover of
claims left without a vote too long, and which records are in screening at each stage. Votes,
undo, the lead's resolutions and pilots are in services/decisions.py.

Which record a reviewer is handed never depends on another reviewer's verdict: only on claims,
their age, the shuffled (or ranked) order and the reviewer's own decisions.

The SQL takes table names and choice values from the models.
"""
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from ..models import Decision, Import, Outcome, Pilot, PriorityRank, Record, RecordStage, Report, Review, Stage
from ..models.records import DATABASES_AND_REGISTERS
from ..models.reviews import Membership, Role
from ..core.rules import reviewer_seed, start_offset

_RECORD = Record._meta.db_table
_IMPORT = Import._meta.db_table
_RECORD_STAGE = RecordStage._meta.db_table
_DECISION = Decision._meta.db_table
_REPORT = Report._meta.db_table
_PRIORITY_RANK = PriorityRank._meta.db_table
_PENDING = Outcome.PENDING.value
_IMPORTED = Import.Status.IMPORTED.value
_RETRIEVED = Report.Status.RETRIEVED.value
_DATABASES_AND_REGISTERS = "(" + ", ".join(f"'{via.value}'" for via in DATABASES_AND_REGISTERS) + ")"

# The signed 32-bit md5 prefix of "<review id>:<record id>": random-looking, stable, and the
# same whoever computes it.
_ORDER_KEY_SQL = "('x' || substr(md5(r.review_id::text || ':' || r.id::text), 1, 8))::bit(32)::int"


def record_stages_sync(*, review, stage=Stage.TITLE_ABSTRACT):
    """Create the RecordStage rows of records that reached `stage` since the last call, and
    return how many were created. Cheap when nothing is new: records only ever get higher ids,
    so only ids above the highest one seen are looked at. Title/abstract takes every record of
    the review from databases and registers (the queue itself skips duplicates and removed
    ones, so an undone merge brings a record back); full text takes the reports whose full
    text is attached."""
    if stage == Stage.TITLE_ABSTRACT:
        # Only records of finished imports (a PubMed import stores batches as it downloads), and
        # only from databases and registers: records found by other methods skip title/abstract
        # screening (PRISMA has no such box for them) and go straight to retrieval.
        source = (f"FROM {_RECORD} r JOIN {_IMPORT} i ON i.id = r.source_import_id "
                  f"AND i.status = '{_IMPORTED}' AND i.identified_via IN {_DATABASES_AND_REGISTERS} "
                  "WHERE r.review_id = %(review)s "
                  f"AND r.id > COALESCE((SELECT max(record_id) FROM {_RECORD_STAGE} "
                  "WHERE review_id = %(review)s AND stage = %(stage)s), 0)")
    else:
        # Reports reach full-text screening once their full text is attached, in any order
        # of record ids, so there is no id cutoff; reports are few.
        source = (f"FROM {_RECORD} r JOIN {_REPORT} rep ON rep.record_id = r.id "
                  f"AND rep.status = '{_RETRIEVED}' WHERE r.review_id = %(review)s")
    sql = f"""
        INSERT INTO {_RECORD_STAGE}
            (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
        SELECT r.review_id, r.id, %(stage)s, {_ORDER_KEY_SQL}, 0, '{_PENDING}', '', ''
        {source}
        ON CONFLICT (record_id, stage) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"review": review.pk, "stage": stage})
        created = cursor.rowcount
    if created:
        cache.delete(_total_cache_key(review, stage))
    return created


def record_stages_add_import(*, import_):
    """Put the records of a just-finished import into title/abstract screening. Called when
    the import finishes, so an import that finishes after a later one (a long PubMed
    download) is not skipped by record_stages_sync's "ids above the highest seen" shortcut.
    The import's source is tested once, not joined to each of its records: the planner, blind
    to rows not yet analysed, looked the import up once per record (0.2 s at 100,000)."""
    sql = f"""
        INSERT INTO {_RECORD_STAGE}
            (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
        SELECT r.review_id, r.id, %(stage)s, {_ORDER_KEY_SQL}, 0, '{_PENDING}', '', ''
        FROM {_RECORD} r
        WHERE r.source_import_id = %(import)s
          AND EXISTS (SELECT 1 FROM {_IMPORT} i
                      WHERE i.id = %(import)s AND i.identified_via IN {_DATABASES_AND_REGISTERS})
        ON CONFLICT (record_id, stage) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"import": import_.pk, "stage": Stage.TITLE_ABSTRACT})
        created = cursor.rowcount
    if created:
        cache.delete(_total_cache_key(import_.review, Stage.TITLE_ABSTRACT))
    return created


def open_pilot(review, stage):
    return Pilot.objects.filter(review=review, stage=stage, closed_at__isnull=True).first()


# What every statement that hands a record (rs, r) to a reviewer requires of it: not merged
# into another record, not a notice linked to its article, not removed before screening,
# from a finished import, and not already claimed or decided by this reviewer.
_OPEN_TO_ME = f"""AND r.duplicate_of_id IS NULL AND r.notice_of_id IS NULL AND r.removed_reason = ''
          AND EXISTS (SELECT 1 FROM {_IMPORT} i WHERE i.id = r.source_import_id AND i.status = '{_IMPORTED}')
          AND NOT EXISTS (SELECT 1 FROM {_DECISION} d WHERE d.record_id = rs.record_id
                          AND d.stage = rs.stage AND d.reviewer_id = %(reviewer)s)"""


def _claim_sql(order_column, with_cursor):
    # The index recordstage_queue (or recordstage_review_record for import order) serves the
    # walk; with the cursor the first pending row is almost always free for this reviewer.
    # The cursor: the position of the reviewer's latest claim (index decision_reviewer_queue);
    # before their first claim, their evenly spaced starting point among the pending records
    # (index recordstage_queue). Both are InitPlans: evaluated once, the second only if needed.
    cursor_condition = f"""AND rs.{order_column} > COALESCE((
            SELECT mine.{order_column} FROM {_DECISION} d
            JOIN {_RECORD_STAGE} mine ON mine.record_id = d.record_id AND mine.stage = d.stage
            WHERE d.reviewer_id = %(reviewer)s AND d.review_id = %(review)s AND d.stage = %(stage)s
            ORDER BY d.claimed_at DESC, d.id DESC LIMIT 1), (
            SELECT start.{order_column} - 1 FROM {_RECORD_STAGE} start
            WHERE start.review_id = %(review)s AND start.stage = %(stage)s AND start.outcome = '{_PENDING}'
            ORDER BY start.{order_column} OFFSET %(start_offset)s LIMIT 1), -2147483648)""" if with_cursor else ""
    return f"""
        SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims FROM {_RECORD_STAGE} rs
        JOIN {_RECORD} r ON r.id = rs.record_id
        WHERE rs.review_id = %(review)s AND rs.stage = %(stage)s AND rs.outcome = '{_PENDING}'
          AND rs.claims < %(needed)s
          AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
          {cursor_condition}
          {_OPEN_TO_ME}
        ORDER BY rs.{order_column}
        LIMIT 1
        FOR UPDATE OF rs SKIP LOCKED
    """


_PILOT_SQL = f"""
    SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims FROM {_RECORD_STAGE} rs
    JOIN {_RECORD} r ON r.id = rs.record_id
    WHERE rs.pilot_id = %(open_pilot)s
      {_OPEN_TO_ME}
    ORDER BY rs.order_key
    LIMIT 1
    FOR UPDATE OF rs
"""


def queue_order(review):
    """Return the column the review's queue walks without a ranking. Priority order walks the
    reviewer's own ranking first (_PRIORITY_SQL) and falls back to the random order during
    the cold start and for records imported since their ranking was trained."""
    if review.order == Review.Order.IMPORT:
        return "record_id"
    return "order_key"


# Priority order: the best-ranked record of MY ranking that the assignment lets me claim (the
# same filters as _claim_sql). Walks the index priorityrank_walk (ranking, position) and stops
# at the first match, so it costs the same with 100 or 100,000 ranked records. Why this order
# leaks nothing about other reviewers' votes: services/priority.py.
_PRIORITY_SQL = f"""
    SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims, pr.position AS priority_position,
           pr.score AS priority_score, pr.words AS priority_words
    FROM {_PRIORITY_RANK} pr
    JOIN {_RECORD_STAGE} rs ON rs.record_id = pr.record_id AND rs.stage = %(stage)s
    JOIN {_RECORD} r ON r.id = rs.record_id
    WHERE pr.ranking_id = %(ranking)s AND rs.review_id = %(review)s AND rs.outcome = '{_PENDING}'
      AND rs.claims < %(needed)s
      AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
      {_OPEN_TO_ME}
    ORDER BY pr.position
    LIMIT 1
    FOR UPDATE OF rs SKIP LOCKED
"""


class QueueState:
    READY = "ready"
    PILOT_WAIT = "pilot_wait"  # this reviewer finished the pilot; the lead has not closed it
    DONE = "done"


@transaction.atomic
def screening_next(*, reviewer, review, stage=Stage.TITLE_ABSTRACT, ranking=None):
    """Return (record, state): see claim_next."""
    return claim_next(reviewer, review, stage, ranking)


def claim_next(reviewer, review, stage, ranking=None, *, hints=None):
    """Return (record, state): the record this reviewer should screen next, claiming a new one
    when they have none open, or (None, why). `hints`: what a vote in the same transaction
    already read (QueueHints), which spares asking again.

    An open pilot's records come first, for every reviewer. Otherwise, in priority order with
    a finished ranking (`ranking`, the reviewer's PriorityRanking row, read by the caller),
    the reviewer gets the best-ranked record they may claim; else, and for records newer
    than the ranking, they walk the review's shuffled order (or import order) from just after
    their last claim, wrapping around once. A record is claimed only while fewer than
    reviewers_per_record reviewers hold it. SKIP LOCKED lets two reviewers asking at once take
    different records, and the conditional UPDATE on `claims` is a second guard that it never
    passes the number. When nothing is left to claim, the reviewer takes over another
    reviewer's claim left without a vote too long (_take_over_stale_claim).
    """
    if hints is None or hints.open_claims:
        record = Record.objects.screening_queue(reviewer, review, stage).first()
        if record is not None:
            return record, QueueState.READY
    pilot = open_pilot(review, stage) if hints is None else hints.pilot
    params = {"review": review.pk, "stage": stage, "reviewer": reviewer.pk, "now": timezone.now(),
              "needed": review.reviewers_per_record, "open_pilot": pilot.pk if pilot else 0}
    if pilot is not None:
        record = _claim_first(_PILOT_SQL, params, conditional=False)
        if record is not None:
            return record, QueueState.READY
        if pilot.holds_back_screening:
            return None, QueueState.PILOT_WAIT
    if ranking is not None and ranking.is_trained and review.order == Review.Order.PRIORITY:
        for _ in range(2):  # a second try when another reviewer filled the record meanwhile
            record = _claim_first(_PRIORITY_SQL, {**params, "ranking": ranking.pk})
            if record is None:
                break
            if record.claimed:
                return record, QueueState.READY
    order_column = queue_order(review)
    params["start_offset"] = 0 if order_column == "record_id" else _start_offset(review, reviewer, stage)
    for attempt in range(3):
        record = _claim_first(_claim_sql(order_column, with_cursor=attempt == 0), params)
        if record is None and attempt > 0:
            break
        if record is not None and record.claimed:
            return record, QueueState.READY
    # Only once nothing is claimable: the normal path never pays for it.
    record = _take_over_stale_claim(params)
    if record is not None and record.claimed:
        return record, QueueState.READY
    return None, QueueState.DONE


def _start_offset(review, reviewer, stage):
    """Return how many records into the shuffled order the reviewer starts: evenly spaced
    among the review's reviewers (by rank of membership), so with more reviewers than votes
    per record each one first screens records nobody has, then meets the others' records,
    and all end with about the same share. A lead who screens starts at a seeded random
    place. Cached for a minute; it only matters for a reviewer's first claim."""
    def rank_and_count():
        reviewers = list(Membership.objects.active().filter(review=review, role=Role.REVIEWER)
                         .order_by("id").values_list("user_id", flat=True))
        if reviewer.pk in reviewers:
            return reviewers.index(reviewer.pk), len(reviewers)
        return None, len(reviewers)

    rank, count = cache.get_or_set(f"screening-rank:{review.pk}:{reviewer.pk}", rank_and_count, 60)
    total = records_in_stage_count(review, stage)
    if rank is None:
        return reviewer_seed(review.pk, reviewer.pk, stage) % max(total, 1)
    return start_offset(rank, count, total)


def _claim_first(pick_sql, params, *, conditional=True):
    """Run `pick_sql` (it selects and locks at most one record stage with its record and its
    claim count as `stage_claims`) and claim its record in the same statement: create the
    reviewer's claim (a Decision row without a verdict), only while there is room unless `conditional` is False (pilot
    records), and raise the claim counter with it. Return the record with `claimed` False
    when it filled up meanwhile or the reviewer already holds it, or None.

    The reviewer may already hold the record: their other tab claimed it after this
    statement's snapshot was taken, so the pick could not see that claim. The insert then
    yields to the existing claim or vote (ON CONFLICT, which sees committed rows, not the
    snapshot) and the counter, which moves only with an insert, stays as it is. The locked
    row's claim count is the latest committed one, so checking it before the insert is exact.
    """
    room = "WHERE pick.stage_claims < %(needed)s" if conditional else ""
    sql = f"""
        WITH pick AS ({pick_sql}),
        mine AS (
            INSERT INTO {_DECISION} (review_id, record_id, stage, reviewer_id, reason, note, claimed_at)
            SELECT %(review)s, pick.id, %(stage)s, %(reviewer)s, '', '', %(now)s FROM pick {room}
            ON CONFLICT DO NOTHING
            RETURNING record_id),
        bump AS (
            UPDATE {_RECORD_STAGE} rs SET claims = rs.claims + 1 FROM pick, mine
            WHERE rs.id = pick.record_stage_id)
        SELECT pick.*, EXISTS (SELECT 1 FROM mine) AS claimed FROM pick
    """
    return next(iter(Record.objects.raw(sql, params)), None)


# Taking over a stale claim: another reviewer's claim on a pending record, not voted on and
# older than SCREENING_CLAIM_EXPIRES_MINUTES, on a record I have no decision on, outside the
# open pilot (every reviewer screens those, so nobody waits for a pilot record). The claim
# passes to me in one statement: the holder's claim is deleted and mine inserted, so
# the record's claim counter does not move and concurrent takers can never push it past its
# number. My claim is inserted first and the holder's deleted only with it: when my other
# tab took the record after this statement's snapshot, the insert yields (ON CONFLICT) and
# nothing moves. The holder's claim is locked by the pick, so its delete cannot miss.
# SKIP LOCKED passes over a record someone is voting on or taking right now, so the
# statement never waits on a lock (and cannot deadlock with a vote); a holder whose vote comes
# after it finds no claim. The scan starts from the partial index decision_open_claims.
# Only claims are ever touched, so no vote is lost and none is read: which record is
# taken depends on claims and their age, never on a verdict.
_TAKE_OVER_SQL = f"""
    WITH pick AS (
        SELECT r.*, rs.id AS record_stage_id, stale.id AS stale_claim_id
        FROM {_DECISION} stale
        JOIN {_RECORD_STAGE} rs ON rs.record_id = stale.record_id AND rs.stage = stale.stage
        JOIN {_RECORD} r ON r.id = rs.record_id
        WHERE stale.review_id = %(review)s AND stale.stage = %(stage)s AND stale.verdict IS NULL
          AND stale.claimed_at < %(stale_before)s AND stale.reviewer_id <> %(reviewer)s
          AND rs.outcome = '{_PENDING}' AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
          {_OPEN_TO_ME}
        ORDER BY stale.claimed_at, stale.id
        LIMIT 1
        FOR UPDATE OF rs, stale SKIP LOCKED),
    mine AS (
        INSERT INTO {_DECISION} (review_id, record_id, stage, reviewer_id, reason, note, claimed_at)
        SELECT %(review)s, pick.id, %(stage)s, %(reviewer)s, '', '', %(now)s FROM pick
        ON CONFLICT DO NOTHING
        RETURNING record_id),
    released AS (
        DELETE FROM {_DECISION} d USING pick, mine
        WHERE d.id = pick.stale_claim_id AND d.verdict IS NULL
        RETURNING d.record_id)
    SELECT pick.*, EXISTS (SELECT 1 FROM released) AS claimed FROM pick
"""


def _take_over_stale_claim(params):
    """Pass the oldest stale claim of another reviewer to this one (_TAKE_OVER_SQL) and return
    its record (`claimed` False when it went meanwhile), or None; always None when
    SCREENING_CLAIM_EXPIRES_MINUTES is 0. The holder's later vote on it finds no claim
    (decision_record raises Decision.DoesNotExist; the screen says so and moves on)."""
    minutes = settings.SCREENING_CLAIM_EXPIRES_MINUTES
    if minutes <= 0:
        return None
    stale_before = params["now"] - timedelta(minutes=minutes)
    return next(iter(Record.objects.raw(_TAKE_OVER_SQL, {**params, "stale_before": stale_before})), None)


def stale_claims_count(review, stage=Stage.TITLE_ABSTRACT):
    """Return how many pending records are held by a claim nobody has voted on for longer than
    SCREENING_CLAIM_EXPIRES_MINUTES (for the lead: they pass to the next reviewer who runs out
    of records). Reads the small partial index of open claims."""
    minutes = settings.SCREENING_CLAIM_EXPIRES_MINUTES
    if minutes <= 0:
        return 0
    return (Decision.objects.open_claims()
            .filter(review=review, stage=stage, claimed_at__lt=timezone.now() - timedelta(minutes=minutes),
                    record__stages__stage=stage, record__stages__outcome=Outcome.PENDING,
                    record__duplicate_of__isnull=True, record__removed_reason="", record__notice_of__isnull=True)
            .values("record_id").distinct().count())


class QueueHints(NamedTuple):
    """What a vote's last statement learnt for choosing the reviewer's next record, read after
    the vote's locks were taken, as the next-record step would read it."""

    pilot: Pilot | None  # the open pilot at this stage (only its id and holds_back_screening)
    open_claims: bool  # whether the reviewer holds any claim not voted on
    my_counts: dict  # the reviewer's decided records at this stage: {verdict: count}


def record_stage_sync_one(*, review, record, stage):
    """Make sure one record has its RecordStage row (a lead may decide on a record that
    arrived after the last sync)."""
    if not RecordStage.objects.filter(record=record, stage=stage).exists():
        record_stages_sync(review=review, stage=stage)


def _total_cache_key(review, stage):
    return f"screening-total:{review.pk}:{stage}"


def records_in_stage_count(review, stage=Stage.TITLE_ABSTRACT):
    """Return how many records are to be screened at `stage`, cached for a minute: the
    screening card shows it after every vote and counting 100,000 rows each time is waste."""
    def count():
        return RecordStage.objects.for_stage(review, stage).in_screening().count()

    return cache.get_or_set(_total_cache_key(review, stage), count, 60)
