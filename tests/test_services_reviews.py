import pytest
from django.core.exceptions import ValidationError

from screening.models import Invitation, Membership, Role
from screening.services import reviews as services

pytestmark = pytest.mark.django_db


def test_it_makes_the_creator_the_first_lead(carol):
    review = services.review_create(created_by=carol, title="A review")
    assert review.role_of(carol) == Role.LEAD
    assert review.exclusion_reasons, "a review starts with the usual exclusion reasons"


def test_adding_an_existing_account_by_email_adds_it_at_once(review, mallory):
    outcome, membership = services.member_add_by_email(
        review=review, email="MALLORY@example.org", role=Role.REVIEWER, added_by=review.created_by)
    assert outcome == "added"
    assert membership.user == mallory
    assert review.role_of(mallory) == Role.REVIEWER


def test_adding_an_unknown_email_creates_one_invitation(review, carol):
    outcome, invitation = services.member_add_by_email(
        review=review, email="dan@example.org", role=Role.REVIEWER, added_by=carol)
    again, same = services.member_add_by_email(
        review=review, email="Dan@example.org", role=Role.LEAD, added_by=carol)
    assert (outcome, again) == ("invited", "invited")
    assert same.pk == invitation.pk and same.role == Role.LEAD
    assert Invitation.objects.filter(review=review).count() == 1


def test_accepting_an_invitation_creates_the_account_and_membership(review, carol):
    _, invitation = services.member_add_by_email(
        review=review, email="dan@example.org", role=Role.REVIEWER, added_by=carol)
    user, membership = services.invitation_accept(invitation=invitation, name="Dan Smith", password="a-long-pass-123")
    assert user.check_password("a-long-pass-123")
    assert (user.first_name, user.last_name) == ("Dan", "Smith")
    assert membership.role == Role.REVIEWER
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(invitation=invitation, name="Eve", password="another-pass-456")


def test_the_last_lead_cannot_be_demoted_or_removed(review, carol):
    lead = review.memberships.get(user=carol)
    with pytest.raises(ValidationError, match="at least one lead"):
        services.member_change_role(membership=lead, role=Role.REVIEWER)
    with pytest.raises(ValidationError, match="at least one lead"):
        services.member_remove(membership=lead)
    assert review.role_of(carol) == Role.LEAD


def test_a_lead_can_step_down_once_another_lead_exists(review, carol, alice):
    services.member_change_role(membership=review.memberships.get(user=alice), role=Role.LEAD)
    services.member_change_role(membership=review.memberships.get(user=carol), role=Role.REVIEWER)
    assert review.role_of(carol) == Role.REVIEWER


def test_removing_a_member_keeps_the_row(review, bob):
    services.member_remove(membership=review.memberships.get(user=bob))
    row = Membership.objects.get(review=review, user=bob)
    assert row.removed_at is not None
    assert review.role_of(bob) is None


def test_re_adding_a_removed_member_restores_them(review, bob, carol):
    services.member_remove(membership=review.memberships.get(user=bob))
    outcome, membership = services.member_add_by_email(review=review, email=bob.email, role=Role.REVIEWER,
                                                       added_by=carol)
    assert outcome == "added" and membership.removed_at is None
