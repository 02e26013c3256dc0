"""Priority screening in the app: what each reviewer's ranking learns from, retraining it in
the background, and the cached features it is trained on. The model itself is the pure
screening/ranking/.

Blinding. Reviewer B's ranking is trained on exactly two things:
  1. B's own decisions at this stage (include and maybe count as include, exclude as exclude),
     read through Decision.objects.visible_to and filtered to B;
  2. the outcomes of records already resolved at this stage (included or excluded), which
     visible_to already shows every member, so they are unblinded by definition.
A pending vote of another reviewer A enters neither: it changes B's labels only when it
resolves a record, and resolution is public. On a record B voted on, an agreement resolves it
to B's own vote (no change); a disagreement or a maybe is a conflict, which is not resolved.
So B's ranking is the same whether or not A has voted (tests/test_services_priority.py proves it).
Retraining is triggered by B's own decision count only, and B's retrain job is created with no
review attached, so no page lists it (its timing would tell others B's pace).

How the order composes with assignment (services.queue.claim_next): B is served the
best-ranked record of B's own ranking that the assignment lets B claim: pending, fewer than
`reviewers_per_record` claims, not claimed by B, not in an open pilot. Those filters read other
reviewers' claims (which records they were handed), never their votes, exactly as the random
and import orders already do; and a record leaves "pending" only when it is resolved (public)
or in conflict, which needs every one of its reviewers' votes, so it was full and skipped
anyway. B's order is therefore B's model composed with claim counts, and neither depends on
another reviewer's pending votes.

Latency. The reviewer is always served from the latest finished ranking (PriorityRank rows
walked by an index, inside the claim query); training never runs in a request. A request
only compares two counters and, every `priority_retrain_every` decisions, enqueues a job.
"""
import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .. import ranking as ranker
from ..core import stopping
from ..models import (RESOLVED_OUTCOMES, Decision, Import, Outcome, PriorityRank, PriorityRanking, Record, RecordStage,
                      Review, Stage, Verdict)
from .jobs import JobError, job_create

RETRAIN = "priority_retrain"
# Positions that get their explaining words stored: a reviewer screens
# `priority_retrain_every` records (plus any others took meanwhile) before the next ranking.
WORDS_FOR_TOP = 300
WORDS_PER_RECORD = 3


def priority_applies(review, stage):
    """Return True when the review's queue at `stage` is in priority order. Only title and
    abstract screening is ranked; later stages keep the random order."""
    return review.order == Review.Order.PRIORITY and stage == Stage.TITLE_ABSTRACT


def ranking_of(reviewer, review, stage=Stage.TITLE_ABSTRACT):
    """Return the reviewer's PriorityRanking row, or None before their first request."""
    return PriorityRanking.objects.filter(review=review, reviewer=reviewer, stage=stage).first()


# --- Requesting a retrain (runs in the request: two counters, at most two writes) ----------

def cold_start_over(review, includes, excludes):
    """Return True once the reviewer's own decisions allow a ranking (the review's cold-start
    setting; Maybe counts as include)."""
    return (includes >= max(review.priority_min_includes, 1)
            and excludes >= max(review.priority_min_excludes, 1))


def priority_retrain_if_due(*, reviewer, review, stage=Stage.TITLE_ABSTRACT, ranking, includes, excludes):
    """Request a retrain of the reviewer's ranking when it is due, and return the job or None.

    Due: priority order is on, the cold start is over, and the reviewer has made
    `priority_retrain_every` decisions since the last request (or there was none). The
    counts are the reviewer's own decided records, which the screening card has already
    read. The request is a conditional UPDATE on the ranking row, so a double submit or two
    tabs start one job; the job is enqueued when the transaction commits.
    """
    if not priority_applies(review, stage) or not cold_start_over(review, includes, excludes):
        return None
    decided = includes + excludes
    if ranking is None:
        ranking, _ = PriorityRanking.objects.get_or_create(review=review, reviewer=reviewer, stage=stage)
    elif ranking.requested_job_id is not None and decided < ranking.requested_at_decisions + max(
            review.priority_retrain_every, 1):
        return None
    with transaction.atomic():
        claimed = PriorityRanking.objects.filter(
            pk=ranking.pk, requested_at_decisions=ranking.requested_at_decisions,
            requested_job=ranking.requested_job_id,
        ).update(requested_at_decisions=decided)
        if claimed != 1:
            return None
        # No review on the job: job pages list a review's jobs to every member.
        job = job_create(kind=RETRAIN, created_by=reviewer, params={"ranking": ranking.pk},
                         message="Updating a ranking…")
        PriorityRanking.objects.filter(pk=ranking.pk).update(requested_job=job)
    ranking.requested_at_decisions, ranking.requested_job = decided, job
    return job


# --- What the model learns from --------------------------------------------------------------

def training_labels(*, reviewer, review, stage=Stage.TITLE_ABSTRACT):
    """Return (labels, own_in_order, resolved): labels maps record id -> include (True) or
    exclude (False) from the reviewer's own decisions and the resolved outcomes (the outcome
    wins on a record both cover: it is the better label and it is public); own_in_order is
    the reviewer's own decisions as include/exclude in the order they were served;
    resolved counts the resolved records the reviewer did not decide. See the module
    docstring for why nothing else may enter."""
    own = list(Decision.objects.visible_to(reviewer, review).decided()
               .filter(reviewer=reviewer, stage=stage).order_by("claimed_at", "id")
               .values_list("record_id", "verdict"))
    labels = {record_id: verdict != Verdict.EXCLUDE for record_id, verdict in own}
    own_in_order = [labels[record_id] for record_id, _ in own]
    resolved = 0
    for record_id, outcome in (RecordStage.objects.for_stage(review, stage)
                               .filter(outcome__in=RESOLVED_OUTCOMES).values_list("record_id", "outcome")):
        resolved += record_id not in labels
        labels[record_id] = outcome == Outcome.INCLUDED
    return labels, own_in_order, resolved


# --- Features, computed once per set of records -------------------------------------------

_IN_MEMORY = {}  # (review id, fingerprint) -> (features, record ids); the worker keeps the latest


def features_folder(review):
    return Path(settings.MEDIA_ROOT) / "ranking" / f"review-{review.pk}"


def _fingerprint(review, record_ids):
    # The imports' creation times go in too: a database restored or recreated (tests) reuses
    # record ids for other texts, and must not pick up an old file.
    import numpy as np

    imports = Import.objects.filter(review=review).order_by("id").values_list("id", "created_at")
    digest = hashlib.md5(np.asarray(record_ids, dtype=np.int64).tobytes())
    digest.update(repr(list(imports)).encode())
    return digest.hexdigest()[:16]


def review_features(review):
    """Return (features, record ids in row order) for every record of the review's finished
    imports (duplicates and removed records included: they only shape the vocabulary, and a
    merge then does not invalidate anything).

    TF-IDF over 10,000 records takes about 10 s, so it is computed once per set of records
    and cached: in this process's memory, and on disk under MEDIA_ROOT/ranking/ as a pickle
    named by a fingerprint of the record ids (and imports). A new import changes the ids, so the next
    retrain computes new features and deletes the old file; records' texts never change
    after import.
    """
    records = Record.objects.imported().filter(review=review).order_by("id")
    record_ids = list(records.values_list("id", flat=True))
    fingerprint = _fingerprint(review, record_ids)
    key = (review.pk, fingerprint)
    if key in _IN_MEMORY:
        return _IN_MEMORY[key]
    folder = features_folder(review)
    path = folder / f"features-{fingerprint}.pkl"
    try:
        with path.open("rb") as handle:
            cached = pickle.load(handle)
        value = (ranker.Features(matrix=cached["matrix"], vectorizer=None, terms=cached["terms"]), record_ids)
    except (OSError, EOFError, pickle.UnpicklingError, KeyError):
        value = _featurize_and_store(review, records, folder, path)
    _IN_MEMORY.clear()
    _IN_MEMORY[key] = value
    return value


def _featurize_and_store(review, records, folder, path):
    rows = list(records.values_list("id", "title", "abstract", "keywords", "subject_terms"))
    record_ids = [row[0] for row in rows]
    texts = [ranker.record_text(title, abstract, "; ".join((keywords or []) + (terms or [])))
             for _, title, abstract, keywords, terms in rows]
    features = ranker.featurize(texts)
    # The vectorizer is dropped: ranking needs the matrix, explaining needs the terms.
    features = ranker.Features(matrix=features.matrix, vectorizer=None, terms=features.terms)
    if _fingerprint(review, record_ids) != path.stem.removeprefix("features-"):
        return features, record_ids  # an import finished between the two reads; cache next time
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        pickle.dump({"matrix": features.matrix, "terms": features.terms}, out, protocol=5)
    os.replace(temporary, path)  # atomic: a concurrent job reads the old file or the new one
    for old in folder.glob("features-*.pkl"):
        if old != path:
            old.unlink(missing_ok=True)
    return features, record_ids


# --- The retrain job -----------------------------------------------------------------------

def priority_retrain(job, progress):
    """Train the reviewer's model on their labels, rank the records they have not screened
    and store the ranking with its estimates. Idempotent: a job superseded by a newer request,
    or finishing after a newer job has stored its ranking, changes nothing."""
    ranking = PriorityRanking.objects.select_related("review", "reviewer").get(pk=job.params["ranking"])
    if ranking.requested_job_id is not None and ranking.requested_job_id > job.pk:
        return {"message": "Skipped: a newer update was requested."}
    return ranking_train_and_store(ranking=ranking, job=job)


def ranking_train_and_store(*, ranking, job=None):
    """Train, rank and store one reviewer's ranking; return a summary for the job row."""
    started = time.perf_counter()
    review, reviewer, stage = ranking.review, ranking.reviewer, ranking.stage
    try:
        features, record_ids = review_features(review)
    except ValueError:  # featurize: not one word in any record
        raise JobError("The records have no words to rank them by.") from None
    featurized = time.perf_counter()
    labels, own_in_order, resolved = training_labels(reviewer=reviewer, review=review, stage=stage)
    row_of = {record_id: row for row, record_id in enumerate(record_ids)}
    row_labels = {row_of[r]: include for r, include in labels.items() if r in row_of}
    if not ranker.can_rank(row_labels):
        return {"message": "Not enough decisions to rank yet."}
    model = ranker.train(features, row_labels, seed=0)
    result = model.ranking()
    in_screening = set(Record.objects.in_screening().filter(review=review).values_list("id", flat=True))
    order = [(record_ids[row], score) for row, score in zip(result.order, result.scores)
             if record_ids[row] in in_screening]
    top_rows = [row_of[record_id] for record_id, _ in order[:WORDS_FOR_TOP]]
    words = ranker.explain_rows(model, top_rows, k=WORDS_PER_RECORD)
    n_records = len(own_in_order) + len(order)
    estimate = ranker.estimate_remaining_includes(own_in_order, n_records)
    hint = ranker.stopping_hint(own_in_order, n_records, estimate)
    recall = stopping.ranked_hypergeometric(own_in_order, n_records, target=review.stop_target_recall / 100,
                                            confidence=review.stop_confidence / 100)

    with transaction.atomic():
        locked = PriorityRanking.objects.select_for_update().get(pk=ranking.pk)
        if job is not None and locked.job_id is not None and locked.job_id > job.pk:
            return {"message": "Skipped: a newer ranking is already stored."}
        # Readers keep seeing the old rows until this commits (MVCC): nobody waits.
        PriorityRank.objects.filter(ranking=locked).delete()
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {PriorityRank._meta.db_table} (ranking_id, record_id, position, score, words) FROM STDIN"
        ) as copy:
            for position, (record_id, score) in enumerate(order):
                copy.write_row((locked.pk, record_id, position, score,
                                "; ".join(words[position]) if position < len(words) else ""))
        PriorityRanking.objects.filter(pk=locked.pk).update(
            job=job, trained_at=timezone.now(), own_decisions=len(own_in_order), resolved_records=resolved,
            ranked=len(order), seconds=time.perf_counter() - started,
            remaining_includes=estimate.expected if estimate else None, unscreened=len(order),
            excludes_in_a_row=hint.excludes_in_a_row, stop_threshold=hint.threshold, may_stop=hint.may_stop,
            recall_estimate=recall.recall if recall else None, recall_low=recall.low if recall else None,
            recall_high=recall.high if recall else None,
            recall_lower_bound=recall.lower_bound if recall else None, recall_target_met=bool(recall and recall.stop),
        )
    stored = time.perf_counter()
    return {"message": "Ranking updated.", "featurize_seconds": round(featurized - started, 3),
            "train_rank_store_seconds": round(stored - featurized, 3)}


# --- What the screening card shows --------------------------------------------------------

def relevance_level(position, score, ranked):
    """Return a word for a record's predicted relevance: "high" when the model leans to
    include (a positive SVM score), "medium" in the top tenth of the ranking, else "low"."""
    if score is not None and score >= 0:
        return "high"
    if position is not None and ranked and position < max(ranked // 10, 1):
        return "medium"
    return "low"


def priority_card(review, ranking, record, *, includes, excludes):
    """Return what the card shows about priority order for `record`, or None when the review
    is not in priority order. Reads nothing when the claim query already brought the record's
    rank (attributes priority_position/score/words); otherwise one indexed lookup."""
    if review.order != Review.Order.PRIORITY:
        return None
    card = {"show_estimates": review.priority_show_estimates, "ranking": ranking, "method": stopping.METHOD_NAME,
            "cold": not cold_start_over(review, includes, excludes),
            "min_includes": max(review.priority_min_includes, 1), "min_excludes": max(review.priority_min_excludes, 1)}
    if ranking is None or not ranking.is_trained:
        return card
    card["since_training"] = max(includes + excludes - ranking.own_decisions, 0)
    card["next_update_in"] = max(ranking.requested_at_decisions + review.priority_retrain_every
                                 - includes - excludes, 0)
    if record is None:
        return card
    if not hasattr(record, "priority_position"):
        rank = (PriorityRank.objects.filter(ranking=ranking, record=record)
                .values_list("position", "score", "words").first())
        record.priority_position, record.priority_score, record.priority_words = rank or (None, None, "")
    if record.priority_position is not None:
        card["position"] = record.priority_position + 1
        card["score"] = record.priority_score
        card["level"] = relevance_level(record.priority_position, record.priority_score, ranking.ranked)
        card["words"] = [w for w in (record.priority_words or "").split("; ") if w]
    return card
