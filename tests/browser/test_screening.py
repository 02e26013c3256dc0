"""Screening in a real browser: two reviewers by keyboard only, a conflict, the lead resolves
it, the dashboard shows kappa; the phone layout; no JavaScript."""
import pytest
from playwright.sync_api import expect

from screening.models import Decision, RecordStage

from ..conftest import password_of
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def current_id(page):
    return page.locator("#record-card").get_attribute("data-record-id")


def press_and_wait(page, key):
    """Press a decision key and wait until the next record's card is in place and settled
    (keys pressed before it settles are dropped)."""
    before = current_id(page)
    page.keyboard.press(key)
    page.wait_for_function(
        "before => { const c = document.getElementById('record-card');"
        " return c && c.getAttribute('data-record-id') !== before && !c.classList.contains('htmx-added'); }",
        arg=before)
    if page.locator("#record-title").count() and current_id(page):
        # The live region announces the record that just appeared.
        title = page.locator("#record-title").inner_text()
        assert title[:40] in page.locator("#announce").inner_text()


def screen_by_keyboard(page, live_server, review, choose):
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    for _ in range(10):
        title = page.locator("#record-title").inner_text()
        choose(page, title)
    page.get_by_role("heading", name="Nothing left to screen").wait_for()


def test_two_reviewers_screen_by_keyboard_and_the_lead_resolves_the_conflict(
        browser, live_server, review, alice, bob, carol):
    make_records(review, 10)  # records 4 and 9 are about mice

    def alice_choice(page, title):
        press_and_wait(page, "e" if "mice" in title else "i")

    def bob_choice(page, title):
        if "(1)" in title:
            # Keys typed into the note are text, not shortcuts; Esc leaves the note box.
            page.keyboard.press("n")
            page.keyboard.type("uses tablets, not glasses")
            page.keyboard.press("Escape")
            page.keyboard.press("2")  # the second exclusion reason
            press_and_wait(page, "e")
        else:
            press_and_wait(page, "e" if "mice" in title else "i")

    for user, choose in ((alice, alice_choice), (bob, bob_choice)):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        sign_in(page, live_server, user.username, password_of(user))
        screen_by_keyboard(page, live_server, review, choose)
        context.close()

    conflict = RecordStage.objects.get(outcome="conflict")
    bob_vote = Decision.objects.get(reviewer=bob, record=conflict.record)
    assert "(1)" in conflict.record.title
    assert (bob_vote.note, bob_vote.reason) == ("uses tablets, not glasses", "Wrong intervention")
    assert RecordStage.objects.filter(outcome="included").count() == 7

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screening/conflicts/")
    page.get_by_text("1 open conflict").wait_for()
    assert page.get_by_text("uses tablets, not glasses").is_visible()
    page.get_by_label("Reason for the final decision").select_option(label="Other (write it below)")
    page.get_by_label("Other reason").fill("Tablets count as screens")
    page.get_by_label("Other reason").press("Escape")
    page.keyboard.press("i")
    page.get_by_role("heading", name="No open conflicts").wait_for()
    conflict.refresh_from_db()
    assert (conflict.outcome, conflict.resolution) == ("included", "lead_resolved")

    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    row = page.locator("table.agreement tbody tr").first
    # 9 of 10 agree; kappa = (0.9 - 0.62) / 0.38 = 0.74
    assert "90 %" in row.inner_text() and "0.74" in row.locator(".kappa").inner_text()
    context.close()


def test_the_decision_buttons_stay_in_view_on_a_phone(phone_page, live_server, review, alice):
    from screening.models import Record

    records = make_records(review, 2)
    Record.objects.filter(pk__in=[r.pk for r in records]).update(abstract="Background. " * 400)
    sign_in(phone_page, live_server, "alice", password_of(alice))
    open_screen(phone_page, f"{live_server.url}/reviews/{review.pk}/screen/")
    include = phone_page.get_by_role("button", name="Include")
    box = include.bounding_box()
    assert box["y"] + box["height"] <= 740, box
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    first = current_id(phone_page)
    include.tap()
    phone_page.wait_for_function(
        "first => document.getElementById('record-card').getAttribute('data-record-id') !== first", arg=first)
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict == "include"


def test_without_javascript_the_buttons_still_work(browser, live_server, review, alice):
    make_records(review, 3)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "alice", password_of(alice))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screen/")
    assert current_id(page) is None  # the GET claims nothing; the button does, by POST
    page.get_by_role("button", name="Start screening").click()
    page.wait_for_load_state()
    first = current_id(page)
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict is None
    page.get_by_role("button", name="Exclude").click()
    page.wait_for_load_state()
    assert current_id(page) != first
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict == "exclude"
    context.close()


def test_undo_previous_next_and_the_shortcut_sheet_work_by_keyboard(page, live_server, review, alice):
    make_records(review, 4)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    first = current_id(page)
    press_and_wait(page, "m")
    second = current_id(page)
    press_and_wait(page, "k")
    assert current_id(page) == first
    assert "Your decision: Maybe" in page.locator("#record-card").inner_text()
    press_and_wait(page, "j")
    assert current_id(page) == second
    press_and_wait(page, "u")
    assert current_id(page) == first
    assert Decision.objects.get(reviewer=alice, record_id=first).verdict is None
    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()


def test_a_held_key_never_votes_on_a_card_htmx_is_still_swapping_in(page, live_server, review, alice):
    """Keys pressed while the next card is being swapped in are dropped: its buttons are not
    wired to htmx yet, and clicking one posted the form without htmx, voting on a record shown
    for a few milliseconds and reloading the page."""
    make_records(review, 30)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    first = current_id(page)
    page.evaluate("document.getElementById('record-card').classList.add('htmx-added'); window.samePage = true")
    page.keyboard.press("e")
    page.wait_for_timeout(300)
    assert current_id(page) == first and not Decision.objects.filter(reviewer=alice, verdict__isnull=False).exists()
    page.evaluate("document.getElementById('record-card').classList.remove('htmx-added')")
    for _ in range(40):  # a key held down: auto-repeat every 10 ms
        page.keyboard.press("e")
        page.wait_for_timeout(10)
    expect(page.locator(".htmx-request, .htmx-added")).to_have_count(0)  # locator waits: the page forbids eval
    assert page.evaluate("window.samePage") is True, "a key press posted the form without htmx"
    assert Decision.objects.filter(reviewer=alice, verdict="exclude").count() >= 1
