"""When the team may stop screening: the review's recall estimate for the lead, and the lead's
recorded decision to stop. The statistics are in screening.core.stopping (pure); this module only
reads the decisions in the order they were made and writes StopDecision rows.

The lead's estimate reads every decision of the stage (a lead may see them all: through
Decision.objects.visible_to with the lead's role). A record counts as screened from its first
decision; it counts as an include if its resolved outcome is include, or, while unresolved, if
any vote so far is include or maybe (the team will look at it). A reviewer's own estimate is on
their card, built by services.priority from their own decisions only.
"""
from django.db import transaction

from ..core import stopping
from ..models import RESOLVED_OUTCOMES, Decision, Outcome, RecordStage, Role, Stage, StopDecision, Verdict

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


SECOND_LOOK_REASON = "Second look: included by the lead"


def second_look(review, *, limit=50, stage=TA):
    """Return the records excluded at title/abstract that a model trained without their own label
    ranks as most likely relevant (screening.core.second_look), best first, at most ``limit``.

    Built from resolved outcomes only (public to the team): no reviewer's open vote enters, so the
    page cannot reveal one. Returns {"records": [...], "excluded": n, "message": why empty}."""
    from .. import ranking as ranker
    from ..core import second_look as looker
    from ..models import Record
    from .priority import review_features

    outcomes = dict(RecordStage.objects.for_stage(review, stage).filter(outcome__in=RESOLVED_OUTCOMES)
                    .values_list("record_id", "outcome"))
    excluded = sum(outcome == Outcome.EXCLUDED for outcome in outcomes.values())
    empty = {"records": [], "excluded": excluded}
    if not outcomes:
        return {**empty, "message": "No record is resolved yet."}
    try:
        features, record_ids = review_features(review)
    except ValueError:
        return {**empty, "message": "The records have no words to rank them by."}
    row_of = {record_id: row for row, record_id in enumerate(record_ids)}
    labels = {row_of[r]: outcome == Outcome.INCLUDED for r, outcome in outcomes.items() if r in row_of}
    if not ranker.can_rank(labels):
        return {**empty, "message": "The second look needs at least one resolved include and one resolved exclude."}
    scores = looker.cross_validated_scores(features, labels)
    order = sorted((row for row, included in labels.items() if not included), key=lambda row: (-scores[row], row))
    top = [record_ids[row] for row in order[:limit]]
    by_id = Record.objects.in_bulk(top)
    return {"records": [(by_id[r], scores[row_of[r]]) for r in top], "excluded": excluded, "message": ""}


def second_look_include(*, review, lead, record, stage=TA):
    """Include, after all, a record excluded at title/abstract (the lead's decision, in the history)."""
    from .decisions import outcome_resolve

    return outcome_resolve(lead=lead, review=review, record=record, stage=stage, verdict=Verdict.INCLUDE,
                           reason=SECOND_LOOK_REASON)
