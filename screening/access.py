"""Who may do what in a review: the one place that decides.

Every view under /reviews/<review_id>/ is wrapped in @review_view(action). A non-member gets 404
(so the review's existence is not revealed) and a member whose role lacks the action gets 403.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Review, Role

# action -> roles allowed to do it
PERMISSIONS = {
    "view": {Role.LEAD, Role.REVIEWER},  # dashboard, own progress
    "screen": {Role.LEAD, Role.REVIEWER},  # record own decisions
    "manage": {Role.LEAD},  # settings, members
    "import": {Role.LEAD},  # imports, PubMed searches
    "deduplicate": {Role.LEAD},  # duplicate review queue, undo merges
    "resolve": {Role.LEAD},  # conflicts, decisions on a reviewer's behalf
    "export": {Role.LEAD},  # records, votes, PRISMA
}
LEAD_ONLY_ACTIONS = {action for action, roles in PERMISSIONS.items() if roles == {Role.LEAD}}


def membership_for(user, review_id):
    """Return the user's active membership of the review, or None."""
    if not user.is_authenticated:
        return None
    # get(), not first(): one membership per user and review (a unique constraint), and it
    # spares the ORDER BY and slicing on a query every review page runs.
    try:
        return Membership.objects.active().select_related("review").get(review_id=review_id, user=user)
    except Membership.DoesNotExist:
        return None


def may(user, action, review):
    """Return True if the user may do `action` in `review`."""
    membership = membership_for(user, review.pk if isinstance(review, Review) else review)
    return membership is not None and membership.role in PERMISSIONS[action]


def check_access(user, action, review_id):
    """Return the membership that allows `action`, raise Http404 for non-members and
    PermissionDenied for members without the role."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    membership = membership_for(user, review_id)
    if membership is None:
        raise Http404("No such review.")
    if membership.role not in PERMISSIONS[action]:
        raise PermissionDenied("Only a lead of this review can do this.")
    return membership


def review_view(action):
    """Decorate a view taking `review_id`: check access, then call it with `review` and
    `membership` in place of `review_id`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, review_id, *args, **kwargs):
            membership = check_access(request.user, action, review_id)
            request.membership = membership
            return view(request, membership.review, *args, **kwargs)

        wrapper.review_action = action  # read by the access-control test
        return wrapper

    return decorator
