"""Refused actions say so in place, in a real browser: a vote without its required reason,
and text with a NUL character."""
import pytest

from screening.models import Decision

from ..conftest import password_of
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_vote_without_its_required_reason_is_refused_on_the_card(page, live_server, review, alice):
    review.reason_required_at_title_abstract = True
    review.save()
    make_records(review, 2)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    title = page.locator("#record-title").inner_text()
    page.keyboard.press("e")
    page.get_by_text("Choose a reason to exclude", exact=False).first.wait_for()
    assert page.locator("#record-title").inner_text() == title
    assert not Decision.objects.filter(verdict__isnull=False).exists()


def test_a_note_with_a_nul_character_is_refused_with_a_message_at_the_top(page, live_server, review, alice):
    make_records(review, 2)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    page.locator("#note").fill("see table 2\x00")
    page.get_by_role("button", name="Include").click()
    page.get_by_text("The field “note” contains a NUL character").wait_for()
    assert not Decision.objects.filter(verdict__isnull=False).exists()
