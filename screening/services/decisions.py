"""Screening writes: votes, undo, the lead's resolutions and pilot rounds. Stage-generic: the
full-text stage uses the same functions. Which record a reviewer screens next, and claiming
it, is the claim engine's (services/queue.py); a vote hands over to it for the next record.

Every function that reads other reviewers' votes runs the same queries whatever those votes
are, so neither the response nor its timing tells a reviewer anything about them. A record's
outcome is computed in one place (_outcome_fields), whether the votes were read by the vote's
SQL or by the ORM (undo, closing a pilot).
"""
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import RESOLVED_OUTCOMES, Decision, DecisionEvent, Outcome, Pilot, Record, RecordStage, Stage, Verdict
from ..models.reviews import Membership, Role
from ..core.rules import fulltext_outcome, outcome_from_verdicts
from .queue import QueueHints, claim_next, open_pilot, record_stage_sync_one, record_stages_sync

_RECORD_STAGE = RecordStage._meta.db_table
_DECISION = Decision._meta.db_table
_PILOT = Pilot._meta.db_table
_EVENT = DecisionEvent._meta.db_table
_INCLUDE, _EXCLUDE, _MAYBE = Verdict.INCLUDE.value, Verdict.EXCLUDE.value, Verdict.MAYBE.value


class RecordResolved(ValidationError):
    """A vote on a record whose outcome is final: only the lead can change it now."""


REASON_MISSING = "Choose a reason to exclude"


def _reason_error(message):
    """A refusal about the exclusion reason: the page marks the reason field with it."""
    return ValidationError({"reason": [message]})


def _needed(record_stage, review):
    if record_stage.pilot_id and record_stage.pilot.is_open:
        return record_stage.pilot.reviewers_needed
    return review.reviewers_per_record


def _outcome_fields(votes, stage, needed, previous, now):
    """Return the record stage's stored outcome fields (outcome, resolution, resolved_at,
    resolution_reason) from every (verdict, reason) vote on the record at `stage`, whose outcome
    was `previous`. At full text an agreed exclusion also sets the final reason (PRISMA counts
    per reason).

    A conflict stays a conflict, for the lead to resolve: once every vote was in and they
    disagreed, no reviewer's later change or undo resolves the record or reopens it. Otherwise
    a reviewer could change their vote to learn the other one (agreement would resolve the
    record before their eyes, while a change on a record awaiting a vote leaves it open)."""
    if previous == Outcome.CONFLICT:
        outcome, reason = Outcome.CONFLICT, ""
    elif stage == Stage.FULL_TEXT:
        outcome, reason = fulltext_outcome(votes, needed)
    else:
        outcome = outcome_from_verdicts([v for v, _ in votes], needed)
        # At title/abstract different reasons are no conflict; one shared reason is kept.
        reasons = {r for v, r in votes if v}
        reason = reasons.pop() if outcome == Outcome.EXCLUDED and len(reasons) == 1 else ""
    agreed = outcome in (Outcome.INCLUDED, Outcome.EXCLUDED)
    return {"outcome": outcome, "resolution": RecordStage.Resolution.AGREEMENT if agreed else "",
            "resolved_at": now if agreed else None, "resolution_reason": reason}


def _recompute_outcome(record_stage, review):
    """Set the outcome from the votes. Always the same two queries, whatever the votes."""
    votes = list(Decision.objects.filter(record_id=record_stage.record_id, stage=record_stage.stage)
                 .values_list("verdict", "reason"))
    fields = _outcome_fields(votes, record_stage.stage, _needed(record_stage, review), record_stage.outcome,
                             timezone.now())
    for name, value in fields.items():
        setattr(record_stage, name, value)
    record_stage.save(update_fields=list(fields))


def _locked_stage(record, stage):
    return (RecordStage.objects.select_for_update(of=("self",)).select_related("pilot")
            .get(record=record, stage=stage))


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
    trips as the guarantees allow. `ranking`: see claim_next."""
    decision, hints = _vote(reviewer, review, record_id, stage, verdict, reason, note)
    return Voted(decision, *claim_next(reviewer, review, stage, ranking, hints=hints), hints.my_counts)


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
_VOTE_LOCK_SQL = f"""
    SELECT rs.id, rs.outcome, rs.resolution, open_pilot.reviewers_needed,
           d.id, d.verdict, d.reason, d.note, d.claimed_at
    FROM {_RECORD_STAGE} rs
    JOIN {_DECISION} d ON d.record_id = rs.record_id AND d.stage = rs.stage AND d.reviewer_id = %(reviewer)s
    LEFT JOIN {_PILOT} open_pilot ON open_pilot.id = rs.pilot_id AND open_pilot.closed_at IS NULL
    WHERE rs.record_id = %(record)s AND rs.stage = %(stage)s AND rs.review_id = %(review)s
    FOR UPDATE OF rs, d
"""

# 2. Store my verdict and read every vote on the record. The locks are held, so this
#    statement's snapshot has every vote committed before mine; the other votes come from
#    that snapshot and mine from the UPDATE.
_VOTE_STORE_SQL = f"""
    WITH mine AS (
        UPDATE {_DECISION} SET verdict = %(verdict)s, reason = %(reason)s, note = %(note)s,
            decided_at = %(now)s
        WHERE id = %(decision)s
        RETURNING verdict, reason)
    SELECT verdict, reason FROM mine
    UNION ALL
    SELECT verdict, reason FROM {_DECISION}
    WHERE record_id = %(record)s AND stage = %(stage)s AND id <> %(decision)s
"""

# 3. Store the outcome (always, even when unchanged) and the history entry (when my vote
#    changed anything), and read what choosing my next record needs: the open pilot, whether
#    I hold claims not voted on, and my decided records by verdict for the card. Only my own
#    decisions are read: Decision.objects.visible_to shows every member their own.
_VOTE_OUTCOME_SQL = f"""
    WITH outcome AS (
        UPDATE {_RECORD_STAGE} SET outcome = %(outcome)s, resolution = %(resolution)s,
            resolved_at = %(resolved_at)s, resolution_reason = %(resolution_reason)s
        WHERE id = %(record_stage)s){{history}}
    SELECT pilot.id, pilot.holds_back_screening,
           EXISTS (SELECT 1 FROM {_DECISION} d WHERE d.reviewer_id = %(reviewer)s
                   AND d.review_id = %(review)s AND d.stage = %(stage)s AND d.verdict IS NULL),
           mine.include, mine.exclude, mine.maybe
    FROM (SELECT count(*) FILTER (WHERE verdict = '{_INCLUDE}') AS include,
                 count(*) FILTER (WHERE verdict = '{_EXCLUDE}') AS exclude,
                 count(*) FILTER (WHERE verdict = '{_MAYBE}') AS maybe
          FROM {_DECISION}
          WHERE reviewer_id = %(reviewer)s AND review_id = %(review)s AND stage = %(stage)s
            AND verdict IS NOT NULL) mine
    LEFT JOIN {_PILOT} pilot ON pilot.review_id = %(review)s AND pilot.stage = %(stage)s
        AND pilot.closed_at IS NULL
"""
_HISTORY_CTE = f""",
    history AS (
        INSERT INTO {_EVENT}
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
        params.update(record_stage=record_stage_id,
                      **_outcome_fields(votes, stage, pilot_needed or review.reviewers_per_record, outcome, now))
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
def claims_release(*, review, reviewer):
    """Give back the records claimed for `reviewer` and not voted on (they left the review), so
    other reviewers can take them. Their votes stay."""
    open_claims = Decision.objects.open_claims().filter(review=review, reviewer=reviewer)
    record_ids = list(open_claims.values_list("record_id", flat=True))
    RecordStage.objects.filter(record_id__in=record_ids, claims__gt=0).update(claims=F("claims") - 1)
    return open_claims.delete()[0]


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

