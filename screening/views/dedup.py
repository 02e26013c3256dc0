"""Duplicates: the per-database overview, the lead's review queue, merges, notices linked to
their article, and undo."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..access import review_view
from ..core.textdiff import marked_words
from ..dedup.reasons import rule_in_words
from ..htmx import wants_partial
from ..models import DuplicateCandidate, NoticeLink
from ..selectors.dedup import dedup_overview as dedup_overview_of
from ..services import dedup as dedup_services
from ..services import merges as merge_services

VERDICTS = {
    "same": "Merged: the same work.",
    "different": "Kept apart: different works.",
    "skipped": "Skipped: it comes back after the others.",
}
# (field, label) shown side by side in the queue, in reading order.
PAIR_FIELDS = (
    ("title", "Title"), ("authors", "Authors"), ("year", "Year"), ("journal", "Journal"),
    ("volume", "Volume"), ("issue", "Issue"), ("pages", "Pages"), ("doi", "DOI"), ("pmid", "PMID"),
    ("abstract", "Abstract"),
)
MERGES_PER_PAGE = 20


@review_view("deduplicate")
def dedup_overview(request, review):
    return render(request, "screening/dedup_overview.html", {
        "review": review, "nav": "duplicates", "overview": dedup_overview_of(review),
        "last_job": review.jobs.filter(kind="dedup").first(),
    })


@review_view("deduplicate")
@require_POST
def dedup_run(request, review):
    """Look for duplicates now: among new records, or among all records again."""
    with transaction.atomic():
        if request.POST.get("everything") == "on":
            # Every record counts as new; decisions and undone merges still hold.
            review.imports.update(deduplicated_at=None)
        job = dedup_services.dedup_enqueue(review=review, created_by=request.user)
    return redirect("job_detail", review_id=review.pk, job_id=job.pk)


def _value(record, name):
    value = getattr(record, name)
    if name == "authors":
        return "; ".join(value)
    return "" if value is None else str(value)


def pair_rows(candidate):
    """Rows of (label, words of A, words of B, differs) for the side-by-side table."""
    differing = candidate.difference_fields
    rows = []
    for name, label in PAIR_FIELDS:
        a, b = _value(candidate.record_a, name), _value(candidate.record_b, name)
        if not a and not b:
            continue
        differs = name in differing or (name == "title" and a.casefold() != b.casefold())
        if differs:
            words_a, words_b = marked_words(a, b)
        else:  # an empty side renders as a dash
            words_a, words_b = [(a, False)] if a else [], [(b, False)] if b else []
        rows.append({"name": name, "label": label, "a": words_a, "b": words_b, "differs": differs,
                     "missing": not a or not b})
    return rows


def likely_notice_side(candidate):
    """Which record of a pair is more likely the notice, to preselect: a one-page item beside
    a page range, else the later of the two, else B."""
    def one_page(record):
        start, _, end = (record.pages or "").partition("-")
        return bool(start) and end in ("", start)
    a, b = candidate.record_a, candidate.record_b
    if one_page(a) != one_page(b):
        return "a" if one_page(a) else "b"
    if a.year and b.year and a.year != b.year:
        return "a" if a.year > b.year else "b"
    return "b"


def queue_context(review, flash="", refusal=""):
    queue = review.duplicate_candidates.queue()
    candidate = queue.select_related("record_a__source_import", "record_b__source_import").first()
    return {
        "review": review, "candidate": candidate, "remaining": queue.count(), "flash": flash, "refusal": refusal,
        "rows": pair_rows(candidate) if candidate else [], "nav": "duplicates",
        "notice_kinds": NoticeLink.Kind.choices,
        "notice_side": likely_notice_side(candidate) if candidate else "b",
    }


@review_view("deduplicate")
def dedup_queue(request, review):
    return render(request, "screening/dedup_queue.html", queue_context(review))


@review_view("deduplicate")
@require_POST
def dedup_decide(request, review, candidate_id):
    candidate = get_object_or_404(review.duplicate_candidates, pk=candidate_id)
    verdict = request.POST.get("verdict")
    if verdict not in VERDICTS:
        return HttpResponseBadRequest("Say same, different or skipped.")
    # A second key press for a pair already decided (a double submit) changes nothing.
    if candidate.status in (DuplicateCandidate.Status.PENDING, DuplicateCandidate.Status.SKIPPED):
        merge_services.candidate_decide(candidate=candidate, verdict=verdict, decided_by=request.user)
    if wants_partial(request):
        return render(request, "screening/dedup_queue.html#candidate-card",
                      queue_context(review, flash=VERDICTS[verdict]))
    messages.success(request, VERDICTS[verdict])
    return redirect("dedup_queue", review_id=review.pk)


@review_view("deduplicate")
@require_POST
def dedup_link_notice(request, review, candidate_id):
    """Answer a pair as a notice (erratum, reply, ...) about the other record's article."""
    candidate = get_object_or_404(review.duplicate_candidates, pk=candidate_id)
    try:
        link = merge_services.candidate_link_notice(
            candidate=candidate, notice_side=request.POST.get("notice_side"), kind=request.POST.get("kind"),
            decided_by=request.user)
    except merge_services.LinkRefused as refusal:
        if wants_partial(request):
            return render(request, "screening/dedup_queue.html#candidate-card",
                          queue_context(review, refusal=f"Not linked: {refusal}"), status=422)
        messages.error(request, f"Not linked: {refusal}")
        return redirect("dedup_queue", review_id=review.pk)
    if link is None:
        flash = "That pair was already answered; nothing changed."
    else:
        flash = (f"Linked ({link.get_kind_display()}): record {link.notice_id} leaves screening with "
                 f"record {link.article_id} (undo under Notices).")
    if wants_partial(request):
        return render(request, "screening/dedup_queue.html#candidate-card", queue_context(review, flash=flash))
    messages.success(request, flash)
    return redirect("dedup_queue", review_id=review.pk)


def _min_score(raw):
    """The bulk accept's score, or None when it is not a number between 0 and 1."""
    try:
        score = float(raw)
    except (TypeError, ValueError):
        return None
    return score if 0 <= score <= 1 else None


@review_view("deduplicate")
def dedup_accept_preview(request, review):
    """The pairs "Accept many at once" would merge, for the lead to look at before confirming."""
    min_score = _min_score(request.GET.get("min_score"))
    if min_score is None:
        messages.error(request, "Give a score between 0 and 1.")
        return redirect("dedup_queue", review_id=review.pk)
    pairs = list(merge_services.candidates_bulk_acceptable(review, min_score))
    skipped = review.duplicate_candidates.queue().filter(status=DuplicateCandidate.Status.SKIPPED,
                                                         score__gte=min_score).count()
    return render(request, "screening/dedup_accept_preview.html", {
        "review": review, "pairs": pairs, "min_score": min_score, "skipped": skipped, "nav": "duplicates",
    })


@review_view("deduplicate")
@require_POST
def dedup_accept_above(request, review):
    """Merge exactly the pairs shown on the preview, as one batch."""
    min_score = _min_score(request.POST.get("min_score"))
    if min_score is None:
        messages.error(request, "Give a score between 0 and 1.")
        return redirect("dedup_queue", review_id=review.pk)
    ids = [int(value) for value in request.POST.getlist("candidate") if value.isdigit()]
    if not ids:
        messages.error(request, "Nothing merged: look at the pairs first, then confirm them on that page.")
        return redirect(f"{reverse('dedup_accept_preview', args=[review.pk])}?min_score={min_score:.2f}")
    batch = merge_services.candidates_accept(review=review, candidate_ids=ids, min_score=min_score,
                                             decided_by=request.user)
    count = batch.merges.count() if batch else 0
    if not batch:
        messages.error(request, "Nothing merged: those pairs were decided or skipped meanwhile.")
    else:
        messages.success(request, f"{count} pair{'s' if count != 1 else ''} scoring {min_score:.2f} or more "
                         "merged as the same work. Undo them all at once under Merges.")
    return redirect("dedup_queue", review_id=review.pk)


MERGE_WHO = {"automatic": ("Automatically", Q(automatic=True)), "person": ("By a person", Q(automatic=False))}


@review_view("deduplicate")
def merge_list(request, review):
    merges = (review.merges.select_related("record__source_import", "primary__source_import", "decided_by",
                                           "undone_by", "batch"))
    show = request.GET.get("show", "active")
    if show == "active":
        merges = merges.active()
    elif show == "undone":
        merges = merges.filter(undone_at__isnull=False)
    rules = [(rule, rule_in_words(rule)) for rule in
             review.merges.order_by("rule").values_list("rule", flat=True).distinct()]
    rule = request.GET.get("reason", "")
    if rule:
        merges = merges.filter(rule=rule)
    who = request.GET.get("who", "")
    if who in MERGE_WHO:
        merges = merges.filter(MERGE_WHO[who][1])
    page = Paginator(merges, MERGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "screening/merge_list.html", {
        "review": review, "page": page, "show": show, "nav": "duplicates", "rules": rules, "reason": rule,
        "who": who, "who_choices": [(key, label) for key, (label, _) in MERGE_WHO.items()],
        "batches": review.merge_batches.select_related("created_by", "undone_by")
        .annotate(merged=Count("merges"))[:20],
    })


@review_view("deduplicate")
@require_POST
def merge_batch_undo(request, review, batch_id):
    batch = get_object_or_404(review.merge_batches, pk=batch_id)
    if batch.is_undone:
        messages.info(request, "That bulk accept was already undone.")
    else:
        count = merge_services.merge_batch_undo(batch=batch, undone_by=request.user)
        messages.success(request, f"Bulk accept undone: {count} merge{'s' if count != 1 else ''} taken back; "
                         "the pairs are in the queue again.")
    return redirect("merge_list", review_id=review.pk)


@review_view("deduplicate")
@require_POST
def merge_undo(request, review, merge_id):
    merge = get_object_or_404(review.merges, pk=merge_id)
    merge_services.merge_undo(merge=merge, undone_by=request.user)
    messages.success(request, f"Undone: “{merge.record}” is a record of its own again and will be screened.")
    return redirect("merge_list", review_id=review.pk)


@review_view("deduplicate")
def notice_list(request, review):
    """Every notice linked to its article, with the evidence and an undo."""
    links = review.notice_links.select_related("notice__source_import", "article__source_import", "created_by",
                                               "undone_by", "job")
    show = request.GET.get("show", "active")
    if show == "active":
        links = links.active()
    elif show == "undone":
        links = links.filter(undone_at__isnull=False)
    page = Paginator(links, 50).get_page(request.GET.get("page"))
    return render(request, "screening/notice_list.html", {
        "review": review, "page": page, "show": show, "nav": "duplicates",
    })


@review_view("deduplicate")
@require_POST
def notice_undo(request, review, link_id):
    link = get_object_or_404(review.notice_links.select_related("notice", "article"), pk=link_id)
    if link.is_undone:
        messages.info(request, f"That link was already undone: “{link.notice.title[:120]}” is screened as a "
                      "record of its own.")
    else:
        merge_services.notice_link_undo(link=link, undone_by=request.user)
        messages.success(request, f"Unlinked ({link.get_kind_display()}): “{link.notice.title[:120]}” is a record "
                         "of its own again and will be screened.")
    return redirect("notice_list", review_id=review.pk)
