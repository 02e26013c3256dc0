"""When the team may stop screening: the review's recall estimate for the lead, and the lead's
recorded decision to stop. The statistics are in screening.core.stopping (pure); this module only
reads the decisions in the order they were made and writes StopDecision rows.

The lead's estimate reads every decision of the stage (a lead may see them all: through
Decision.objects.visible_to with the lead's role). A record counts as screened from its first
decision; it counts as an include if its resolved outcome is include, or, while unresolved, if
any vote so far is include or maybe (the team will look at it). A reviewer's own estimate is on
their card, built by services.priority from their own decisions only.
"""
from django.core.exceptions import ValidationError
from django.db import transaction

from ..core import stopping
from ..models import RESOLVED_OUTCOMES, Decision, DecisionEvent, Job, Outcome, RecordStage, Role, Stage
from ..models import StopDecision, Verdict
from ..selectors.stopping import SECOND_LOOK_JOB, SECOND_LOOK_KEEP_REASON, SECOND_LOOK_REASON
from ..selectors.stopping import second_look_digest, second_look_job_latest, second_look_resolved

TA = Stage.TITLE_ABSTRACT


def review_screening_sequence(review, lead, *, stage=TA):
    """Return (include/exclude per screened record in the order first decided, records in the
    stage). ``lead`` must be a lead of the review: the sequence reads everyone's votes."""
    from .queue import records_in_stage_count

    votes = (Decision.objects.visible_to(lead, review, role=Role.LEAD).decided().filter(stage=stage)
             .values_list("decided_at", "id", "record_id", "verdict"))
    resolved = list(RecordStage.objects.for_stage(review, stage).filter(outcome__in=RESOLVED_OUTCOMES)
                    .values_list("resolved_at", "record_id", "outcome"))
    outcomes = {record_id: outcome for _, record_id, outcome in resolved}
    # A record decided by the lead alone has no vote: it counts as screened when it was resolved.
    events = sorted([(at, 0, pk, record_id, verdict != Verdict.EXCLUDE) for at, pk, record_id, verdict in votes]
                    + [(at, 1, 0, record_id, False) for at, record_id, _ in resolved if at is not None],
                    key=lambda event: event[:3])
    order, include = [], {}
    for *_, record_id, is_include in events:
        if record_id not in include:
            order.append(record_id)
            include[record_id] = False
        include[record_id] |= is_include
    decisions = [outcomes[r] == Outcome.INCLUDED if r in outcomes else include[r] for r in order]
    return decisions, records_in_stage_count(review, stage)


def review_recall(review, lead, *, stage=TA, with_decisions=True):
    """Return what the lead's dashboard shows about stopping: the estimate (or None before the
    first include), the random sample that would settle the question, the target and the
    method, and the stop decisions so far (latest first; left out without ``with_decisions``)."""
    decisions, n_records = review_screening_sequence(review, lead, stage=stage)
    target, confidence = review.stop_target_recall / 100, review.stop_confidence / 100
    estimate = stopping.ranked_hypergeometric(decisions, n_records, target=target, confidence=confidence)
    found = sum(decisions)
    unscreened = n_records - len(decisions)
    sample = None
    if estimate is not None and not estimate.stop and unscreened:
        sample = stopping.sample_size_needed(found, unscreened, target=target, confidence=confidence)
    return {
        "estimate": estimate, "screened": len(decisions), "unscreened": unscreened, "found": found,
        "sample_needed": sample, "target": review.stop_target_recall, "confidence": review.stop_confidence,
        "method": stopping.METHOD_NAME,
        "decisions": list(StopDecision.objects.filter(review=review, stage=stage).select_related("decided_by"))
        if with_decisions else [],
    }


def stop_decision_record(*, review, lead, count_unscreened_as_automation=False, note="", stage=TA):
    """Record the lead's decision to stop screening, with the estimate as of now; return it.

    The decision is the lead's whatever the rule says: ``target_met`` records whether the rule
    agreed. Raise ValueError if nothing has been screened yet."""
    recall = review_recall(review, lead, stage=stage)
    if recall["screened"] == 0:
        raise ValueError("Nothing has been screened yet: there is no estimate to stop on.")
    estimate = recall["estimate"]
    with transaction.atomic():
        return StopDecision.objects.create(
            review=review, stage=stage, decided_by=lead, screened=recall["screened"],
            unscreened=recall["unscreened"], includes_found=recall["found"],
            recall_estimate=estimate.recall if estimate else None,
            recall_low=estimate.low if estimate else None,
            recall_high=estimate.high if estimate else None,
            recall_lower_bound=estimate.lower_bound if estimate else None,
            target_recall=review.stop_target_recall, confidence=review.stop_confidence,
            target_met=bool(estimate and estimate.stop), method=stopping.METHOD_NAME,
            count_unscreened_as_automation=count_unscreened_as_automation, note=note.strip(),
        )


def second_look_job(job, progress):
    """Rank the records excluded at title/abstract for the second look (a Job handler): every
    resolved record is scored by a model trained on the other nine tenths (screening.core.second_look),
    and the excluded ones are stored best first on the job's result with the digest of the
    outcomes they were ranked from (selectors.stopping.second_look reads it). Older second-look
    jobs drop their rankings: only the latest is read."""
    import time

    from .. import ranking as ranker
    from ..core import second_look as looker
    from .priority import review_features

    started = time.process_time()
    review = job.review
    progress(0, 3, "Reading the resolved outcomes and the records' words…", force=True)
    resolved = second_look_resolved(review)
    digest = second_look_digest(review, resolved)
    result = {"digest": digest, "ids": [], "scores": []}
    try:
        features, record_ids = review_features(review)
    except ValueError:
        return {**result, "empty_reason": "The records have no words to rank them by.",
                "message": "The records have no words to rank them by."}
    row_of = {record_id: row for row, record_id in enumerate(record_ids)}
    labels = {row_of[r]: outcome == Outcome.INCLUDED for r, (outcome, _) in resolved.items() if r in row_of}
    if not ranker.can_rank(labels):
        reason = "The second look needs at least one resolved include and one resolved exclude."
        return {**result, "empty_reason": reason, "message": reason}
    progress(1, 3, f"Scoring {len(labels):,} resolved records by 10-fold cross-validation…", force=True)
    scores = looker.cross_validated_scores(features, labels)
    progress(2, 3, "Storing the ranking…", force=True)
    order = sorted((row for row, included in labels.items() if not included), key=lambda row: (-scores[row], row))
    seconds = time.process_time() - started
    Job.objects.filter(review=review, kind=SECOND_LOOK_JOB).exclude(pk=job.pk).exclude(result={}).update(result={})
    return {**result, "ids": [record_ids[row] for row in order],
            # Rounded: the page shows two decimals, and the row stays small at 100,000 records.
            "scores": [round(scores[row], 4) if scores[row] != float("-inf") else -1e9 for row in order],
            "seconds": round(seconds, 2),
            "message": f"Ranked {len(order):,} excluded records in {seconds:.1f} s (CPU)."}


def second_look_rank_start(*, review, lead):
    """Start ranking the exclusions for the second look unless a ranking job is already on its
    way; return the job (new or already queued)."""
    from .jobs import job_create

    job = second_look_job_latest(review)
    if job is not None and not job.is_finished and not job.is_stalled:
        return job
    return job_create(kind=SECOND_LOOK_JOB, review=review, created_by=lead,
                      message="Waiting for a worker to rank the exclusions…")


def _excluded_stage(record, stage):
    """Lock and return the record's stage row; refuse unless the record is excluded there."""
    stage_row = RecordStage.objects.select_for_update().filter(record=record, stage=stage).first()
    if stage_row is None or stage_row.outcome != Outcome.EXCLUDED:
        raise ValidationError("This record is no longer excluded at title and abstract.")
    return stage_row


def second_look_include(*, review, lead, record, stage=TA):
    """Include, after all, a record excluded at title/abstract (the lead's decision, in the
    history). Refuse a record that is not excluded (already included, or never resolved)."""
    from .decisions import outcome_resolve

    with transaction.atomic():
        _excluded_stage(record, stage)
        return outcome_resolve(lead=lead, review=review, record=record, stage=stage, verdict=Verdict.INCLUDE,
                               reason=SECOND_LOOK_REASON)


def second_look_keep(*, review, lead, record, stage=TA):
    """Record that the lead looked again at a record excluded at title/abstract and keeps it
    excluded: it leaves the second look's list, and the history says who and when. The outcome
    does not change. Refuse a record that is not excluded, or already kept since it was resolved."""
    with transaction.atomic():
        stage_row = _excluded_stage(record, stage)
        kept = DecisionEvent.objects.filter(record=record, stage=stage, kind=DecisionEvent.Kind.SECOND_LOOK_KEEP)
        if stage_row.resolved_at is not None:
            kept = kept.filter(at__gte=stage_row.resolved_at)
        if kept.exists():
            raise ValidationError("This record was already kept excluded after a second look.")
        return DecisionEvent.objects.create(review=review, record=record, stage=stage, actor=lead,
                                            kind=DecisionEvent.Kind.SECOND_LOOK_KEEP,
                                            old_verdict=Outcome.EXCLUDED, new_verdict=Outcome.EXCLUDED,
                                            reason=SECOND_LOOK_KEEP_REASON)
