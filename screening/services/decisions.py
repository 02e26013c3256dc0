"""Screening writes: claiming records for reviewers, votes, undo, the lead's resolutions and
pilot rounds. Stage-generic: the full-text stage uses the same functions.

Every function that reads other reviewers' votes runs the same queries whatever those votes
are, so neither the response nor its timing tells a reviewer anything about them.
"""
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (RESOLVED_OUTCOMES, Decision, DecisionEvent, Outcome, Pilot, Record, RecordStage, Review, Stage,
                      Verdict)
from ..models.reviews import Membership, Role
from ..core.rules import fulltext_outcome, outcome_from_verdicts, reviewer_seed, start_offset

# The signed 32-bit md5 prefix of "<review id>:<record id>": random-looking, stable, and the
# same whoever computes it.
_ORDER_KEY_SQL = "('x' || substr(md5(r.review_id::text || ':' || r.id::text), 1, 8))::bit(32)::int"


class RecordResolved(ValidationError):
    """A vote on a record whose outcome is final: only the lead can change it now."""


REASON_MISSING = "Choose a reason to exclude"


def _reason_error(message):
    """A refusal about the exclusion reason: the page marks the reason field with it."""
    return ValidationError({"reason": [message]})


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
        source = ("FROM screening_record r JOIN screening_import i ON i.id = r.source_import_id "
                  "AND i.status = 'imported' AND i.source IN ('database', 'register') "
                  "WHERE r.review_id = %(review)s "
                  "AND r.id > COALESCE((SELECT max(record_id) FROM screening_recordstage "
                  "WHERE review_id = %(review)s AND stage = %(stage)s), 0)")
    else:
        # Reports reach full-text screening once their full text is attached, in any order
        # of record ids, so there is no id cutoff; reports are few.
        source = ("FROM screening_record r JOIN screening_report rep ON rep.record_id = r.id "
                  "AND rep.status = 'retrieved' WHERE r.review_id = %(review)s")
    sql = f"""
        INSERT INTO screening_recordstage
            (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
        SELECT r.review_id, r.id, %(stage)s, {_ORDER_KEY_SQL}, 0, 'pending', '', ''
        {source}
        ON CONFLICT (record_id, stage) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"review": review.pk, "stage": stage})
        created = cursor.rowcount
    if created:
        cache.delete(_total_cache_key(review, stage))
    return created


def record_stages_add_import(*, item):
    """Put the records of a just-finished import into title/abstract screening. Called when
    the import finishes, so an import that finishes after a later one (a long PubMed
    download) is not skipped by record_stages_sync's "ids above the highest seen" shortcut."""
    sql = f"""
        INSERT INTO screening_recordstage
            (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
        SELECT r.review_id, r.id, %(stage)s, {_ORDER_KEY_SQL}, 0, 'pending', '', ''
        FROM screening_record r JOIN screening_import i ON i.id = r.source_import_id
        WHERE r.source_import_id = %(import)s AND i.source IN ('database', 'register')
        ON CONFLICT (record_id, stage) DO NOTHING
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"import": item.pk, "stage": Stage.TITLE_ABSTRACT})
        created = cursor.rowcount
    if created:
        cache.delete(_total_cache_key(item.review, Stage.TITLE_ABSTRACT))
    return created


def open_pilot(review, stage):
    return Pilot.objects.filter(review=review, stage=stage, closed_at__isnull=True).first()


# What every statement that hands a record (rs, r) to a reviewer requires of it: not merged
# into another record, not a notice linked to its article, not removed before screening,
# from a finished import, and not already claimed or decided by this reviewer.
_OPEN_TO_ME = """AND r.duplicate_of_id IS NULL AND r.notice_of_id IS NULL AND r.removed_reason = ''
          AND EXISTS (SELECT 1 FROM screening_import i WHERE i.id = r.source_import_id AND i.status = 'imported')
          AND NOT EXISTS (SELECT 1 FROM screening_decision d WHERE d.record_id = rs.record_id
                          AND d.stage = rs.stage AND d.reviewer_id = %(reviewer)s)"""


def _claim_sql(order_column, with_cursor):
    # The index recordstage_queue (or recordstage_review_record for import order) serves the
    # walk; with the cursor the first pending row is almost always free for this reviewer.
    # The cursor: the position of the reviewer's latest claim (index decision_reviewer_queue);
    # before their first claim, their evenly spaced starting point among the pending records
    # (index recordstage_queue). Both are InitPlans: evaluated once, the second only if needed.
    cursor_condition = f"""AND rs.{order_column} > COALESCE((
            SELECT mine.{order_column} FROM screening_decision d
            JOIN screening_recordstage mine ON mine.record_id = d.record_id AND mine.stage = d.stage
            WHERE d.reviewer_id = %(reviewer)s AND d.review_id = %(review)s AND d.stage = %(stage)s
            ORDER BY d.claimed_at DESC, d.id DESC LIMIT 1), (
            SELECT start.{order_column} - 1 FROM screening_recordstage start
            WHERE start.review_id = %(review)s AND start.stage = %(stage)s AND start.outcome = 'pending'
            ORDER BY start.{order_column} OFFSET %(start_offset)s LIMIT 1), -2147483648)""" if with_cursor else ""
    return f"""
        SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims FROM screening_recordstage rs
        JOIN screening_record r ON r.id = rs.record_id
        WHERE rs.review_id = %(review)s AND rs.stage = %(stage)s AND rs.outcome = 'pending'
          AND rs.claims < %(needed)s
          AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
          {cursor_condition}
          {_OPEN_TO_ME}
        ORDER BY rs.{order_column}
        LIMIT 1
        FOR UPDATE OF rs SKIP LOCKED
    """


_PILOT_SQL = """
    SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims FROM screening_recordstage rs
    JOIN screening_record r ON r.id = rs.record_id
    WHERE rs.pilot_id = %(open_pilot)s
      {open_to_me}
    ORDER BY rs.order_key
    LIMIT 1
    FOR UPDATE OF rs
""".format(open_to_me=_OPEN_TO_ME)


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
_PRIORITY_SQL = """
    SELECT r.*, rs.id AS record_stage_id, rs.claims AS stage_claims, pr.position AS priority_position,
           pr.score AS priority_score, pr.words AS priority_words
    FROM screening_priorityrank pr
    JOIN screening_recordstage rs ON rs.record_id = pr.record_id AND rs.stage = %(stage)s
    JOIN screening_record r ON r.id = rs.record_id
    WHERE pr.ranking_id = %(ranking)s AND rs.review_id = %(review)s AND rs.outcome = 'pending'
      AND rs.claims < %(needed)s
      AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
      {open_to_me}
    ORDER BY pr.position
    LIMIT 1
    FOR UPDATE OF rs SKIP LOCKED
""".format(open_to_me=_OPEN_TO_ME)


class QueueState:
    READY = "ready"
    PILOT_WAIT = "pilot_wait"  # this reviewer finished the pilot; the lead has not closed it
    DONE = "done"


@transaction.atomic
def screening_next(*, reviewer, review, stage=Stage.TITLE_ABSTRACT, ranking=None):
    """Return (record, state): see _next_record."""
    return _next_record(reviewer, review, stage, ranking)


def _next_record(reviewer, review, stage, ranking=None, *, hints=None):
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
    reviewer's empty decision, only while there is room unless `conditional` is False (pilot
    records), and raise the claim counter with it. Return the record with `claimed` False
    when it filled up meanwhile or the reviewer already holds it, or None.

    The reviewer may already hold the record: their other tab claimed it after this
    statement's snapshot was taken, so the pick could not see that claim. The insert then
    yields to the existing decision (ON CONFLICT, which sees committed rows, not the
    snapshot) and the counter, which moves only with an insert, stays as it is. The locked
    row's claim count is the latest committed one, so checking it before the insert is exact.
    """
    room = "WHERE pick.stage_claims < %(needed)s" if conditional else ""
    sql = f"""
        WITH pick AS ({pick_sql}),
        mine AS (
            INSERT INTO screening_decision (review_id, record_id, stage, reviewer_id, reason, note, claimed_at)
            SELECT %(review)s, pick.id, %(stage)s, %(reviewer)s, '', '', %(now)s FROM pick {room}
            ON CONFLICT DO NOTHING
            RETURNING record_id),
        bump AS (
            UPDATE screening_recordstage rs SET claims = rs.claims + 1 FROM pick, mine
            WHERE rs.id = pick.record_stage_id)
        SELECT pick.*, EXISTS (SELECT 1 FROM mine) AS claimed FROM pick
    """
    return next(iter(Record.objects.raw(sql, params)), None)


# Taking over a stale claim: another reviewer's claim on a pending record, not voted on and
# older than SCREENING_CLAIM_EXPIRES_MINUTES, on a record I have no decision on, outside the
# open pilot (every reviewer screens those, so nobody waits for a pilot record). The claim
# passes to me in one statement: the holder's empty decision is deleted and mine inserted, so
# the record's claim counter does not move and concurrent takers can never push it past its
# number. My decision is inserted first and the holder's deleted only with it: when my other
# tab took the record after this statement's snapshot, the insert yields (ON CONFLICT) and
# nothing moves. The holder's claim is locked by the pick, so its delete cannot miss.
# SKIP LOCKED passes over a record someone is voting on or taking right now, so the
# statement never waits on a lock (and cannot deadlock with a vote); a holder whose vote comes
# after it finds no claim. The scan starts from the partial index decision_open_claims.
# Only empty decisions are ever touched, so no vote is lost and none is read: which record is
# taken depends on claims and their age, never on a verdict.
_TAKE_OVER_SQL = """
    WITH pick AS (
        SELECT r.*, rs.id AS record_stage_id, stale.id AS stale_decision_id
        FROM screening_decision stale
        JOIN screening_recordstage rs ON rs.record_id = stale.record_id AND rs.stage = stale.stage
        JOIN screening_record r ON r.id = rs.record_id
        WHERE stale.review_id = %(review)s AND stale.stage = %(stage)s AND stale.verdict IS NULL
          AND stale.claimed_at < %(stale_before)s AND stale.reviewer_id <> %(reviewer)s
          AND rs.outcome = 'pending' AND (rs.pilot_id IS NULL OR rs.pilot_id <> %(open_pilot)s)
          {open_to_me}
        ORDER BY stale.claimed_at, stale.id
        LIMIT 1
        FOR UPDATE OF rs, stale SKIP LOCKED),
    mine AS (
        INSERT INTO screening_decision (review_id, record_id, stage, reviewer_id, reason, note, claimed_at)
        SELECT %(review)s, pick.id, %(stage)s, %(reviewer)s, '', '', %(now)s FROM pick
        ON CONFLICT DO NOTHING
        RETURNING record_id),
    released AS (
        DELETE FROM screening_decision d USING pick, mine
        WHERE d.id = pick.stale_decision_id AND d.verdict IS NULL
        RETURNING d.record_id)
    SELECT pick.*, EXISTS (SELECT 1 FROM released) AS claimed FROM pick
""".format(open_to_me=_OPEN_TO_ME)


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


def _needed(record_stage, review):
    if record_stage.pilot_id and record_stage.pilot.is_open:
        return record_stage.pilot.reviewers_needed
    return review.reviewers_per_record


def _outcome_of(votes, stage, needed, previous=Outcome.PENDING):
    """Return (outcome, resolution, final reason) from every (verdict, reason) vote on a record
    at `stage`, whose outcome was `previous`. At full text an agreed exclusion also sets the
    final reason (PRISMA counts per reason).

    A conflict stays a conflict, for the lead to resolve: once every vote was in and they
    disagreed, no reviewer's later change or undo resolves the record or reopens it. Otherwise
    a reviewer could change their vote to learn the other one (agreement would resolve the
    record before their eyes, while a change on a record awaiting a vote leaves it open)."""
    if previous == Outcome.CONFLICT:
        return Outcome.CONFLICT, "", ""
    if stage == Stage.FULL_TEXT:
        outcome, reason = fulltext_outcome(votes, needed)
    else:
        outcome = outcome_from_verdicts([v for v, _ in votes], needed)
        # At title/abstract different reasons are no conflict; one shared reason is kept.
        reasons = {r for v, r in votes if v}
        reason = reasons.pop() if outcome == Outcome.EXCLUDED and len(reasons) == 1 else ""
    agreed = outcome in (Outcome.INCLUDED, Outcome.EXCLUDED)
    return outcome, RecordStage.Resolution.AGREEMENT if agreed else "", reason


def _recompute_outcome(record_stage, review):
    """Set the outcome from the votes. Always the same two queries, whatever the votes."""
    votes = list(Decision.objects.filter(record_id=record_stage.record_id, stage=record_stage.stage)
                 .values_list("verdict", "reason"))
    outcome, resolution, reason = _outcome_of(votes, record_stage.stage, _needed(record_stage, review),
                                              record_stage.outcome)
    record_stage.outcome = outcome
    record_stage.resolution = resolution
    record_stage.resolved_at = timezone.now() if resolution else None
    record_stage.resolution_reason = reason
    record_stage.save(update_fields=["outcome", "resolution", "resolved_at", "resolution_reason"])


def _locked_stage(record, stage):
    return (RecordStage.objects.select_for_update(of=("self",)).select_related("pilot")
            .get(record=record, stage=stage))


class QueueHints(NamedTuple):
    """What a vote's last statement learnt for choosing the reviewer's next record, read after
    the vote's locks were taken, as the next-record step would read it."""

    pilot: Pilot | None  # the open pilot at this stage (only its id and holds_back_screening)
    open_claims: bool  # whether the reviewer holds any claim not voted on
    my_counts: dict  # the reviewer's decided records at this stage: {verdict: count}


class Voted(NamedTuple):
    decision: Decision
    record: Record | None  # the next record
    state: str  # QueueState
    my_counts: dict  # as QueueHints.my_counts, after the vote


@transaction.atomic
def decision_record(*, reviewer, review, record, stage=Stage.TITLE_ABSTRACT, verdict, reason="", note=""):
    """Record (or change) the reviewer's verdict on a record claimed for them, update the
    record's outcome and write the history. Raise Decision.DoesNotExist when the record was
    never claimed for this reviewer, and ValidationError once the record is resolved, or when
    the review requires a reason for an exclusion and none is given."""
    return _vote(reviewer, review, record.pk, stage, verdict, reason, note)[0]


@transaction.atomic
def decision_record_and_next(*, reviewer, review, record_id, stage=Stage.TITLE_ABSTRACT, verdict, reason="",
                             note="", ranking=None):
    """Record the vote (as decision_record) and return a Voted: the decision, the next record,
    the queue state and the reviewer's decided counts. One transaction without savepoints:
    the request a reviewer makes thousands of times pays for one commit and as few round
    trips as the guarantees allow. `ranking`: see _next_record."""
    decision, hints = _vote(reviewer, review, record_id, stage, verdict, reason, note)
    return Voted(decision, *_next_record(reviewer, review, stage, ranking, hints=hints), hints.my_counts)


def fulltext_reason_check(review, reason):
    """Raise ValidationError unless `reason` may exclude a report at full text: one of the
    review's exclusion reasons (any words when the lead has listed none)."""
    if not reason:
        raise _reason_error(f"{REASON_MISSING}: full-text exclusions need one of the review's reasons.")
    if review.exclusion_reasons and reason not in review.exclusion_reasons:
        raise _reason_error(f"“{reason}” is not one of this review's exclusion reasons; choose one of them.")


# A vote is three statements, the same three whatever the other votes on the record are.
# 1. Lock the record stage, then my decision on it (the order every writer locks them in, so
#    votes on one record queue up here), with the record's open pilot, if any.
_VOTE_LOCK_SQL = """
    SELECT rs.id, rs.outcome, rs.resolution, open_pilot.reviewers_needed,
           d.id, d.verdict, d.reason, d.note, d.claimed_at
    FROM screening_recordstage rs
    JOIN screening_decision d ON d.record_id = rs.record_id AND d.stage = rs.stage AND d.reviewer_id = %(reviewer)s
    LEFT JOIN screening_pilot open_pilot ON open_pilot.id = rs.pilot_id AND open_pilot.closed_at IS NULL
    WHERE rs.record_id = %(record)s AND rs.stage = %(stage)s AND rs.review_id = %(review)s
    FOR UPDATE OF rs, d
"""

# 2. Store my verdict and read every vote on the record. The locks are held, so this
#    statement's snapshot has every vote committed before mine; the other votes come from
#    that snapshot and mine from the UPDATE.
_VOTE_STORE_SQL = """
    WITH mine AS (
        UPDATE screening_decision SET verdict = %(verdict)s, reason = %(reason)s, note = %(note)s,
            decided_at = %(now)s
        WHERE id = %(decision)s
        RETURNING verdict, reason)
    SELECT verdict, reason FROM mine
    UNION ALL
    SELECT verdict, reason FROM screening_decision
    WHERE record_id = %(record)s AND stage = %(stage)s AND id <> %(decision)s
"""

# 3. Store the outcome (always, even when unchanged) and the history entry (when my vote
#    changed anything), and read what choosing my next record needs: the open pilot, whether
#    I hold claims not voted on, and my decided records by verdict for the card. Only my own
#    decisions are read: Decision.objects.visible_to shows every member their own.
_VOTE_OUTCOME_SQL = """
    WITH outcome AS (
        UPDATE screening_recordstage SET outcome = %(outcome)s, resolution = %(resolution)s,
            resolved_at = %(resolved_at)s, resolution_reason = %(resolution_reason)s
        WHERE id = %(record_stage)s){history}
    SELECT pilot.id, pilot.holds_back_screening,
           EXISTS (SELECT 1 FROM screening_decision d WHERE d.reviewer_id = %(reviewer)s
                   AND d.review_id = %(review)s AND d.stage = %(stage)s AND d.verdict IS NULL),
           mine.include, mine.exclude, mine.maybe
    FROM (SELECT count(*) FILTER (WHERE verdict = 'include') AS include,
                 count(*) FILTER (WHERE verdict = 'exclude') AS exclude,
                 count(*) FILTER (WHERE verdict = 'maybe') AS maybe
          FROM screening_decision
          WHERE reviewer_id = %(reviewer)s AND review_id = %(review)s AND stage = %(stage)s
            AND verdict IS NOT NULL) mine
    LEFT JOIN screening_pilot pilot ON pilot.review_id = %(review)s AND pilot.stage = %(stage)s
        AND pilot.closed_at IS NULL
"""
_HISTORY_CTE = """,
    history AS (
        INSERT INTO screening_decisionevent
            (review_id, record_id, stage, actor_id, at, kind, old_verdict, new_verdict, reason, note)
        VALUES (%(review)s, %(record)s, %(stage)s, %(reviewer)s, %(now)s, %(kind)s, %(old)s, %(verdict)s,
                %(reason)s, %(note)s))"""


def _vote(reviewer, review, record_id, stage, verdict, reason, note):
    """Return (decision, QueueHints); see decision_record."""
    if verdict not in Verdict.values:
        raise ValidationError(f"Unknown verdict {verdict!r}.")
    reason = (reason or "").strip()[:300]
    note = (note or "").strip()
    if (verdict == Verdict.EXCLUDE and not reason and stage == Stage.TITLE_ABSTRACT
            and review.reason_required_at_title_abstract):
        raise _reason_error(f"{REASON_MISSING}: this review asks for one at title and abstract.")
    if stage == Stage.FULL_TEXT and verdict == Verdict.EXCLUDE:
        fulltext_reason_check(review, reason)
    params = {"review": review.pk, "record": int(record_id), "stage": stage, "reviewer": reviewer.pk}
    with connection.cursor() as cursor:
        cursor.execute(_VOTE_LOCK_SQL, params)
        row = cursor.fetchone()
        if row is None:
            raise Decision.DoesNotExist("This record was never claimed for this reviewer.")
        (record_stage_id, outcome, resolution, pilot_needed,
         decision_id, old, old_reason, old_note, claimed_at) = row
        if resolution in (RecordStage.Resolution.LEAD_RESOLVED, RecordStage.Resolution.LEAD_ALONE) or (
            outcome in RESOLVED_OUTCOMES and old is not None
        ):
            raise RecordResolved("This record is resolved; only the lead can change its outcome now.")
        now = timezone.now()
        params.update(decision=decision_id, verdict=verdict, reason=reason, note=note, now=now)
        cursor.execute(_VOTE_STORE_SQL, params)
        votes = cursor.fetchall()
        outcome, resolution, final_reason = _outcome_of(votes, stage, pilot_needed or review.reviewers_per_record,
                                                        outcome)
        params.update(record_stage=record_stage_id, outcome=outcome, resolution=resolution,
                      resolved_at=now if resolution else None, resolution_reason=final_reason)
        changed = (old, old_reason, old_note) != (verdict, reason, note)
        if changed:
            params.update(kind=DecisionEvent.Kind.VOTE if old is None else DecisionEvent.Kind.CHANGE,
                          old=old or "")
        cursor.execute(_VOTE_OUTCOME_SQL.format(history=_HISTORY_CTE if changed else ""), params)
        pilot_id, holds_back, open_claims, *counts = cursor.fetchone()
    decision = Decision.from_db(
        connection.alias, ["id", "review_id", "record_id", "stage", "reviewer_id", "verdict", "reason", "note",
                           "claimed_at", "decided_at"],
        [decision_id, review.pk, int(record_id), stage, reviewer.pk, verdict, reason, note, claimed_at, now])
    pilot = Pilot(pk=pilot_id, review=review, stage=stage, holds_back_screening=holds_back) if pilot_id else None
    my_counts = {v: n for v, n in zip((Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE), counts) if n}
    return decision, QueueHints(pilot, open_claims, my_counts)


@transaction.atomic
def decision_undo_last(*, reviewer, review, stage=Stage.TITLE_ABSTRACT):
    """Take back the reviewer's latest vote on a record that is not resolved yet and return
    that record (it is the next one they see), or None when there is nothing to undo.

    The verdict taken back is read under the locks a vote takes (the record stage, then the
    decision), so the history records the verdict the undo replaced even when a vote or
    another undo on the same record committed just before. When another undo (the
    reviewer's other tab) took that vote back meanwhile, nothing is written and the record is
    returned as it stands: awaiting the reviewer's vote."""
    latest = (Decision.objects.decided()
              .filter(reviewer=reviewer, review=review, stage=stage)
              .order_by("-decided_at", "-id").select_related("record").first())
    if latest is None:
        return None
    record_stage = _locked_stage(latest.record, stage)
    old = Decision.objects.select_for_update().filter(pk=latest.pk).values_list("verdict", flat=True).first()
    if old is None:
        return latest.record
    if record_stage.is_resolved:
        return None
    Decision.objects.filter(pk=latest.pk).update(verdict=None, decided_at=None)
    _recompute_outcome(record_stage, review)
    DecisionEvent.objects.create(review=review, record=latest.record, stage=stage, actor=reviewer,
                                 kind=DecisionEvent.Kind.UNDO, old_verdict=old, new_verdict="")
    return latest.record


@transaction.atomic
def outcome_resolve(*, lead, review, record, stage=Stage.TITLE_ABSTRACT, verdict, reason=""):
    """Set the record's final outcome at `stage` by the lead: resolving a conflict, or
    deciding alone on any record (recorded as such). Only include or exclude are final."""
    if verdict not in (Verdict.INCLUDE, Verdict.EXCLUDE):
        raise ValidationError("A final decision is include or exclude.")
    reason = (reason or "").strip()[:300]
    if stage == Stage.FULL_TEXT and verdict == Verdict.EXCLUDE:
        fulltext_reason_check(review, reason)
    record_stage_sync_one(review=review, record=record, stage=stage)
    try:
        record_stage = _locked_stage(record, stage)
    except RecordStage.DoesNotExist:
        if stage == Stage.FULL_TEXT:
            # Only a report whose full text is attached is assessed at full text.
            raise ValidationError("Attach the full text of this report before deciding on it.") from None
        raise ValidationError("This record is not screened at title and abstract.") from None
    old = record_stage.outcome
    if old == Outcome.CONFLICT:
        resolution, kind = RecordStage.Resolution.LEAD_RESOLVED, DecisionEvent.Kind.RESOLVE
    else:
        resolution, kind = RecordStage.Resolution.LEAD_ALONE, DecisionEvent.Kind.LEAD_ALONE
    record_stage.outcome = Outcome.INCLUDED if verdict == Verdict.INCLUDE else Outcome.EXCLUDED
    record_stage.resolution = resolution
    record_stage.resolved_by = lead
    record_stage.resolved_at = timezone.now()
    record_stage.resolution_reason = reason
    # Open claims on the record are released: nobody needs to screen it any more.
    released = Decision.objects.open_claims().filter(record=record, stage=stage).delete()[0]
    record_stage.claims = max(record_stage.claims - released, 0)
    record_stage.save()
    DecisionEvent.objects.create(review=review, record=record, stage=stage, actor=lead, kind=kind,
                                 old_verdict=old, new_verdict=record_stage.outcome, reason=reason)
    return record_stage


@transaction.atomic
def decision_claims_release(*, review, reviewer):
    """Give back the records claimed for `reviewer` and not voted on (they left the review), so
    other reviewers can take them. Their votes stay."""
    open_claims = Decision.objects.open_claims().filter(review=review, reviewer=reviewer)
    record_ids = list(open_claims.values_list("record_id", flat=True))
    RecordStage.objects.filter(record_id__in=record_ids, claims__gt=0).update(claims=F("claims") - 1)
    return open_claims.delete()[0]


def record_stage_sync_one(*, review, record, stage):
    """Make sure one record has its RecordStage row (a lead may decide on a record that
    arrived after the last sync)."""
    if not RecordStage.objects.filter(record=record, stage=stage).exists():
        record_stages_sync(review=review, stage=stage)


@transaction.atomic
def pilot_start(*, review, created_by, size, stage=Stage.TITLE_ABSTRACT, holds_back_screening=True):
    """Pick `size` random records nobody has claimed yet for a pilot round every reviewer
    screens first. Refuse when a pilot is already open."""
    if open_pilot(review, stage) is not None:
        raise ValidationError("A pilot is already open; close it first.")
    if size < 1:
        raise ValidationError("A pilot needs at least one record.")
    record_stages_sync(review=review, stage=stage)
    reviewers = Membership.objects.active().filter(review=review, role=Role.REVIEWER).count()
    pilot = Pilot.objects.create(review=review, stage=stage, size=size, created_by=created_by,
                                 reviewers_needed=max(reviewers, 1), holds_back_screening=holds_back_screening)
    chosen = list(
        RecordStage.objects.for_stage(review, stage).in_screening()
        .filter(outcome=Outcome.PENDING, claims=0, pilot__isnull=True)
        .order_by("?").values_list("pk", flat=True)[:size]
    )
    RecordStage.objects.filter(pk__in=chosen).update(pilot=pilot)
    pilot.size = len(chosen)
    pilot.save(update_fields=["size"])
    DecisionEvent.objects.create(review=review, stage=stage, actor=created_by, kind=DecisionEvent.Kind.PILOT_START,
                                 note=f"{len(chosen)} records, {pilot.reviewers_needed} reviewers")
    return pilot


@transaction.atomic
def pilot_close(*, pilot, closed_by):
    """Close the pilot: full screening opens, and the pilot records' outcomes are recomputed
    with the review's usual number of reviewers per record."""
    pilot = Pilot.objects.select_for_update().get(pk=pilot.pk)
    if not pilot.is_open:
        return pilot
    pilot.closed_at = timezone.now()
    pilot.save(update_fields=["closed_at"])
    for record_stage in RecordStage.objects.select_for_update().select_related("pilot").filter(
            pilot=pilot, outcome__in=[Outcome.PENDING, Outcome.CONFLICT], resolved_by__isnull=True):
        _recompute_outcome(record_stage, pilot.review)
    DecisionEvent.objects.create(review=pilot.review, stage=pilot.stage, actor=closed_by,
                                 kind=DecisionEvent.Kind.PILOT_CLOSE)
    return pilot


def _total_cache_key(review, stage):
    return f"screening-total:{review.pk}:{stage}"


def records_in_stage_count(review, stage=Stage.TITLE_ABSTRACT):
    """Return how many records are to be screened at `stage`, cached for a minute: the
    screening card shows it after every vote and counting 100,000 rows each time is waste."""
    def count():
        return RecordStage.objects.for_stage(review, stage).in_screening().count()

    return cache.get_or_set(_total_cache_key(review, stage), count, 60)
