"""Stopping reads for the dashboard."""
from ..services import stopping as stopping_services


def stopping_dashboard(review, membership):
    """Return the stopping panel's numbers for a lead; nothing for a reviewer, whose own
    estimate is on their screening card (the review-wide one reads everyone's votes)."""
    if membership.role != "lead":
        return {}
    return {"stopping": stopping_services.review_recall(review, membership.user)}
