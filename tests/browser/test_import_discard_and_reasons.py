"""In the browser: an upload checked then discarded, and a title/abstract conflict resolved
with a reason from the review's list; each page fits a phone and a desktop window."""
import os
from pathlib import Path

import pytest

from screening.models import Import, RecordStage

from ..helpers.conflicts import conflicts_at_both_stages
from ..conftest import password_of
from ..helpers.imports import EMBASE_RIS, PUBMED_NBIB
from ..helpers.worker import celery_worker
from .conftest import open_screen, sign_in
from .layout import check_page, listen_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/reviewapp-shots"))


def look(page, name, width):
    """Fit the window to `width`, check the page fits it, and keep a screenshot to look at."""
    page.set_viewport_size({"width": width, "height": 900})
    problems = check_page(page, page.url, listen_for_errors(page))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert problems == [], f"{name} at {width} px: {problems}"


def test_the_lead_checks_two_uploads_and_discards_one(page, live_server, review, carol):
    sign_in(page, live_server, "carol", password_of(carol))
    with celery_worker():
        page.goto(f"{live_server.url}/reviews/{review.pk}/imports/")
        page.get_by_label("Export files", exact=True).set_input_files([str(EMBASE_RIS), str(PUBMED_NBIB)])
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_role("button", name="Confirm and import").wait_for(timeout=60_000)
    for width in (375, 1366):
        look(page, "import-check", width)
    embase = page.locator(".check-card", has_text="asreview__embase.ris")
    assert not embase.locator("details.coverage").evaluate("details => details.open")
    embase.get_by_role("button", name="Discard this upload").click()
    page.get_by_text("asreview__embase.ris was discarded: the upload and its stored file are deleted.").wait_for()
    assert page.locator(".check-card").count() == 1
    assert list(Import.objects.values_list("filename", flat=True)) == ["biopython__pubmed_result2.txt"]
    page.goto(f"{live_server.url}/reviews/{review.pk}/imports/")
    for width in (375, 1366):
        look(page, "import-list", width)
    page.locator("#imports").get_by_role("button", name="Discard biopython__pubmed_result2.txt").click()
    page.get_by_text("biopython__pubmed_result2.txt was discarded").wait_for()
    assert not Import.objects.exists()


def test_the_lead_resolves_a_title_abstract_conflict_with_a_listed_reason(page, live_server, review, alice, bob,
                                                                         carol):
    ta_conflict, _, _ = conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/screening/conflicts/?stage=title_abstract")
    for width in (375, 1366):
        look(page, "conflict-title-abstract", width)
    page.get_by_label("Reason for the final decision").select_option("Wrong intervention")
    page.get_by_role("button", name="Exclude").click()
    page.get_by_role("heading", name="No open conflicts").wait_for()
    stage = RecordStage.objects.get(record=ta_conflict, stage="title_abstract")
    assert (stage.outcome, stage.resolution_reason) == ("excluded", "Wrong intervention")


def test_a_reviewer_excludes_at_title_abstract_with_another_reason(page, live_server, review, alice):
    from screening.models import Decision
    from screening.services import queue as queue_services

    from ..helpers.screening import make_records

    review.exclusion_reasons = ["Wrong population", "Wrong intervention"]
    review.save()
    make_records(review, 2)
    queue_services.record_stages_sync(review=review)
    sign_in(page, live_server, "alice", password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/screen/")
    for width in (375, 1366):
        look(page, "screen-card", width)
    page.get_by_label("Reason (optional)").select_option(label="Other (write it below)")
    page.get_by_label("Other reason").fill("Conference abstract")
    page.get_by_role("button", name="Exclude").click()
    for _ in range(100):  # the vote is stored by the htmx request the click sends
        if Decision.objects.filter(reviewer=alice, verdict="exclude").exists():
            break
        page.wait_for_timeout(100)
    vote = Decision.objects.get(reviewer=alice, verdict="exclude")
    assert vote.reason == "Conference abstract"
