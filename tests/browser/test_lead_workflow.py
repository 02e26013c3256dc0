"""The lead's workflow in a real browser: every refused action says so in place, and every
page reachable from a review fits a 375 px phone and a 1366 px desktop.

Set SCREENSHOTS_DIR to keep a full-page screenshot of every page the walk visits."""
import os
import re

import pytest
from playwright.sync_api import expect

from screening.models import Membership
from screening.services import decisions, fulltext
from screening.services import queue as queue_services

from ..conftest import password_of
from ..helpers.lead_workflow import build
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in
from .layout import listen_for_errors, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1366, "height": 800}}


def new_page(browser, size="desktop"):
    context = browser.new_context(viewport=WIDTHS[size], is_mobile=size == "phone", has_touch=size == "phone")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def card_id(page):
    return page.locator("#record-card").get_attribute("data-record-id")


# --- Refused actions -------------------------------------------------------------------------

@pytest.fixture
def open_queue(review):
    """Records in import order, so who gets which record is known."""
    review.order = "import"
    review.exclusion_reasons = ["Wrong population", "Wrong intervention"]
    review.save()
    records = make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    return records


def test_a_vote_on_a_record_the_lead_decided_meanwhile_says_so_and_shows_the_next_one(
        browser, live_server, review, open_queue, alice, carol):
    context, page = new_page(browser, "phone")
    errors = listen_for_errors(page)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    shown = int(card_id(page))
    decisions.outcome_resolve(lead=carol, review=review, record=open_queue[0], verdict="exclude", reason="Children")
    assert shown == open_queue[0].pk
    page.keyboard.press("i")
    notice = page.locator("#record-card .notice")
    notice.wait_for()
    assert "The lead resolved this record" in notice.inner_text() and "next one" in notice.inner_text()
    assert int(card_id(page)) != shown
    assert errors == []
    context.close()


def test_changing_a_vote_on_a_record_the_lead_resolved_meanwhile_is_refused_with_the_next_card(
        browser, live_server, review, open_queue, alice, bob, carol):
    """Alice goes back to her vote (a conflict with Bob's) and changes it after the lead has
    resolved the record: 409, and the card says so."""
    decisions.decision_record(reviewer=bob, review=review, record=queue_services.screening_next(
        reviewer=bob, review=review)[0], verdict="exclude")
    context, page = new_page(browser)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    first = int(card_id(page))
    page.keyboard.press("i")
    # Polled by Playwright's selector engine: a wait_for_function predicate needs eval, which the
    # page's Content-Security-Policy forbids.
    expect(page.locator("#record-card")).not_to_have_attribute("data-record-id", str(first))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screen/?record={first}")
    decisions.outcome_resolve(lead=carol, review=review, record=open_queue[0], verdict="include")
    with page.expect_response(re.compile(r"/decide/$")) as answer:
        page.keyboard.press("e")
    assert answer.value.status == 409
    notice = page.locator("#record-card .notice")
    notice.wait_for()
    assert "The lead resolved this record" in notice.inner_text()
    assert int(card_id(page)) != first
    context.close()


def test_a_full_text_exclusion_without_a_reason_marks_the_reason_field(
        browser, live_server, review, open_queue, alice, carol):
    decisions.outcome_resolve(lead=carol, review=review, record=open_queue[0], verdict="include")
    fulltext.report_attach(review=review, record=open_queue[0], by=carol, url="https://example.org/full.pdf")
    context, page = new_page(browser, "phone")
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/fulltext/screen/")
    page.locator("#note").fill("methods section unclear")
    with page.expect_response(re.compile(r"/decide/$")) as answer:
        page.get_by_role("button", name="Exclude").click()
    assert answer.value.status == 422
    error = page.locator("#reason-error")
    error.wait_for()
    assert error.is_visible() and "Choose a reason to exclude" in error.inner_text()
    assert page.locator("#reason").get_attribute("aria-invalid") == "true"
    assert page.locator("#note").input_value() == "methods section unclear"  # nothing typed is lost
    # Choosing a reason and excluding again goes through.
    page.locator("#reason").select_option("Wrong population")
    page.get_by_role("button", name="Exclude").click()
    page.get_by_role("heading", name="Nothing left to screen").wait_for()
    context.close()


def test_resolving_a_full_text_conflict_without_a_reason_marks_the_reason_field(
        browser, live_server, review, open_queue, alice, bob, carol):
    record = open_queue[0]
    decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
    fulltext.report_attach(review=review, record=record, by=carol, url="https://example.org/full.pdf")
    for reviewer, verdict, reason in ((alice, "include", ""), (bob, "exclude", "Wrong population")):
        claimed, _ = queue_services.screening_next(reviewer=reviewer, review=review, stage="full_text")
        decisions.decision_record(reviewer=reviewer, review=review, record=claimed, stage="full_text",
                                  verdict=verdict, reason=reason)
    context, page = new_page(browser)
    errors = listen_for_errors(page)
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screening/conflicts/")
    assert page.locator("#conflict-count").inner_text() == "1 open conflict."
    assert page.locator("#conflict-card .stage-line .badge").inner_text() == "Full text"
    with page.expect_response(re.compile(r"/resolve/$")) as answer:
        page.keyboard.press("e")
    assert answer.value.status == 422
    error = page.locator("#resolve-reason-error")
    error.wait_for()
    assert "Choose a reason to exclude" in error.inner_text()
    assert page.locator("#resolve-reason").get_attribute("aria-invalid") == "true"
    page.locator("#resolve-reason").select_option("Wrong population")
    page.get_by_role("button", name="Exclude").click()
    page.get_by_role("heading", name="No open conflicts").wait_for()
    assert "excluded" in page.locator("#conflict-card .messages").inner_text()
    # The browser reports the 422 itself; no script failed.
    assert [e for e in errors if "Failed to load resource" not in e] == []
    context.close()


def test_a_vote_after_losing_membership_shows_what_happened_in_place(
        browser, live_server, review, open_queue, alice):
    """Any other refusal (here a 404: Alice was removed from the review while her card was
    open) puts a message where the card would have been swapped."""
    context, page = new_page(browser, "phone")
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    Membership.objects.filter(review=review, user=alice).delete()
    page.keyboard.press("i")
    alert = page.locator("[data-refusal]")
    alert.wait_for()
    assert alert.is_visible() and "no longer here" in alert.inner_text()
    context.close()


# --- Every page, phone and desktop ------------------------------------------------------------

def test_every_page_of_a_review_fits_a_phone_and_a_desktop(browser, live_server, review, alice, bob, carol):
    """The lead and a reviewer of a review with conflicts at both stages, full texts and merges
    visit every page reachable from it: no HTTP error, no page wider than the window, nothing
    cut off outside a scroll box, no console error."""
    build(review, alice=alice, bob=bob, carol=carol)
    shots = os.environ.get("SCREENSHOTS_DIR")
    problems, counts = {}, {}
    for size in WIDTHS:
        context, page = new_page(browser, size)
        for user in (carol, alice):
            context.clear_cookies()
            sign_in(page, live_server, user.username, password_of(user))

            def screenshot(page, url, user=user, size=size):
                if shots:
                    slug = re.sub(r"[^a-z0-9]+", "-", url.replace(live_server.url, "").lower()).strip("-")
                    page.screenshot(path=os.path.join(shots, f"{user.username}-{size}-{slug}.png"), full_page=True)

            found, visited = walk(page, live_server.url, review.pk, screenshot=screenshot if shots else None)
            counts[(user.username, size)] = len(visited)
            problems.update({f"{user.username} {size} {url}": p for url, p in found.items()})
        context.close()
    assert problems == {}
    # Every kind of page the lead has (dashboard, screening, full text, conflicts, records,
    # imports, PubMed, duplicates, merges, PRISMA, studies, exports, members, settings …).
    assert counts[("carol", "phone")] >= 20 and counts[("alice", "phone")] >= 8, counts
