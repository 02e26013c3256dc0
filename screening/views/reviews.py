from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..access import review_view
from ..forms import AcceptInvitationForm, AddMemberForm, ChangeRoleForm, ReviewForm, ReviewSettingsForm
from ..models import Invitation, Membership, Role
from ..services import reviews as review_services
from ..selectors.dashboard import dashboard_sections


@login_required
def review_list(request):
    memberships = (
        Membership.objects.active().filter(user=request.user).select_related("review")
        .order_by("-review__created_at")
    )
    return render(request, "screening/review_list.html", {"memberships": memberships})


@login_required
def review_create(request):
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = review_services.review_create(created_by=request.user, **form.cleaned_data)
        messages.success(request, "Review created. Next: add your team and import your search results.")
        return redirect("review_dashboard", review_id=review.pk)
    return render(request, "screening/review_form.html", {"form": form})


@review_view("view")
def review_dashboard(request, review):
    context = {"review": review, "membership": request.membership}
    context.update(dashboard_sections(review, request.membership))
    return render(request, "screening/review_dashboard.html", context)


@review_view("manage")
def review_settings(request, review):
    form = ReviewSettingsForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("review_settings", review_id=review.pk)
    return render(request, "screening/review_settings.html", {"review": review, "form": form})


@review_view("manage")
def member_list(request, review):
    form = AddMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome, obj = review_services.member_add_by_email(
            review=review, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            added_by=request.user,
        )
        if outcome == "added":
            messages.success(request, f"{obj.user.email or obj.user.username} is now a "
                                      f"{obj.get_role_display().lower()} of this review.")
        else:
            _send_invitation(request, obj, f"No account uses {obj.email} yet.")
        return redirect("member_list", review_id=review.pk)
    memberships = review.memberships.select_related("user").order_by("removed_at", "role", "user__username")
    invitations = review.invitations.filter(accepted_at=None).order_by("-created_at")
    return render(request, "screening/member_list.html", {
        "review": review, "form": form, "memberships": memberships, "invitations": invitations,
        "role_choices": Role.choices,
        "invitation_base": request.build_absolute_uri(reverse("invitation_accept", args=["TOKEN"])).replace("TOKEN/",
                                                                                                            ""),
    })


@review_view("manage")
@require_POST
def member_change_role(request, review, membership_id):
    membership = get_object_or_404(Membership, pk=membership_id, review=review, removed_at=None)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            review_services.member_change_role(membership=membership, role=form.cleaned_data["role"])
            messages.success(request, "Role changed.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("member_list", review_id=review.pk)


@review_view("manage")
@require_POST
def member_remove(request, review, membership_id):
    membership = get_object_or_404(Membership, pk=membership_id, review=review, removed_at=None)
    try:
        review_services.member_remove(membership=membership)
        messages.success(request, "Member removed. Their past decisions are kept.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if membership.user == request.user:
        return redirect("review_list")
    return redirect("member_list", review_id=review.pk)


@review_view("manage")
@require_POST
def invitation_revoke(request, review, invitation_id):
    invitation = get_object_or_404(Invitation, pk=invitation_id, review=review, accepted_at=None)
    invitation.delete()
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("member_list", review_id=review.pk)


def _send_invitation(request, invitation, opening):
    """E-mail the link and tell the lead, in words, what happened to it."""
    url = request.build_absolute_uri(reverse("invitation_accept", args=[invitation.token]))
    try:
        mailed = review_services.invitation_send(invitation=invitation, accept_url=url)
    except OSError as error:
        messages.error(request, f"{opening} The invitation e-mail to {invitation.email} could not be sent "
                                f"({error}). Copy the link below and send it yourself.")
        return
    if mailed:
        messages.success(request, f"{opening} An invitation e-mail was sent to {invitation.email}; "
                                  "you can also copy the link below.")
    else:
        messages.info(request, f"{opening} E-mail is not set up on this server (EMAIL_HOST), so the invitation "
                               f"was only printed in the server log. Copy the link below and send it to "
                               f"{invitation.email} yourself.")


@review_view("manage")
@require_POST
def invitation_resend(request, review, invitation_id):
    invitation = get_object_or_404(Invitation, pk=invitation_id, review=review, accepted_at=None)
    invitation = review_services.invitation_renew(invitation=invitation, renewed_by=request.user)
    _send_invitation(request, invitation, f"New link for {invitation.email}: the previous one no longer works.")
    return redirect("member_list", review_id=review.pk)


def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation, token=token)
    if not invitation.is_open:
        return render(request, "screening/invitation_used.html", {"invitation": invitation}, status=410)
    if request.user.is_authenticated:
        if not invitation.is_for(request.user):
            return render(request, "screening/invitation_accept.html",
                          {"invitation": invitation, "wrong_account": True}, status=403)
        if request.method == "POST":
            try:
                review_services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("invitation_accept", token=token)
            messages.success(request, f"You joined “{invitation.review.title}”.")
            return redirect("review_dashboard", review_id=invitation.review_id)
        return render(request, "screening/invitation_accept.html", {"invitation": invitation})
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user, _ = review_services.invitation_accept(
                invitation=invitation, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome. You joined “{invitation.review.title}”.")
            return redirect("review_dashboard", review_id=invitation.review_id)
    return render(request, "screening/invitation_accept.html", {"invitation": invitation, "form": form})
