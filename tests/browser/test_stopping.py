"""When to stop, in a real browser: the lead reads the recall estimate on the dashboard, sets the
target, records the decision to stop, takes a second look at exclusions by keyboard and reads the
methods text. Screenshots at 375 and 1366 px go to $SCREENSHOTS_DIR when it is set."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from screening.models import DecisionEvent, Job, Outcome, RecordStage, StopDecision
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import priority

from ..conftest import password_of
from ..helpers.screening import make_records
from ..helpers.worker import celery_worker
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def shoot(browser, live_server, user, path, name):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    for width in (375, 1366):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, user.username, password_of(user))
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
        context.close()


def walk_the_second_look_by_keyboard(page, carol):
    """Open the second look (its ranking is a worker's job), move the selection with J, the down
    arrow and K, keep one record excluded with E and include the next with I; then the list is
    ranked again in the background. Screenshots at 1366 and 375 px once it is."""
    page.get_by_role("link", name="Second look at exclusions").click()
    # Ranked by the worker: features and 10-fold cross-validation take seconds on a busy machine.
    page.get_by_text("Ranked from the resolved outcomes as they are now.").wait_for(timeout=90_000)
    items = page.locator("ol.second-look > li")
    ids = [items.nth(i).get_attribute("data-record-id") for i in range(items.count())]
    assert len(ids) >= 3

    def selected():
        return page.locator("ol.second-look > li.is-selected").get_attribute("data-record-id")

    assert selected() == ids[0]
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert selected() == ids[2]
    page.keyboard.press("k")
    assert selected() == ids[1]
    page.keyboard.press("e")
    page.locator("#second-look .message", has_text="Kept excluded after a second look").wait_for()
    assert page.locator(f'li[data-record-id="{ids[1]}"]').count() == 0
    kept = DecisionEvent.objects.get(record_id=ids[1], kind=DecisionEvent.Kind.SECOND_LOOK_KEEP)
    assert kept.actor == carol
    # The record that moved into its place is the selected one now (the script moves the
    # selection once htmx has settled the new list; the server marks the first one until then).
    expect(page.locator("ol.second-look > li.is-selected")).to_have_attribute("data-record-id", ids[2])
    page.keyboard.press("i")
    page.locator("#second-look .message", has_text="Included after a second look").wait_for()
    assert RecordStage.objects.get(record_id=ids[2], stage="title_abstract").outcome == Outcome.INCLUDED
    assert page.locator(f'li[data-record-id="{ids[2]}"]').count() == 0
    # The outcomes changed: the previous ranking stays on screen while the worker ranks again.
    page.get_by_text("Ranked from the resolved outcomes as they are now.").wait_for(timeout=90_000)
    assert page.locator(f'li[data-record-id="{ids[1]}"]').count() == 0
    folder = os.environ.get("SCREENSHOTS_DIR")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if folder:
            page.screenshot(path=str(Path(folder) / f"second-look-{width}.png"), full_page=True)
            page.locator("ol.second-look > li.is-selected").screenshot(
                path=str(Path(folder) / f"second-look-selected-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_lead_decides_when_to_stop_and_takes_a_second_look(browser, page, live_server, review, carol,
                                                                settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    priority._IN_MEMORY.clear()
    review.order = "import"
    review.save()
    records = make_records(review, 24)
    queue_services.record_stages_sync(review=review)
    for i, record in enumerate(records[:16]):
        eligible = "glasses" in record.title.lower() or "amber" in record.title.lower()
        services.outcome_resolve(lead=carol, review=review, record=record,
                                 verdict="include" if eligible and i < 12 else "exclude")
    sign_in(page, live_server, carol.username, password_of(carol))

    page.goto(f"{live_server.url}/reviews/{review.pk}/settings/")
    page.get_by_label("Target recall (%)").fill("90")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Settings saved.").wait_for()

    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="When to stop screening"))
    assert "Estimated recall:" in panel.inner_text() and "Target: 90 % recall at 95 % confidence" in panel.inner_text()
    assert "Callaghan" in panel.inner_text()
    shoot(browser, live_server, carol, f"/reviews/{review.pk}/", "stop-dashboard")
    page.get_by_label('Count the unscreened records in PRISMA as "records excluded by automation tools"').check()
    page.get_by_role("button", name="Record the decision to stop screening").click()
    page.get_by_text("Recorded: screening stops with 16 records screened").wait_for()
    decision = StopDecision.objects.get()
    assert decision.decided_by == carol and decision.count_unscreened_as_automation
    assert "Decisions to stop" in page.content()

    with celery_worker():
        walk_the_second_look_by_keyboard(page, carol)

    page.goto(f"{live_server.url}/reviews/{review.pk}/methods/")
    text = page.locator("#methods-paragraph").inner_text()
    assert "Screening stopped after 16 records" in text and "1 record was included as a result" in text
    shoot(browser, live_server, carol, f"/reviews/{review.pk}/methods/", "methods-text")


def test_the_second_look_shows_its_progress_at_once_while_the_ranking_waits_for_a_worker(
        page, live_server, review, carol, settings, tmp_path, monkeypatch):
    """No worker here: the page answers at once, queues the ranking by itself and says it waits."""
    from screening import tasks

    queued = []
    monkeypatch.setattr(tasks.run_job, "delay", queued.append)  # no broker message left behind
    settings.MEDIA_ROOT = tmp_path
    review.order = "import"
    review.save()
    records = make_records(review, 6)
    queue_services.record_stages_sync(review=review)
    for i, record in enumerate(records):
        services.outcome_resolve(lead=carol, review=review, record=record, verdict="include" if i == 0 else "exclude")
    sign_in(page, live_server, carol.username, password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screening/second-look/")
    status = page.locator("#second-look-status")
    status.get_by_text("Waiting for a worker to rank the exclusions").wait_for()
    assert "The list appears here when the ranking is ready" in status.inner_text()
    job = Job.objects.get(review=review, kind="second_look", status=Job.Status.PENDING)
    assert queued == [job.pk]
    folder = os.environ.get("SCREENSHOTS_DIR")
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 700})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if folder:
            page.screenshot(path=str(Path(folder) / f"second-look-waiting-{width}.png"))
    # Polling does not queue a second job.
    page.wait_for_timeout(2500)
    assert Job.objects.filter(review=review, kind="second_look").count() == 1
