"""The reviewer's screening page, their own decisions, and the lead's conflicts, dashboard,
pilot and history export. Decisions are read only through Decision.objects.visible_to and
work is read only through Record.objects.screening_queue (via services.queue)."""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..core import csvfile
from ..access import review_view
from ..core.filenames import file_stem
from ..core.highlight import compile_keywords, highlight, parse_keywords
from ..htmx import wants_partial
from ..models import (RESOLVED_OUTCOMES, Decision, DecisionEvent, Outcome, Pilot, Record, RecordStage, Report,
                      Stage, Verdict)
from ..models.dedup import notices_attach
from ..core.rules import fulltext_outcome, outcome_from_verdicts
from ..services import decisions as decision_services
from ..services import priority as priority_services
from ..selectors.screening import my_counts, progress_from, screening_dashboard
from ..services import queue as queue_services
from ..templatetags.stages import stage_url_name

TA = Stage.TITLE_ABSTRACT
FT = Stage.FULL_TEXT


# --- The reviewer's screen -------------------------------------------------------------------

def _card_context(request, review, record, *, stage=TA, state=None, revisit=False, error="", ranking=None,
                  counts=None):
    """Everything the record card shows. For a record the reviewer is revisiting, their own
    decision and whether the record is resolved; never anything about another reviewer's
    vote (a conflict shows as open, like a record nobody else has screened).

    In priority order, the next record's predicted relevance and the estimates from the
    reviewer's own ranking (`ranking`). `counts`: my decided records by verdict, when the vote
    has just read them."""
    user, role = request.user, request.membership.role
    if counts is None:
        counts = my_counts(user, review, role, stage)
    context = {"review": review, "record": record, "state": state, "error": error, "stage": stage,
               "progress": progress_from(counts, review, stage), "revisit": revisit}
    if priority_services.priority_applies(review, stage) and not revisit:
        includes, excludes = _includes_and_excludes(counts)
        context["priority"] = priority_services.priority_card(review, ranking, record, includes=includes,
                                                              excludes=excludes)
    if record is None:
        return context
    notices_attach(review, [record])
    if stage == FT:
        context["report"] = Report.objects.filter(record=record).first()
    keywords = compile_keywords(parse_keywords(review.include_keywords), parse_keywords(review.exclude_keywords))
    context["title_html"] = highlight(record.title, compiled=keywords)
    context["abstract_html"] = highlight(record.abstract, compiled=keywords)
    context["keywords_html"] = [highlight(k, compiled=keywords)
                                for k in (record.keywords or []) + (record.subject_terms or [])]
    if revisit:
        context["mine"] = Decision.objects.visible_to(user, review, role=role).filter(
            reviewer=user, record=record, stage=stage).first()
        outcome = RecordStage.objects.filter(record=record, stage=stage).values_list("outcome", flat=True).first()
        context["resolved_outcome"] = outcome if outcome in RESOLVED_OUTCOMES else None
    context.update(reason_fields(review, saved=context["mine"].reason if context.get("mine") else ""))
    return context


# The select's value for "Other": the reason is then the free text of `reason_other`.
OTHER_REASON = "__other__"


def _includes_and_excludes(counts):
    """Return (includes, excludes) as the ranking counts them: Maybe counts as include."""
    return (counts.get(Verdict.INCLUDE, 0) + counts.get(Verdict.MAYBE, 0), counts.get(Verdict.EXCLUDE, 0))


def posted_reason(post):
    """The exclusion reason of a posted vote or resolution: one of the review's, or the free text of "Other"."""
    reason = post.get("reason", "")
    return " ".join(post.get("reason_other", "").split()) if reason == OTHER_REASON else reason


def reason_fields(review, *, posted=None, saved=""):
    """What the reason select and the "Other" field show: what was just posted, else the saved reason."""
    if posted is not None:
        return {"reason_choice": posted.get("reason", ""), "reason_other_text": posted.get("reason_other", ""),
                "other_reason": OTHER_REASON}
    listed = not saved or saved in (review.exclusion_reasons or [])
    return {"reason_choice": saved if listed else OTHER_REASON, "reason_other_text": "" if listed else saved,
            "other_reason": OTHER_REASON}


def _render_card(request, review, context, status=200):
    template = "screening/screen.html#record-card" if wants_partial(request) else "screening/screen.html"
    return render(request, template, context, status=status)


@review_view("screen")
def screen(request, review, stage=TA):
    """One record at a time. A GET only reads: it shows the record claimed for me and not voted
    on yet, if any, else a placeholder whose POST (htmx on load, or the "Start screening"
    button) claims my next record. ?record=<id> revisits one of my own decisions; ?back=<id>
    and ?forward=<id> step through them in the order I screened them. The full-text stage is
    the same page with the report's full text and a required exclusion reason."""
    if request.method == "POST":
        return _claim_next(request, review, stage)
    user = request.user
    mine = Decision.objects.visible_to(user, review, role=request.membership.role).filter(reviewer=user, stage=stage)
    target = None
    if "record" in request.GET:
        target = _own_record(mine, request.GET["record"])
    elif "back" in request.GET or "forward" in request.GET:
        going_back = "back" in request.GET
        anchor = _own_decision(mine, request.GET.get("back") or request.GET.get("forward"))
        steps = (mine.decided().filter(Q(claimed_at__lt=anchor.claimed_at) |
                                       Q(claimed_at=anchor.claimed_at, id__lt=anchor.id)).order_by("-claimed_at", "-id")
                 if going_back else
                 mine.decided().filter(Q(claimed_at__gt=anchor.claimed_at) |
                                       Q(claimed_at=anchor.claimed_at, id__gt=anchor.id)).order_by("claimed_at", "id"))
        step = steps.select_related("record").first()
        target = step.record if step else None
    if target is not None:
        return _render_card(request, review, _card_context(request, review, target, stage=stage, revisit=True))
    record = Record.objects.screening_queue(user, review, stage).first()
    state = queue_services.QueueState.READY if record is not None else UNCLAIMED
    return _render_card(request, review, _card_context(request, review, record, stage=stage, state=state,
                                                       ranking=_my_ranking(request, review, stage)))


# The GET's card when I hold no open claim: its POST claims my next record.
UNCLAIMED = "unclaimed"


def _claim_next(request, review, stage):
    """Claim my next record and show it (the card under htmx; without it, back to the GET,
    which shows the record now claimed for me)."""
    ranking = _my_ranking(request, review, stage)
    record, state = queue_services.screening_next(reviewer=request.user, review=review, stage=stage,
                                                  ranking=ranking)
    if not wants_partial(request):
        return redirect(stage_url_name("screen", stage), review_id=review.pk)
    return _render_card(request, review, _card_context(request, review, record, stage=stage, state=state,
                                                       ranking=ranking))


def _my_ranking(request, review, stage=TA):
    """Return my latest ranking (priority order only; one indexed read), or None."""
    if not priority_services.priority_applies(review, stage):
        return None
    return priority_services.ranking_of(request.user, review, stage)


def _own_record(mine, record_id):
    return _own_decision(mine, record_id).record


def _own_decision(mine, record_id):
    try:
        return mine.select_related("record").get(record_id=int(record_id))
    except (ValueError, Decision.DoesNotExist):
        raise Http404("Not one of your records.") from None


def _not_yours_any_more():
    minutes = settings.SCREENING_CLAIM_EXPIRES_MINUTES
    passes = (f"A record left open without a vote for more than {minutes} minutes passes to another "
              "reviewer who has nothing else left to screen. " if minutes > 0 else "")
    return f"Your vote was not recorded: that record is no longer assigned to you. {passes}Here is your next record."


NOTHING_TO_UNDO = ("Nothing to undo: you have not voted yet, or your last vote is on a record that is resolved "
                   "now (only the lead can change it).")
LEAD_RESOLVED_NOTICE = "The lead resolved this record meanwhile; your vote was not recorded. Here is your next one."


def refusal_of(exc):
    """Split a refusal (ValidationError) into (message for the whole form, {field: message}),
    so the page can mark the field the refusal is about."""
    if hasattr(exc, "error_dict"):
        return "", {field: " ".join(messages) for field, messages in exc.message_dict.items()}
    return " ".join(exc.messages), {}


def _next_card_with_notice(request, review, stage, ranking, notice, status=200):
    record, state = queue_services.screening_next(reviewer=request.user, review=review, stage=stage,
                                                     ranking=ranking)
    context = _card_context(request, review, record, stage=stage, state=state, ranking=ranking)
    context["notice"] = notice
    return _render_card(request, review, context, status=status)


@review_view("screen")
@require_POST
def decide(request, review, record_id, stage=TA):
    """Record my verdict, then show the next record: one round trip per key press. Without
    htmx, redirect to the screening page (post/redirect/get).

    A refused vote says why in the card: 422 with the card again and the field marked (a
    missing reason), 409 with the next card when the lead resolved the record meanwhile.
    static/js/refusals.js lets htmx swap those two codes."""
    ranking = _my_ranking(request, review, stage)
    try:
        voted = decision_services.decision_record_and_next(
            reviewer=request.user, review=review, record_id=record_id, stage=stage,
            verdict=request.POST.get("verdict", ""), reason=posted_reason(request.POST),
            note=request.POST.get("note", ""), ranking=ranking,
        )
    except Decision.DoesNotExist:
        if not wants_partial(request):
            raise Http404("This record is not in your queue.") from None
        # Most often a card left open too long whose record passed to another reviewer, or
        # one the lead decided alone meanwhile (which released the claim). Say so and go on,
        # rather than a 404 inside the card. A lead's decision is public to every member; for
        # any other record the answer is the same whatever it is, so it tells nothing about
        # its votes.
        lead_decided = RecordStage.objects.filter(
            review=review, record_id=record_id, stage=stage,
            resolution__in=(RecordStage.Resolution.LEAD_RESOLVED, RecordStage.Resolution.LEAD_ALONE)).exists()
        return _next_card_with_notice(request, review, stage, ranking,
                                      LEAD_RESOLVED_NOTICE if lead_decided else _not_yours_any_more())
    except decision_services.RecordResolved:
        if not wants_partial(request):
            messages.warning(request, LEAD_RESOLVED_NOTICE)
            return redirect(stage_url_name("screen", stage), review_id=review.pk)
        return _next_card_with_notice(request, review, stage, ranking, LEAD_RESOLVED_NOTICE, status=409)
    except ValidationError as exc:
        record = get_object_or_404(Record, pk=record_id, review=review)
        message, field_errors = refusal_of(exc)
        if not wants_partial(request):
            messages.error(request, message or " ".join(field_errors.values()))
            return redirect(f"{reverse(stage_url_name('screen', stage), args=[review.pk])}?record={record.pk}")
        context = _card_context(request, review, record, stage=stage, revisit=True, error=message)
        context.update(field_errors=field_errors, posted=request.POST, **reason_fields(review, posted=request.POST))
        return _render_card(request, review, context, status=422)
    if priority_services.priority_applies(review, stage):
        # After the vote, so a retrain counts it; the job runs in the background, after the commit.
        includes, excludes = _includes_and_excludes(voted.my_counts)
        priority_services.priority_retrain_if_due(reviewer=request.user, review=review, stage=stage, ranking=ranking,
                                                  includes=includes, excludes=excludes)
    if not wants_partial(request):
        return redirect(stage_url_name("screen", stage), review_id=review.pk)
    return _render_card(request, review, _card_context(request, review, voted.record, stage=stage, state=voted.state,
                                                       ranking=ranking, counts=voted.my_counts))


@review_view("screen")
@require_POST
def undo(request, review, stage=TA):
    """Take back my last vote and show that record again; when there is nothing to take back,
    say so in the card (409 under htmx: refused) with my next record."""
    record = decision_services.decision_undo_last(reviewer=request.user, review=review, stage=stage)
    if not wants_partial(request):
        if record is None:
            messages.info(request, NOTHING_TO_UNDO)
        return redirect(stage_url_name("screen", stage), review_id=review.pk)
    ranking = _my_ranking(request, review, stage)
    if record is None:
        return _next_card_with_notice(request, review, stage, ranking, NOTHING_TO_UNDO, status=409)
    next_record, state = queue_services.screening_next(reviewer=request.user, review=review, stage=stage,
                                                          ranking=ranking)
    return _render_card(request, review, _card_context(request, review, next_record, stage=stage, state=state,
                                                       ranking=ranking))


@review_view("screen")
def my_decisions(request, review, stage=TA):
    """My own votes, searchable and filterable; each links back to the screen to change it
    while the record is not resolved."""
    user = request.user
    resolved = RecordStage.objects.filter(record=OuterRef("record"), stage=stage, outcome__in=RESOLVED_OUTCOMES)
    decisions = (Decision.objects.visible_to(user, review, role=request.membership.role)
                 .decided().filter(reviewer=user, stage=stage)
                 .annotate(is_resolved=Exists(resolved)).select_related("record").order_by("-decided_at", "-id"))
    query = request.GET.get("q", "").strip()
    if query:
        decisions = decisions.filter(Q(record__title__icontains=query) | Q(note__icontains=query) |
                                     Q(reason__icontains=query))
    verdict = request.GET.get("verdict", "")
    if verdict in Verdict.values:
        decisions = decisions.filter(verdict=verdict)
    status = request.GET.get("status", "")
    if status in {"open", "resolved"}:
        decisions = decisions.filter(is_resolved=status == "resolved")
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    return render(request, "screening/my_decisions.html", {
        "review": review, "page": page, "q": query, "verdict": verdict, "status": status,
        "verdicts": Verdict.choices, "nav": "mine", "stage": stage,
    })


# --- The lead ------------------------------------------------------------------------------

def _votes_for(request, review, record_stages, stage=TA):
    """Map record id -> the votes on it, read through the one visibility rule."""
    votes = {}
    decisions = (Decision.objects.visible_to(request.user, review, role=request.membership.role)
                 .decided().filter(stage=stage, record__in=[rs.record_id for rs in record_stages])
                 .select_related("reviewer").order_by("reviewer__username"))
    for decision in decisions:
        votes.setdefault(decision.record_id, []).append(decision)
    return votes


@review_view("resolve")
def conflicts(request, review, stage=None):
    """The one conflicts queue, both stages: the first open conflict in full, with every
    vote side by side, and the rest listed with their stage. At full text, different
    exclusion reasons are a conflict too. `stage` (from the full-text URL, or ?stage=)
    narrows the queue to one stage."""
    return _conflicts_page(request, review, _queue_stage(stage or request.GET.get("stage")))


def _queue_stage(value):
    return value if value in Stage.values else None


def _conflicts_page(request, review, queue_stage, *, current=None, error="", field_errors=None, posted=None,
                    status=200):
    """Render the conflicts queue (of `queue_stage`, or of both stages). `current`: the record
    stage to show in full instead of the first in the queue (a refused resolution, shown
    again with the reason)."""
    # Title/abstract first ("title_abstract" sorts after "full_text"), then import order.
    open_conflicts = (RecordStage.objects.open_conflicts(review, queue_stage).select_related("record")
                      .order_by("-stage", "record_id"))
    counts = RecordStage.objects.open_conflict_counts(review)
    queue_count = counts[queue_stage] if queue_stage else sum(counts.values())
    first = current or open_conflicts.first()
    return _lead_record_page(request, review, first, stage=first.stage if first else (queue_stage or TA),
                             queue=open_conflicts[:200], queue_count=queue_count, queue_stage=queue_stage,
                             stage_counts=counts, error=error, field_errors=field_errors, posted=posted,
                             status=status)


@review_view("resolve")
def lead_record(request, review, record_id, stage=TA):
    """One record for the lead: every vote, and a final decision (resolving a conflict or
    deciding alone)."""
    record = get_object_or_404(Record, pk=record_id, review=review)
    # A GET only reads: a record without its row at this stage (say, a full text not yet
    # retrieved) is shown as pending; the lead's decision, a POST, adds the row.
    record_stage = (RecordStage.objects.select_related("record", "resolved_by").filter(record=record, stage=stage)
                    .first() or RecordStage(review=review, record=record, stage=stage))
    return _lead_record_page(request, review, record_stage, stage=stage)


def _lead_record_page(request, review, record_stage, *, stage=TA, queue=None, queue_count=None, queue_stage=None,
                      stage_counts=None, error="", field_errors=None, posted=None, status=200):
    context = {"review": review, "record_stage": record_stage, "queue": queue, "queue_count": queue_count,
               "queue_stage": queue_stage or "", "stage_counts": stage_counts, "nav": "conflicts", "error": error,
               "field_errors": field_errors or {}, "posted": posted, "reasons": review.exclusion_reasons,
               "stage": stage, **reason_fields(review, posted=posted or {})}
    if record_stage is not None:
        notices_attach(review, [record_stage.record])
        keywords = compile_keywords(parse_keywords(review.include_keywords), parse_keywords(review.exclude_keywords))
        context["title_html"] = highlight(record_stage.record.title, compiled=keywords)
        context["abstract_html"] = highlight(record_stage.record.abstract, compiled=keywords)
        context["votes"] = _votes_for(request, review, [record_stage], stage).get(record_stage.record_id, [])
        context["votes_agree_now"] = (record_stage.outcome == Outcome.CONFLICT
                                      and _votes_agree(context["votes"], stage))
        if stage == FT:
            context["report"] = Report.objects.filter(record_id=record_stage.record_id).first()
    template = "screening/conflicts.html#conflict-card" if wants_partial(request) else "screening/conflicts.html"
    return render(request, template, context, status=status)


def _votes_agree(votes, stage):
    """Whether two or more votes would resolve a record by agreement: on a conflict, a
    reviewer changed their vote after every vote was in, and the record stays the lead's."""
    pairs = [(vote.verdict, vote.reason) for vote in votes]
    if len(pairs) < 2:
        return False
    outcome = fulltext_outcome(pairs, 1)[0] if stage == FT else outcome_from_verdicts([v for v, _ in pairs], 1)
    return outcome in RESOLVED_OUTCOMES


@review_view("resolve")
@require_POST
def resolve(request, review, record_id, stage=TA):
    """The lead's final decision. A refused one (no reason for a full-text exclusion …) shows
    the same record again with the reason field marked, status 422, with or without htmx."""
    record = get_object_or_404(Record, pk=record_id, review=review)
    from_queue = request.POST.get("then") != "record"
    queue_stage = _queue_stage(request.POST.get("queue_stage"))
    try:
        record_stage = decision_services.outcome_resolve(
            lead=request.user, review=review, record=record, stage=stage,
            verdict=request.POST.get("verdict", ""), reason=posted_reason(request.POST))
    except ValidationError as exc:
        message, field_errors = refusal_of(exc)
        current = (RecordStage.objects.select_related("record", "resolved_by")
                   .filter(record=record, stage=stage).first())
        if from_queue:
            return _conflicts_page(request, review, queue_stage, current=current, error=message,
                                   field_errors=field_errors, posted=request.POST, status=422)
        return _lead_record_page(request, review, current, stage=stage, error=message, field_errors=field_errors,
                                 posted=request.POST, status=422)
    messages.success(request, f"“{record.title[:60]}” {record_stage.get_outcome_display().lower()}.")
    if not from_queue:
        return redirect(stage_url_name("lead_record", stage), review_id=review.pk, record_id=record.pk)
    if wants_partial(request):
        return _conflicts_page(request, review, queue_stage)
    url = reverse("conflicts", args=[review.pk])
    return redirect(f"{url}?stage={queue_stage}" if queue_stage else url)


@review_view("resolve")
def lead_records(request, review, stage=TA):
    """Every record with its outcome, for the lead to open any one and decide alone."""
    stages = RecordStage.objects.for_stage(review, stage).in_screening().select_related("record").order_by("record_id")
    outcome = request.GET.get("outcome", "")
    if outcome in Outcome.values:
        stages = stages.filter(outcome=outcome)
    query = request.GET.get("q", "").strip()
    if query:
        stages = stages.filter(record__title__icontains=query)
    page = Paginator(stages, 50).get_page(request.GET.get("page"))
    return render(request, "screening/lead_records.html", {
        "review": review, "page": page, "outcome": outcome, "q": query, "outcomes": Outcome.choices,
        "nav": "records", "stage": stage,
    })


@review_view("view")
def screening_progress(request, review):
    """The screening section of the dashboard, polled by htmx every few seconds."""
    return render(request, "screening/_dashboard_screening.html",
                  {"review": review, "membership": request.membership,
                   **screening_dashboard(review, request.membership)})


# --- Pilot and export -----------------------------------------------------------------------

@review_view("manage")
def pilot(request, review):
    current = queue_services.open_pilot(review, TA)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close" and current is not None:
                decision_services.pilot_close(pilot=current, closed_by=request.user)
                messages.success(request, "Pilot closed. Full screening is open.")
            else:
                size = int(request.POST.get("size") or 0)
                started = decision_services.pilot_start(
                    review=review, created_by=request.user, size=size, stage=TA,
                    holds_back_screening=bool(request.POST.get("holds_back_screening")))
                messages.success(request, f"Pilot started with {started.size} records.")
        except (ValueError, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", ["Give a number of records."])))
        return redirect("pilot", review_id=review.pk)
    pilots = Pilot.objects.filter(review=review, stage=TA).order_by("-created_at")
    return render(request, "screening/pilot.html", {"review": review, "current": current, "pilots": pilots,
                                                    "nav": "pilot"})


@review_view("export")
def history_export(request, review):
    """The decision history as CSV, oldest first (streamed). Like every file, only what
    blinding lets every member see: no reviewer's vote on a record not resolved at that stage
    while the review is blind (the file may be passed on)."""
    events = (DecisionEvent.objects.visible_to(request.user, review, role=request.membership.role, unblinded_only=True)
              .select_related("actor", "record").order_by("at", "id"))
    def rows():
        yield ["at", "stage", "record_id", "record_title", "actor", "action", "old", "new", "reason", "note"]
        for event in events.iterator(chunk_size=2000):
            yield [event.at.isoformat(), event.stage, event.record_id, event.record.title if event.record else "",
                   event.actor.username, event.kind, event.old_verdict, event.new_verdict, event.reason, event.note]

    response = StreamingHttpResponse(csvfile.stream(rows()), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = file_stem(review.title, fallback=f"review-{review.pk}")
    response["Content-Disposition"] = f'attachment; filename="{name}-decision-history-{stamp}.csv"'
    return response
