import pytest

from ..conftest import password_of
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_signs_in_creates_a_review_and_invites_a_reviewer(page, live_server, carol):
    sign_in(page, live_server, "carol", password_of(carol))
    page.get_by_role("link", name="New review").click()
    page.get_by_label("Title").fill("Exercise for low back pain")
    page.get_by_label("Review question").fill("Does exercise reduce pain in adults with low back pain?")
    page.get_by_role("button", name="Create review").click()
    page.get_by_role("heading", name="Exercise for low back pain").wait_for()

    page.locator("summary", has_text="Team").click()  # the header menu of the team's pages
    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_label("E-mail address").fill("dana@example.org")
    page.get_by_role("button", name="Add").click()
    link = page.get_by_label("Invitation link")
    assert "/invitations/" in link.input_value()
    assert page.get_by_text("dana@example.org").first.is_visible()


def test_a_reviewer_cannot_reach_the_member_page(page, live_server, review, alice):
    sign_in(page, live_server, "alice", password_of(alice))
    page.get_by_role("link", name=review.title).click()
    # No link to it, not even in a closed header menu.
    assert page.locator(f'a[href="/reviews/{review.pk}/members/"]').count() == 0
    response = page.goto(f"{live_server.url}/reviews/{review.pk}/members/")
    assert response.status == 403


def test_the_review_list_fits_a_phone_screen(phone_page, live_server, review, alice):
    sign_in(phone_page, live_server, "alice", password_of(alice))
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
