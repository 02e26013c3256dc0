import pytest

from ..conftest import password_of
from ..helpers.imports import EMBASE_RIS, PUBMED_NBIB
from ..helpers.worker import celery_worker
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_uploads_two_files_checks_them_and_watches_the_import(page, live_server, review, carol):
    sign_in(page, live_server, "carol", password_of(carol))
    with celery_worker():
        page.goto(f"{live_server.url}/reviews/{review.pk}/imports/")
        page.get_by_label("Export files", exact=True).set_input_files([str(EMBASE_RIS), str(PUBMED_NBIB)])
        page.get_by_role("button", name="Upload and check").click()

        page.get_by_role("button", name="Confirm and import").wait_for(timeout=60_000)
        reports = page.locator(".check-card")
        assert reports.count() == 2
        assert reports.nth(0).locator(".record-count").inner_text() == "6"
        assert reports.nth(1).locator(".record-count").inner_text() == "4"

        page.locator(".check-card", has_text="asreview__embase.ris").get_by_label("Database").fill("Embase")
        nbib = page.locator(".check-card", has_text="biopython__pubmed_result2.txt")
        nbib.get_by_label("Database").fill("MEDLINE")
        nbib.get_by_label("Platform").fill("PubMed")
        page.get_by_role("button", name="Confirm and import").click()

        page.wait_for_url(f"{live_server.url}/reviews/{review.pk}/imports/")
        rows = page.locator("#imports tbody tr")
        for index in range(2):
            rows.nth(index).get_by_text("Imported", exact=True).wait_for(timeout=60_000)
    page.reload()
    table = page.locator("section", has_text="Records per database")
    assert "Embase" in table.inner_text() and "6" in table.inner_text()
    assert "MEDLINE" in table.inner_text() and "4" in table.inner_text()
