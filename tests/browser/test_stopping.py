"""When to stop, in a real browser: the lead reads the recall estimate on the dashboard, sets the
target, records the decision to stop, takes a second look at exclusions by keyboard and reads the
methods text. Screenshots at 375 and 1366 px go to $SCREENSHOTS_DIR when it is set."""
import os
from pathlib import Path

import pytest

from screening.models import Outcome, RecordStage, StopDecision
from screening.services import decisions as services
from screening.services import queue as queue_services
from screening.services import priority

from ..conftest import password_of
from ..helpers.screening import make_records
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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

    page.get_by_role("link", name="Second look at exclusions").click()
    first = int(page.locator("li[data-record-id]").first.get_attribute("data-record-id"))
    shoot(browser, live_server, carol, f"/reviews/{review.pk}/screening/second-look/", "second-look")
    page.keyboard.press("i")
    # The page it returns to scores the exclusions again by 10-fold cross-validation, which
    # takes seconds on a busy CI machine.
    page.get_by_text("Included after a second look").wait_for(timeout=60_000)
    assert RecordStage.objects.get(record_id=first, stage="title_abstract").outcome == Outcome.INCLUDED

    page.goto(f"{live_server.url}/reviews/{review.pk}/methods/")
    text = page.locator("#methods-paragraph").inner_text()
    assert "Screening stopped after 16 records" in text and "1 record was included as a result" in text
    shoot(browser, live_server, carol, f"/reviews/{review.pk}/methods/", "methods-text")
