"""Stopping reads: the lead's recall estimate on the dashboard and the second look at the records
excluded at title/abstract.

The second look's ranking (10-fold cross-validation over every resolved record, seconds at 10,000
records) is computed by a background job (services.stopping.second_look_job) and stored on its
Job row with a digest of what it was computed from. A page only reads that row: fresh while the
digest matches the resolved outcomes as they are now, otherwise shown as it was (less the records
handled since) while the next job runs.
"""
import hashlib

from django.core.cache import cache

from ..models import RESOLVED_OUTCOMES, DecisionEvent, Job, Outcome, Record, RecordStage, Stage

TA = Stage.TITLE_ABSTRACT
SECOND_LOOK_JOB = "second_look"
SECOND_LOOK_REASON = "Second look: included by the lead"
SECOND_LOOK_KEEP_REASON = "Second look: kept excluded by the lead"
# Long enough for a dashboard left open and polling; short enough that an estimate whose key
# missed a change (none known) would not outlive a working day.
RECALL_CACHE_SECONDS = 6 * 3600


def stopping_dashboard(review, membership):
    """Return the stopping panel's numbers for a lead; nothing for a reviewer, whose own
    estimate is on their screening card (the review-wide one reads everyone's votes)."""
    if membership.role != "lead":
        return {}
    return {"stopping": review_recall_cached(review, membership.user)}


def review_recall_cached(review, lead, *, stage=TA):
    """Return services.stopping.review_recall's panel, its estimate computed once per state of
    the screening: every vote, change, undo and resolution appends a DecisionEvent, and imports,
    removals and merges change the number of records in the stage, so the key holds the
    review's history length and latest entry, that number and the target. The stop decisions
    are read fresh every time (one small query)."""
    from ..models import StopDecision
    from ..services import stopping as stopping_services
    from ..services.queue import records_in_stage_count

    events = DecisionEvent.objects.filter(review=review)
    latest = events.order_by("-at", "-id").values_list("id", flat=True).first()
    # The review's creation time too: a database recreated (tests, a restore) reuses review ids.
    key = (f"review-recall:{review.pk}:{review.created_at.timestamp()}:{stage}:{events.count()}:{latest}:"
           f"{records_in_stage_count(review, stage)}:{review.stop_target_recall}:{review.stop_confidence}")
    recall = cache.get(key)
    if recall is None:
        recall = stopping_services.review_recall(review, lead, stage=stage, with_decisions=False)
        cache.set(key, recall, RECALL_CACHE_SECONDS)
    recall["decisions"] = list(StopDecision.objects.filter(review=review, stage=stage).select_related("decided_by"))
    return recall


def second_look_resolved(review, stage=TA):
    """Return {record id: (outcome, resolved_at)} for every resolved record of the stage."""
    return {record_id: (outcome, at) for record_id, outcome, at in
            RecordStage.objects.for_stage(review, stage).filter(outcome__in=RESOLVED_OUTCOMES)
            .values_list("record_id", "outcome", "resolved_at")}


def second_look_digest(review, resolved, stage=TA):
    """Return a digest of what the second look's ranking is computed from: the review's records
    (their words make the features) and every resolved outcome. Open votes are not in it."""
    from ..services.priority import _fingerprint

    record_ids = list(Record.objects.imported().filter(review=review).order_by("id").values_list("id", flat=True))
    digest = hashlib.sha1(f"{stage}:{_fingerprint(review, record_ids)}:".encode())
    for record_id in sorted(resolved):
        digest.update(f"{record_id}{'+' if resolved[record_id][0] == Outcome.INCLUDED else '-'}".encode())
    return digest.hexdigest()[:20]


def second_look_kept(review, resolved, stage=TA):
    """Return the ids of the excluded records the lead kept excluded after a second look since
    they were last resolved (a record resolved again is looked at again)."""
    kept = set()
    for record_id, at in (DecisionEvent.objects.filter(review=review, stage=stage,
                                                      kind=DecisionEvent.Kind.SECOND_LOOK_KEEP)
                          .values_list("record_id", "at")):
        outcome, resolved_at = resolved.get(record_id, (None, None))
        if outcome == Outcome.EXCLUDED and (resolved_at is None or at >= resolved_at):
            kept.add(record_id)
    return kept


def second_look_job_latest(review):
    """Return the review's latest second-look job, or None."""
    return (Job.objects.filter(review=review, kind=SECOND_LOOK_JOB).defer("result")
            .order_by("-created_at", "-id").first())


def second_look_ranking_latest(review):
    """Return the latest finished ranking's result ({"digest", "ids", "scores", ...}), or None."""
    job = (Job.objects.filter(review=review, kind=SECOND_LOOK_JOB, status=Job.Status.SUCCEEDED)
           .exclude(result={}).order_by("-finished_at", "-id").only("result").first())
    return job.result if job else None


def second_look(review, *, limit=50, stage=TA):
    """Return the second look at the records excluded at title/abstract: the ones a model trained
    without their own label ranks most likely relevant, best first, at most ``limit``, less those
    the lead has kept excluded since.

    Built from resolved outcomes only (public to the team): no reviewer's open vote enters, so the
    page cannot reveal one. Returns {"records": [(record, score)], "excluded", "kept", "remaining",
    "message" (why there is no list), "fresh" (the ranking is of the outcomes as they are now),
    "job" (the latest ranking job, to show its progress), "needs_job" (no job is on its way)}."""
    resolved = second_look_resolved(review, stage)
    excluded = sum(outcome == Outcome.EXCLUDED for outcome, _ in resolved.values())
    kept = second_look_kept(review, resolved, stage)
    look = {"records": [], "excluded": excluded, "kept": len(kept), "remaining": excluded - len(kept),
            "message": "", "fresh": False, "job": None, "needs_job": False}
    if not resolved:
        return {**look, "message": "No record is resolved yet."}
    if not excluded or excluded == len(resolved):
        return {**look, "message": "The second look needs at least one resolved include and one resolved exclude."}
    ranking = second_look_ranking_latest(review)
    look["fresh"] = bool(ranking) and ranking.get("digest") == second_look_digest(review, resolved, stage)
    if not look["fresh"]:
        job = second_look_job_latest(review)
        look["job"] = job
        look["needs_job"] = job is None or job.is_finished or job.is_stalled
    if ranking and ranking.get("empty_reason") and look["fresh"]:
        return {**look, "message": ranking["empty_reason"]}
    if not ranking:
        return look
    top = []
    for record_id, score in zip(ranking["ids"], ranking["scores"]):
        if record_id not in kept and resolved.get(record_id, (None,))[0] == Outcome.EXCLUDED:
            top.append((record_id, score))
            if len(top) == limit:
                break
    by_id = Record.objects.in_bulk([record_id for record_id, _ in top])
    look["records"] = [(by_id[record_id], score) for record_id, score in top if record_id in by_id]
    return look


def second_look_found(review, stage=TA):
    """Return (records included after a second look, records kept excluded after one): what the
    methods text reports."""
    events = DecisionEvent.objects.filter(review=review, stage=stage)
    return (events.filter(reason=SECOND_LOOK_REASON).count(),
            events.filter(kind=DecisionEvent.Kind.SECOND_LOOK_KEEP).values("record_id").distinct().count())
