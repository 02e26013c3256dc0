"""The lead's decision to stop title/abstract screening (the estimate is on the dashboard) and the
second look at the records excluded at title/abstract."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import review_view
from ..htmx import wants_partial
from ..models import Record
from ..selectors import stopping as stopping_selectors
from ..services import stopping as stopping_services


@review_view("manage")
@require_POST
def stop_decide(request, review):
    automation = request.POST.get("count_unscreened_as_automation") == "on"
    try:
        decision = stopping_services.stop_decision_record(
            review=review, lead=request.user, count_unscreened_as_automation=automation,
            note=request.POST.get("note", "")[:2000])
    except ValueError as error:
        messages.error(request, f"Not recorded: {error}")
    else:
        messages.success(request, f"Recorded: screening stops with {decision.screened} records screened and "
                                  f"{decision.unscreened} unscreened"
                                  + (", counted in PRISMA as excluded by automation tools." if automation else "."))
    return redirect("review_dashboard", review_id=review.pk)


@review_view("resolve")
def second_look(request, review):
    """The second look: the ranked exclusions, or (an htmx poll) the part of the page that
    changes; the ranking itself is a background job's (selectors.stopping.second_look)."""
    return _second_look_page(request, review)


@review_view("resolve")
def second_look_status(request, review):
    """The ranking's progress line, polled while its job runs; once the job is done, the whole
    list (the poll's target is retargeted), fresh or waiting for a new job."""
    return _second_look_status(request, review)


def _second_look_status(request, review):
    look = stopping_selectors.second_look(review)
    job = look["job"]
    if not look["fresh"] and job is not None and not look["needs_job"]:
        return render(request, "screening/second_look.html#second-look-status", {"review": review, "look": look})
    response = render(request, "screening/second_look.html#second-look", {"review": review, "look": look})
    response["HX-Retarget"] = "#second-look"
    response["HX-Reswap"] = "outerHTML"
    return response


@review_view("resolve")
@require_POST
def second_look_rank(request, review):
    """Start ranking the exclusions again (nothing happens while a ranking job is on its way)."""
    stopping_services.second_look_rank_start(review=review, lead=request.user)
    if wants_partial(request):
        return _second_look_status(request, review)
    return redirect("second_look", review_id=review.pk)


@review_view("resolve")
@require_POST
def second_look_include(request, review, record_id):
    return _second_look_act(request, review, record_id, stopping_services.second_look_include,
                            done="Included after a second look", refused="Not included")


@review_view("resolve")
@require_POST
def second_look_keep(request, review, record_id):
    return _second_look_act(request, review, record_id, stopping_services.second_look_keep,
                            done="Kept excluded after a second look", refused="Not kept")


def _second_look_act(request, review, record_id, action, *, done, refused):
    """Include or keep one record; answer an htmx request with the list as it is now and the
    outcome said in place (409 for a refusal: the record's state changed meanwhile)."""
    record = get_object_or_404(Record, pk=record_id, review=review)
    try:
        action(review=review, lead=request.user, record=record)
    except ValidationError as error:
        notice, status = f"{refused}: {' '.join(error.messages)}", 409
        if not wants_partial(request):
            messages.error(request, notice)
    else:
        notice, status = f"{done}: {record.title[:120]}", 200
        if not wants_partial(request):
            messages.success(request, notice)
    if not wants_partial(request):
        return redirect("second_look", review_id=review.pk)
    return _second_look_page(request, review, notice=notice, refused=status != 200, status=status)


def _second_look_page(request, review, *, notice="", refused=False, status=200):
    look = stopping_selectors.second_look(review)
    template = "screening/second_look.html" + ("#second-look" if wants_partial(request) else "")
    return render(request, template, {"review": review, "look": look, "notice": notice, "refused": refused},
                  status=status)


@review_view("export")
def methods_text(request, review):
    from ..services.methods import review_methods_paragraph

    return render(request, "screening/methods_text.html",
                  {"review": review, "paragraph": review_methods_paragraph(review, request.user)})
