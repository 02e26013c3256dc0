import pytest
from django.core import mail

from screening.models import Invitation, Review, Role

from .conftest import password_of

pytestmark = pytest.mark.django_db


def test_the_review_list_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_signing_in_shows_my_reviews(client, review, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": password_of(alice)}, follow=True)
    assert response.status_code == 200
    assert b"Blue light and sleep" in response.content


def test_a_signed_in_user_creates_a_review_and_leads_it(client, mallory):
    client.force_login(mallory)
    response = client.post("/reviews/new/", {"title": "Coffee and memory", "question": "Q?"})
    review = Review.objects.get(title="Coffee and memory")
    assert response["Location"] == f"/reviews/{review.pk}/"
    assert review.role_of(mallory) == Role.LEAD


def test_a_lead_adds_an_unknown_email_and_sees_the_invitation_link(client, review, carol):
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/members/", {"email": "dan@example.org", "role": "reviewer"},
                           follow=True)
    invitation = Invitation.objects.get(email="dan@example.org")
    assert f"/invitations/{invitation.token}/".encode() in response.content


def test_an_invitee_sets_a_password_and_lands_in_the_review(client, review, carol):
    invitation = Invitation.objects.create(review=review, email="dan@example.org", invited_by=carol)
    response = client.post(f"/invitations/{invitation.token}/",
                           {"name": "Dan Smith", "password1": "tidy-harbour-4411", "password2": "tidy-harbour-4411"})
    assert response["Location"] == f"/reviews/{review.pk}/"
    assert client.get(f"/reviews/{review.pk}/").status_code == 200


def test_a_used_invitation_says_so(client, review, carol):
    invitation = Invitation.objects.create(review=review, email="dan@example.org", invited_by=carol)
    client.post(f"/invitations/{invitation.token}/",
                {"name": "Dan", "password1": "tidy-harbour-4411", "password2": "tidy-harbour-4411"})
    client.logout()
    assert client.get(f"/invitations/{invitation.token}/").status_code == 410


def test_a_lead_cannot_remove_the_last_lead_through_the_page(client, review, carol):
    client.force_login(carol)
    lead = review.memberships.get(user=carol)
    response = client.post(f"/reviews/{review.pk}/members/{lead.pk}/remove/", follow=True)
    assert b"at least one lead" in response.content
    assert review.role_of(carol) == Role.LEAD


def test_password_reset_sends_a_link_by_email(client, alice):
    client.post("/accounts/password_reset/", {"email": alice.email})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, alice):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": password_of(alice)})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content


def test_settings_page_saves_exclusion_reasons_one_per_line(client, review, carol):
    client.force_login(carol)
    client.post(f"/reviews/{review.pk}/settings/", {
        "title": review.title, "reviewers_per_record": 2, "blind": "on", "order": "random",
        "exclusion_reasons_text": "Wrong population\n\nWrong outcome\nWrong outcome",
        "show_authors": "on", "show_journal": "on",
    })
    review.refresh_from_db()
    assert review.exclusion_reasons == ["Wrong population", "Wrong outcome"]
