"""When the team may stop screening: the review's recall estimate for the lead, and the lead's
recorded decision to stop. The statistics are in screening.stopping (pure); this module only
reads the decisions in the order they were made and writes StopDecision rows.

The lead's estimate reads every decision of the stage (a lead may see them all: through
Decision.objects.visible_to with the lead's role). A record counts as screened from its first
decision; it counts as an include if its resolved outcome is include, or, while unresolved, if
any vote so far is include or maybe (the team will look at it). A reviewer's own estimate is on
their card, built by services.priority from their own decisions only.
"""
from django.db import transaction

from .. import stopping
from ..models import RESOLVED_OUTCOMES, Decision, Outcome, RecordStage, Role, Stage, StopDecision, Verdict

TA = Stage.TITLE_ABSTRACT


def review_screening_sequence(review, lead, *, stage=TA):
    """Return (include/exclude per screened record in the order first decided, records in the
    stage). ``lead`` must be a lead of the review: the sequence reads everyone's votes."""
    from .decisions import records_in_stage_count

    votes = (Decision.objects.visible_to(lead, review, role=Role.LEAD).decided().filter(stage=stage)
             .order_by("decided_at", "id").values_list("record_id", "verdict"))
    outcomes = dict(RecordStage.objects.for_stage(review, stage).filter(outcome__in=RESOLVED_OUTCOMES)
                    .values_list("record_id", "outcome"))
    order, include = [], {}
    for record_id, verdict in votes:
        if record_id not in include:
            order.append(record_id)
            include[record_id] = False
        include[record_id] |= verdict != Verdict.EXCLUDE
    decisions = [outcomes[r] == Outcome.INCLUDED if r in outcomes else include[r] for r in order]
    return decisions, records_in_stage_count(review, stage)


def review_recall(review, lead, *, stage=TA):
    """Return what the lead's dashboard shows about stopping: the estimate (or None before the
    first include), the random sample that would settle the question, the target and the
    method, and the stop decisions so far (latest first)."""
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
        "decisions": list(StopDecision.objects.filter(review=review, stage=stage).select_related("decided_by")),
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
