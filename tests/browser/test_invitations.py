"""In the browser: the lead invites an address, copies the link with its button and sends a new one."""
import pytest

from screening.models import Invitation

from ..conftest import password_of
from .conftest import sign_in
from .test_import_discard_and_reasons import look

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_copies_an_invitation_link_and_sends_a_new_one(page, live_server, review, carol):
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/members/")
    page.get_by_label("E-mail").fill("dan@example.org")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text("Copy the link below and send it to dan@example.org yourself.").wait_for()
    for width in (375, 1366):
        look(page, "members", width)
    page.get_by_role("button", name="Copy link").click()
    status = page.locator(".copy-status")
    status.filter(has_text="Copied").or_(status.filter(has_text="Selected")).wait_for()
    old_token = Invitation.objects.get().token
    page.get_by_role("button", name="Send a new link").click()
    page.get_by_text("New link for dan@example.org: the previous one no longer works.").wait_for()
    new_token = Invitation.objects.get().token
    assert new_token != old_token
    assert new_token in page.get_by_label("Invitation link").input_value()
