"""A review with an erratum and a retracted record, from the lead's upload to the undo."""
import pytest
from playwright.sync_api import expect

from screening.models import NoticeLink, Record

from ..conftest import REPO_ROOT, password_of
from ..helpers.notices import ARTICLE, ERRATUM, MELATONIN, NOTICES_MEDLINE
from ..helpers.worker import celery_worker, wait_for
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = REPO_ROOT / "var" / "screenshots"


def shoot(page, name):
    """Keep a full-page screenshot of each page at each width, to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SHOTS / f"notices-{name}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width} px"


def test_a_lead_imports_a_file_with_an_erratum_and_a_retraction_and_undoes_a_link(
        page, browser, live_server, review, carol, alice, tmp_path):
    export = tmp_path / "sleep-medline.nbib"
    export.write_text(NOTICES_MEDLINE, encoding="utf-8")
    sign_in(page, live_server, "carol", password_of(carol))
    with celery_worker():
        page.goto(f"{live_server.url}/reviews/{review.pk}/imports/")
        page.get_by_label("Export files", exact=True).set_input_files([str(export)])
        page.get_by_role("button", name="Upload and check").click()
        page.get_by_role("button", name="Confirm and import").wait_for(timeout=60_000)
        page.locator(".check-card", has_text="sleep-medline.nbib").get_by_label("Database").fill("MEDLINE")
        page.get_by_role("button", name="Confirm and import").click()
        page.wait_for_url(f"{live_server.url}/reviews/{review.pk}/imports/")
        page.locator("#imports tbody tr").first.get_by_text("Imported", exact=True).wait_for(timeout=60_000)
        # The import starts a dedup run by itself; the lead asks for one too, to see it finish.
        page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/")
        page.get_by_role("button", name="Look for duplicates now").click()
        wait_for(lambda: NoticeLink.objects.filter(review=review).count() == 3, timeout=60)
        wait_for(lambda: not review.jobs.filter(kind="dedup", status__in=["pending", "running"]).exists(), timeout=60)

    page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/")
    assert page.locator("#notices-linked").inner_text() == "3"
    assert page.locator("#retracted-records").inner_text() == "2"
    page.get_by_role("link", name="Notices and undo").click()
    erratum_card = page.locator(".notice-link", has_text="Erratum: Blue-light")
    assert "Erratum" in erratum_card.locator(".badge").inner_text()
    assert "cites its PMID 31000001" in erratum_card.inner_text()
    assert "is about Blue-light blocking glasses improve sleep" in erratum_card.inner_text()
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        shoot(page, "list")
        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        page.locator("#retracted-summary").wait_for()
        shoot(page, "dashboard")
        page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/")
        shoot(page, "overview")
        page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/notices/")

    # Alice screens: the article shows its erratum and comment; the erratum itself never comes.
    melatonin = Record.objects.get(review=review, title__startswith=MELATONIN)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    alice_page = context.new_page()
    sign_in(alice_page, live_server, "alice", password_of(alice))
    seen = []
    open_screen(alice_page, f"{live_server.url}/reviews/{review.pk}/screen/")
    while alice_page.locator("#record-card[data-record-id]").count():
        title = alice_page.locator("#record-title").inner_text()
        seen.append(title)
        flags = alice_page.locator("#record-card .record-flags")
        if title.startswith(ARTICLE):
            assert flags.inner_text().strip().endswith("1 erratum, 1 comment")
            shoot(alice_page, "card-article")
        if title.startswith(MELATONIN):
            assert flags.locator(".flag-retracted").inner_text().lower() == "retracted"
            shoot(alice_page, "card-retracted")
            alice_page.set_viewport_size({"width": 375, "height": 740})
            shoot(alice_page, "card-retracted")
            alice_page.set_viewport_size({"width": 1366, "height": 900})
        record_id = alice_page.locator("#record-card").get_attribute("data-record-id")
        alice_page.get_by_role("button", name="Include").click()
        expect(alice_page.locator(f'#record-card[data-record-id="{record_id}"]')).to_have_count(0)
        expect(alice_page.locator("#record-card.htmx-added")).to_have_count(0)
    context.close()
    assert len(seen) == 4 and not any(t.startswith(("Erratum", "Comment on", "Retraction notice")) for t in seen)

    # The conflict page of the retracted record, for the lead.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/reviews/{review.pk}/screening/records/{melatonin.pk}/")
    assert page.locator(".flag-retracted").inner_text().lower() == "retracted"
    shoot(page, "lead-record")
    page.set_viewport_size({"width": 375, "height": 740})
    shoot(page, "lead-record")

    # The lead undoes the erratum's link: it is screened on its own from now on.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/notices/")
    page.locator(".notice-link", has_text="Erratum: Blue-light").get_by_role("button", name="Undo this link").click()
    page.get_by_text("is a record of its own again and will be screened").wait_for()
    shoot(page, "after-undo")
    assert page.locator(".notice-link").count() == 2
    erratum = Record.objects.get(review=review, title__startswith=ERRATUM)
    assert erratum.notice_of is None
    assert Record.objects.in_screening().filter(pk=erratum.pk).exists()
    page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/notices/?show=undone")
    assert "Undone by Carol Lead" in page.locator(".notice-link").inner_text()
