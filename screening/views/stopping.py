"""The lead's decision to stop title/abstract screening (the estimate is on the dashboard) and the
second look at the records excluded at title/abstract."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ..access import review_view
from ..models import Record
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
    return render(request, "screening/second_look.html",
                  {"review": review, "look": stopping_services.second_look(review)})


@review_view("resolve")
@require_POST
def second_look_include(request, review, record_id):
    record = get_object_or_404(Record, pk=record_id, review=review)
    try:
        stopping_services.second_look_include(review=review, lead=request.user, record=record)
    except ValidationError as error:
        messages.error(request, f"Not included: {' '.join(error.messages)}")
    else:
        messages.success(request, f"Included after a second look: {record.title[:120]}")
    return redirect("second_look", review_id=review.pk)


@review_view("export")
def methods_text(request, review):
    from ..services.methods import review_methods_paragraph

    return render(request, "screening/methods_text.html",
                  {"review": review, "paragraph": review_methods_paragraph(review, request.user)})
