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


def test_behind_a_trusted_proxy_wrong_passwords_from_one_client_do_not_lock_out_another(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    through_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR="203.0.113.9", **through_proxy)
    locked = client.post("/accounts/login/", {"username": "alice", "password": password_of(alice)},
                         HTTP_X_FORWARDED_FOR="203.0.113.9", **through_proxy)
    assert locked.status_code == 429
    signed_in = client.post("/accounts/login/", {"username": "alice", "password": password_of(alice)},
                            HTTP_X_FORWARDED_FOR="198.51.100.7", **through_proxy)
    assert signed_in.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_lockout(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}", REMOTE_ADDR="203.0.113.9")
    response = client.post("/accounts/login/", {"username": "alice", "password": password_of(alice)},
                           HTTP_X_FORWARDED_FOR="192.0.2.99", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429


def test_settings_page_saves_exclusion_reasons_one_per_line(client, review, carol):
    client.force_login(carol)
    client.post(f"/reviews/{review.pk}/settings/", {
        "title": review.title, "reviewers_per_record": 2, "blind": "on", "order": "random",
        "exclusion_reasons_text": "Wrong population\n\nWrong outcome\nWrong outcome",
        "show_authors": "on", "show_journal": "on",
    })
    review.refresh_from_db()
    assert review.exclusion_reasons == ["Wrong population", "Wrong outcome"]


def test_a_signed_in_user_with_another_address_cannot_accept_an_invitation(client, review, carol, mallory):
    invitation = Invitation.objects.create(review=review, email="dan@example.org", role=Role.LEAD, invited_by=carol)
    client.force_login(mallory)
    page = client.get(f"/invitations/{invitation.token}/")
    assert page.status_code == 403
    assert b"This invitation was sent to <strong>dan@example.org</strong>" in page.content
    assert client.post(f"/invitations/{invitation.token}/").status_code == 403
    assert review.role_of(mallory) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_the_invited_account_accepts_once_and_the_acceptance_is_logged(client, review, carol, make_user, caplog):
    dan = make_user("dan", email="Dan@Example.org")
    invitation = Invitation.objects.create(review=review, email="dan@example.org", invited_by=carol)
    client.force_login(dan)
    with caplog.at_level("INFO", logger="screening.services.reviews"):
        response = client.post(f"/invitations/{invitation.token}/")
    assert response["Location"] == f"/reviews/{review.pk}/"
    invitation.refresh_from_db()
    assert invitation.accepted_by == dan and invitation.accepted_at is not None
    assert f"accepted by user {dan.pk} <{dan.email}>" in caplog.text
    assert client.post(f"/invitations/{invitation.token}/").status_code == 410


def test_an_expired_invitation_cannot_be_used_and_inviting_again_gives_a_new_link(client, review, carol, settings):
    from datetime import timedelta

    from django.utils import timezone

    from screening.services.reviews import member_add_by_email

    settings.INVITATION_EXPIRES_DAYS = 14
    invitation = Invitation.objects.create(review=review, email="dan@example.org", invited_by=carol,
                                           created_at=timezone.now() - timedelta(days=14, minutes=1))
    page = client.get(f"/invitations/{invitation.token}/")
    assert page.status_code == 410 and b"This invitation has expired" in page.content
    response = client.post(f"/invitations/{invitation.token}/",
                           {"name": "Dan", "password1": "tidy-harbour-4411", "password2": "tidy-harbour-4411"})
    assert response.status_code == 410
    _, renewed = member_add_by_email(review=review, email="dan@example.org", role=Role.REVIEWER, added_by=carol)
    assert renewed.pk == invitation.pk and renewed.token != invitation.token and renewed.is_open
    assert client.get(f"/invitations/{invitation.token}/").status_code == 404
