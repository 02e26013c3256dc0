"""Invitations go out by e-mail; the lead can copy the link or send a new one."""
import smtplib

import pytest

from screening.models import Invitation
from screening.services import reviews as review_services

pytestmark = pytest.mark.django_db


def invite(client, review, email="dan@example.org"):
    return client.post(f"/reviews/{review.pk}/members/", {"email": email, "role": "reviewer"}, follow=True)


def test_with_a_mail_server_the_invitation_is_emailed_to_the_address(client, review, carol, settings, mailoutbox):
    settings.EMAIL_HOST = "mail.example.org"
    client.force_login(carol)
    page = invite(client, review).content.decode()
    invitation = Invitation.objects.get(email="dan@example.org")
    [mail] = mailoutbox
    assert mail.to == ["dan@example.org"] and "Blue light and sleep" in mail.subject
    assert f"/invitations/{invitation.token}/" in mail.body and "Carol Lead" in mail.body
    assert "An invitation e-mail was sent to dan@example.org" in page


def test_without_a_mail_server_the_lead_is_told_to_send_the_link_themself(client, review, carol, settings,
                                                                           mailoutbox):
    settings.EMAIL_HOST = ""
    client.force_login(carol)
    page = invite(client, review).content.decode()
    assert len(mailoutbox) == 1  # the console backend in production; the test outbox here
    assert "E-mail is not set up on this server (EMAIL_HOST)" in page
    assert "Copy the link below and send it to dan@example.org yourself." in page


def test_a_mail_server_that_refuses_is_reported_and_the_link_is_still_shown(client, review, carol, settings,
                                                                              monkeypatch):
    settings.EMAIL_HOST = "mail.example.org"

    def refuse(**kwargs):
        raise smtplib.SMTPRecipientsRefused({"dan@example.org": (550, b"no such user")})

    monkeypatch.setattr(review_services, "send_mail", refuse)
    client.force_login(carol)
    page = invite(client, review).content.decode()
    invitation = Invitation.objects.get(email="dan@example.org")
    assert "could not be sent" in page and f"/invitations/{invitation.token}/" in page


def test_the_member_page_has_a_copy_button_for_each_link_and_no_inline_script(client, review, carol):
    client.force_login(carol)
    invite(client, review)
    invitation = Invitation.objects.get()
    page = client.get(f"/reviews/{review.pk}/members/").content.decode()
    assert f'data-copy="inv-link-{invitation.pk}"' in page and "Copy link" in page
    assert "js/copy-field.js" in page and "onclick" not in page


def test_sending_a_new_link_kills_the_old_one_and_mails_the_new(client, review, carol, settings, mailoutbox):
    settings.EMAIL_HOST = "mail.example.org"
    client.force_login(carol)
    invite(client, review)
    old_token = Invitation.objects.get().token
    page = client.post(f"/reviews/{review.pk}/invitations/{Invitation.objects.get().pk}/resend/",
                       follow=True).content.decode()
    invitation = Invitation.objects.get()
    assert invitation.token != old_token
    assert "New link for dan@example.org: the previous one no longer works." in page
    assert f"/invitations/{invitation.token}/" in mailoutbox[-1].body and len(mailoutbox) == 2
    client.logout()
    assert client.get(f"/invitations/{old_token}/").status_code == 404
    assert client.get(f"/invitations/{invitation.token}/").status_code == 200


def test_a_new_link_renews_an_expired_invitation(client, review, carol, settings):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(carol)
    invite(client, review)
    invitation = Invitation.objects.get()
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=settings.INVITATION_EXPIRES_DAYS + 1))
    client.post(f"/reviews/{review.pk}/invitations/{invitation.pk}/resend/")
    invitation.refresh_from_db()
    assert invitation.is_open


def test_only_the_lead_sends_a_new_link_and_only_by_post(client, review, carol, alice):
    client.force_login(carol)
    invite(client, review)
    invitation = Invitation.objects.get()
    assert client.get(f"/reviews/{review.pk}/invitations/{invitation.pk}/resend/").status_code == 405
    client.force_login(alice)
    assert client.post(f"/reviews/{review.pk}/invitations/{invitation.pk}/resend/").status_code == 403
    assert Invitation.objects.get().token == invitation.token


def test_a_used_invitation_cannot_get_a_new_link(client, review, carol):
    invitation = Invitation.objects.create(review=review, email="dan@example.org", invited_by=carol)
    client.post(f"/invitations/{invitation.token}/",
                {"name": "Dan", "password1": "a long enough pass 42", "password2": "a long enough pass 42"})
    client.force_login(carol)
    assert client.post(f"/reviews/{review.pk}/invitations/{invitation.pk}/resend/").status_code == 404
