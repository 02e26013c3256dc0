"""The lead's decision to stop title/abstract screening (the estimate is on the dashboard)."""
from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ..access import review_view
from ..services import stopping as stopping_services


def stopping_dashboard(review, membership):
    """Return the stopping panel's numbers for a lead; nothing for a reviewer, whose own
    estimate is on their screening card (the review-wide one reads everyone's votes)."""
    if membership.role != "lead":
        return {}
    return {"stopping": stopping_services.review_recall(review, membership.user)}


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
