"""What a lead does with duplicates after a run: join two groups, decide a candidate pair,
link a pair as a notice about its article, accept every candidate above a score, undo a
merge or a notice link. Each change takes the
review's write lock, as a run does, so a lead's action and a run never interleave."""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..dedup import choose_primary
from ..models import DecisionEvent, DuplicateCandidate, Merge, MergeBatch, NoticeLink, Record, Review, Stage
from .dedup import _notices_leave_screening, _write_lock, as_dedup_record, fill_sources, record_as_row, record_key


class LinkRefused(ValueError):
    """A notice link the lead asked for that would break a rule; the message says which."""


def _root_of(record_id):
    duplicate_of = Record.objects.filter(pk=record_id).values_list("duplicate_of_id", flat=True).get()
    return duplicate_of or record_id


def groups_join(*, review, record_a, record_b, rule, score=None, scores=None, decided_by=None, batch=None):
    """Put the groups of two records together (the lead said they are the same work).

    The primary is whichever group's primary ``choose_primary`` prefers; the other group's
    members move under it and the other primary gets a Merge. Return the Merge, or None
    when the records are already in one group. Call inside a transaction.
    """
    _write_lock(review.pk)
    root_a, root_b = _root_of(record_a), _root_of(record_b)
    if root_a == root_b:
        return None
    roots = {r.pk: r for r in Record.objects.select_related("source_import").filter(pk__in=[root_a, root_b])}
    engine = {pk: as_dedup_record(record_as_row(r)) for pk, r in roots.items()}
    primary = int(choose_primary(engine.values(), list(review.database_preference or [])))
    other = root_b if primary == root_a else root_a
    linked = record_a if _root_of(record_a) == primary else record_b
    moved = list(Record.objects.select_related("source_import").filter(Q(pk=other) | Q(duplicate_of=other)))
    primary_record = roots[primary]
    merge = Merge(review=review, record_id=other, primary_id=primary, linked_to_id=linked, rule=rule,
                  score=score, scores=scores or {}, automatic=False, decided_by=decided_by, batch=batch)
    by_key = {record_key(r.pk): r for r in moved}
    sources = fill_sources(engine[primary], [as_dedup_record(record_as_row(r)) for r in moved])
    for name, source in sources.items():
        merge.previous[name] = getattr(primary_record, name)
        merge.filled[name] = getattr(by_key[source], name)
        setattr(primary_record, name, merge.filled[name])
    if sources:
        primary_record.save(update_fields=list(sources))
    Record.objects.filter(pk__in=[r.pk for r in moved]).update(duplicate_of=primary)
    merge.save()
    return merge


@transaction.atomic
def candidate_decide(*, candidate, verdict, decided_by, batch=None):
    """Record the lead's answer for a pair: same work (merge), different works (kept apart
    from now on) or skipped (asked again after the rest)."""
    _write_lock(candidate.review_id)
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if verdict not in DuplicateCandidate.Status.values or verdict == DuplicateCandidate.Status.PENDING:
        raise ValueError(f"not a decision: {verdict!r}")
    if verdict == DuplicateCandidate.Status.SAME:
        groups_join(review=candidate.review, record_a=candidate.record_a_id, record_b=candidate.record_b_id,
                    rule=candidate.rule or "lead", score=candidate.score, scores=candidate.scores,
                    decided_by=decided_by, batch=batch)
    candidate.status = verdict
    candidate.decided_by = decided_by
    candidate.decided_at = timezone.now()
    candidate.batch = batch
    candidate.save(update_fields=["status", "decided_by", "decided_at", "batch"])
    return candidate


@transaction.atomic
def candidate_link_notice(*, candidate, notice_side, kind, decided_by):
    """Answer a queued pair as one record being a notice about the other's article (an erratum
    printed under the article's title, a reply, a comment): the notice is linked to the
    article as a dedup run links the notices it can tell by their wording, it leaves
    screening with its article, and the pair is answered "different works". A pair already
    answered (a double submit) is left as it is. Raises LinkRefused when the link cannot be made.
    """
    _write_lock(candidate.review_id)
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status not in (DuplicateCandidate.Status.PENDING, DuplicateCandidate.Status.SKIPPED):
        return None
    if kind not in NoticeLink.Kind.values:
        raise LinkRefused(f"Choose what kind of notice it is ({', '.join(NoticeLink.Kind.labels)}).")
    if notice_side not in ("a", "b"):
        raise LinkRefused("Choose which record is the notice: A or B.")
    chosen, other = ((candidate.record_a_id, candidate.record_b_id) if notice_side == "a"
                     else (candidate.record_b_id, candidate.record_a_id))
    notice, article = _root_of(chosen), _root_of(other)
    if notice == article:
        raise LinkRefused("These two records are already merged into one; undo the merge first under Merges.")
    current = NoticeLink.objects.active().filter(notice_id=notice).first()
    if current is not None:
        raise LinkRefused(f"That record is already linked as a {current.get_kind_display()} of record "
                          f"{current.article_id}; undo that link under Notices first.")
    follows = dict(Record.objects.filter(review_id=candidate.review_id, notice_of__isnull=False)
                   .values_list("id", "notice_of_id"))
    step, seen = article, set()
    while step is not None and step not in seen:
        if step == notice:
            raise LinkRefused("The other record is itself a notice about this one; a notice cannot be about "
                              "its own notice.")
        seen.add(step)
        step = follows.get(step)
    name = decided_by.get_full_name() or decided_by.get_username()
    link = NoticeLink.objects.create(
        review_id=candidate.review_id, notice_id=notice, article_id=article, kind=kind, created_by=decided_by,
        evidence=[f"linked by {name} from the duplicates queue", f"the pair was queued for: {candidate.rule}"])
    _notices_leave_screening({notice: article})
    Review.objects.filter(pk=candidate.review_id, has_notices=False).update(has_notices=True)
    DecisionEvent.objects.create(
        review_id=candidate.review_id, record_id=notice, stage=Stage.TITLE_ABSTRACT, actor=decided_by,
        at=link.created_at, kind=DecisionEvent.Kind.REMOVE,
        reason=f"{link.get_kind_display()} of record {article}: linked from the duplicates queue"[:300])
    candidate.status = DuplicateCandidate.Status.DIFFERENT
    candidate.decided_by = decided_by
    candidate.decided_at = timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return link


def candidates_bulk_acceptable(review, min_score):
    """The pairs "Accept many at once" would merge: still to decide, scoring at least
    `min_score`, best first. Skipped pairs are left out: the lead chose to look at them again."""
    return (review.duplicate_candidates.queue().filter(status=DuplicateCandidate.Status.PENDING, score__gte=min_score)
            .select_related("record_a__source_import", "record_b__source_import"))


@transaction.atomic
def candidates_accept(*, review, candidate_ids, min_score, decided_by):
    """Decide "same" for exactly these pairs (the ones the lead saw on the preview), as one
    batch that can be undone in one step. A pair decided or skipped since the preview, or
    that no longer scores `min_score`, is left alone. Return the batch, or None when no
    pair was left to accept."""
    _write_lock(review.pk)
    wanted = set(candidate_ids)
    still = [c for c in candidates_bulk_acceptable(review, min_score).order_by("-score", "pk") if c.pk in wanted]
    if not still:
        return None
    batch = MergeBatch.objects.create(review=review, min_score=min_score, created_by=decided_by)
    for candidate in still:
        candidate_decide(candidate=candidate, verdict=DuplicateCandidate.Status.SAME, decided_by=decided_by,
                         batch=batch)
    return batch


@transaction.atomic
def merge_batch_undo(*, batch, undone_by):
    """Undo every merge of a bulk accept still in effect, newest first, put its pairs back
    in the queue, and mark the batch undone. Return how many merges were undone."""
    _write_lock(batch.review_id)
    batch = MergeBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_undone:
        return 0
    undone = 0
    for merge in batch.merges.active().order_by("-id"):
        merge_undo(merge=merge, undone_by=undone_by, keep_apart=False)
        undone += 1
    # Back to the queue as they were before the bulk accept.
    batch.candidates.filter(status=DuplicateCandidate.Status.SAME).update(
        status=DuplicateCandidate.Status.PENDING, decided_by=None, decided_at=None, batch=None)
    batch.undone_at = timezone.now()
    batch.undone_by = undone_by
    batch.save(update_fields=["undone_at", "undone_by"])
    return undone


@transaction.atomic
def merge_undo(*, merge, undone_by, keep_apart=True):
    """Take the merged record out of its group again and restore what the merge filled
    into the primary. The record and that primary are kept apart in later runs, unless
    `keep_apart` is false (a bulk accept undone: its pairs go back to the queue instead)."""
    _write_lock(merge.review_id)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        return merge
    record = Record.objects.get(pk=merge.record_id)
    group_primary = record.duplicate_of_id or merge.primary_id
    Record.objects.filter(pk=record.pk).update(duplicate_of=None)
    primary = Record.objects.get(pk=merge.primary_id)
    restored = [name for name, value in merge.filled.items() if getattr(primary, name) == value]
    for name in restored:
        setattr(primary, name, merge.previous[name])
    if restored:
        primary.save(update_fields=restored)
    merge.undone_at = timezone.now()
    merge.undone_by = undone_by
    merge.save(update_fields=["undone_at", "undone_by"])
    if not keep_apart:
        return merge
    a, b = sorted((record.pk, group_primary))
    DuplicateCandidate.objects.update_or_create(
        record_a_id=a, record_b_id=b,
        defaults={"review_id": merge.review_id, "status": DuplicateCandidate.Status.DIFFERENT,
                  "decided_by": undone_by, "decided_at": merge.undone_at},
        create_defaults={"review_id": merge.review_id, "status": DuplicateCandidate.Status.DIFFERENT,
                         "decided_by": undone_by, "decided_at": merge.undone_at, "rule": "undone_merge",
                         "score": merge.score or 0},
    )
    return merge


@transaction.atomic
def notice_link_undo(*, link, undone_by):
    """Unlink a notice from its article: it returns to screening as a record of its own,
    later runs never link the two again, and the history says who did it."""
    _write_lock(link.review_id)
    link = NoticeLink.objects.select_for_update().select_related("notice").get(pk=link.pk)
    if link.is_undone:
        return link
    Record.objects.filter(pk=link.notice_id, notice_of=link.article_id).update(notice_of=None)
    link.undone_at = timezone.now()
    link.undone_by = undone_by
    link.save(update_fields=["undone_at", "undone_by"])
    DecisionEvent.objects.create(
        review_id=link.review_id, record_id=link.notice_id, stage=Stage.TITLE_ABSTRACT, actor=undone_by,
        at=link.undone_at, kind=DecisionEvent.Kind.RESTORE,
        reason=f"{link.get_kind_display()} of record {link.article_id}: link undone"[:300],
        note="; ".join(link.evidence))
    return link
