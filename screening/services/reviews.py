import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import Invitation, Membership, Review, Role

logger = logging.getLogger(__name__)

User = get_user_model()


@transaction.atomic
def review_create(*, created_by, title, question="", inclusion_criteria="", exclusion_criteria=""):
    """Create a review with its creator as the first lead."""
    review = Review.objects.create(
        title=title,
        question=question,
        inclusion_criteria=inclusion_criteria,
        exclusion_criteria=exclusion_criteria,
        created_by=created_by,
        exclusion_reasons=list(DEFAULT_EXCLUSION_REASONS),
    )
    Membership.objects.create(review=review, user=created_by, role=Role.LEAD)
    return review


DEFAULT_EXCLUSION_REASONS = (
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcome",
    "Wrong study design",
    "Wrong publication type",
    "Not in the language of the review",
)


def user_find_by_email(email):
    return User.objects.filter(email__iexact=email.strip()).order_by("pk").first()


@transaction.atomic
def member_add_by_email(*, review, email, role, added_by):
    """Add the account with this e-mail at once, or create an invitation the lead can send.

    Return ("added", membership) or ("invited", invitation). A removed member is restored.
    """
    email = email.strip()
    user = user_find_by_email(email)
    if user is not None:
        membership, created = Membership.objects.get_or_create(
            review=review, user=user, defaults={"role": role}
        )
        if not created:
            membership.role = role
            membership.removed_at = None
            membership.save(update_fields=["role", "removed_at"])
        return "added", membership
    invitation = Invitation.objects.filter(review=review, email__iexact=email, accepted_at=None).first()
    if invitation is None:
        invitation = Invitation.objects.create(review=review, email=email, role=role, invited_by=added_by)
    elif invitation.is_expired:
        # Inviting again renews an expired invitation with a new link; the old link stays dead.
        invitation.token = Invitation._meta.get_field("token").default()
        invitation.created_at = timezone.now()
        invitation.role, invitation.invited_by = role, added_by
        invitation.save(update_fields=["token", "created_at", "role", "invited_by"])
    elif invitation.role != role:
        invitation.role = role
        invitation.save(update_fields=["role"])
    return "invited", invitation


@transaction.atomic
@transaction.atomic
def invitation_renew(*, invitation, renewed_by):
    """Give an open invitation a new link and a new expiry; the old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    invitation.token = Invitation._meta.get_field("token").default()
    invitation.created_at = timezone.now()
    invitation.invited_by = renewed_by
    invitation.save(update_fields=["token", "created_at", "invited_by"])
    logger.info("invitation %s to review %s renewed by user %s", invitation.pk, invitation.review_id, renewed_by.pk)
    return invitation


def invitation_send(*, invitation, accept_url):
    """E-mail the invitation link to the invited address. Without EMAIL_HOST, Django's console
    backend prints the message in the server's log instead. Return True if the mail went out
    to a mail server; False if it was only printed. Raise OSError when the mail server refuses."""
    inviter = invitation.invited_by.get_full_name() or invitation.invited_by.email or invitation.invited_by.username
    send_mail(
        subject=f"Invitation to screen for “{invitation.review.title}”",
        message=(f"{inviter} invites you to join the systematic review “{invitation.review.title}” as a "
                 f"{invitation.get_role_display().lower()}.\n\nOpen this link to accept (it works once, for "
                 f"{invitation.email}, until {invitation.expires_at:%d %B %Y}):\n{accept_url}\n"),
        from_email=None, recipient_list=[invitation.email],
    )
    return bool(settings.EMAIL_HOST)


def invitation_accept(*, invitation, user=None, name="", password=None):
    """Accept an open invitation, creating the invitee's account when `user` is None.

    Refused when it was used or has expired, and when a signed-in `user` is not the account of
    the invited address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.")
    if invitation.is_expired:
        raise ValidationError("This invitation has expired. Ask the review's lead for a new one.")
    if user is not None and not invitation.is_for(user):
        raise ValidationError(
            f"This invitation was sent to {invitation.email}, and you are signed in as "
            f"{user.email or user.username}. Sign in with the invited address to accept it.")
    if user is None:
        if user_find_by_email(invitation.email) is not None:
            raise ValidationError("An account with this e-mail exists already: sign in to accept.")
        first, _, last = name.strip().partition(" ")
        user = User.objects.create_user(
            username=invitation.email.lower(),
            email=invitation.email,
            password=password,
            first_name=first[:150],
            last_name=last[:150],
        )
    membership, created = Membership.objects.get_or_create(
        review=invitation.review, user=user, defaults={"role": invitation.role}
    )
    if not created and membership.removed_at is not None:
        membership.removed_at = None
        membership.role = invitation.role
        membership.save(update_fields=["removed_at", "role"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    logger.info("invitation %s to review %s (%s, %s) accepted by user %s <%s> at %s", invitation.pk,
                invitation.review_id, invitation.email, invitation.role, user.pk, user.email,
                invitation.accepted_at.isoformat())
    return user, membership


def _ensure_another_lead(membership):
    other_leads = (
        Membership.objects.leads()
        .select_for_update()
        .filter(review=membership.review)
        .exclude(pk=membership.pk)
    )
    if not other_leads.exists():
        raise ValidationError("A review must keep at least one lead.")


@transaction.atomic
def member_change_role(*, membership, role):
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.LEAD and role != Role.LEAD:
        _ensure_another_lead(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership):
    """Remove a member; their past decisions stay. The last lead cannot be removed."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.LEAD:
        _ensure_another_lead(membership)
    membership.removed_at = timezone.now()
    membership.save(update_fields=["removed_at"])
    from .decisions import claims_release

    claims_release(review=membership.review, reviewer=membership.user)
    return membership
