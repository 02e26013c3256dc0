import time
from datetime import date, timedelta

import pytest

from ..conftest import password_of
from ..pubmed.fake_eutils import FakeEutils
from ..helpers.worker import celery_worker
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

QUERY = '"blue light"[tiab] AND sleep[mh]'


@pytest.fixture
def fake_ncbi(settings, monkeypatch):
    """The fake E-utilities server in real time, for the live server and the worker process."""
    server = FakeEutils().start()
    settings.NCBI_EUTILS_URL = server.base_url
    monkeypatch.setenv("NCBI_EUTILS_URL", server.base_url)  # read by the worker's settings
    monkeypatch.setenv("NCBI_API_KEY", "")
    yield server
    server.stop()


def test_a_lead_searches_pubmed_sees_the_count_imports_and_watches_the_records_arrive(
        page, live_server, review, carol, fake_ncbi):
    first = date(2021, 1, 1)
    fake_ncbi.add_corpus(QUERY, {first + timedelta(n): 25 for n in range(100)})  # 2,500 records
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    page.get_by_role("link", name="Search PubMed").click()

    page.get_by_label("PubMed query").fill(QUERY)
    page.get_by_label("Published from").fill("2021")
    page.get_by_role("button", name="Count hits").click()
    page.locator("#hit-count").wait_for()
    assert page.locator("#hit-count").inner_text() == "2500"
    assert page.locator("#translation").inner_text() == f"{QUERY}[All Fields]"
    assert review.imports.count() == 0  # nothing stored before the lead says so

    with celery_worker():
        page.get_by_role("button", name="Import 2500 records").click()
        page.wait_for_url(f"{live_server.url}/reviews/{review.pk}/pubmed/runs/*/")
        seen = set()
        deadline = time.monotonic() + 90
        while page.locator("#imported-count").count() == 0 and time.monotonic() < deadline:
            status = page.locator("#run-status [role=status]").first.inner_text()
            seen.add(status.split(" · ")[0])
            time.sleep(0.1)
        assert page.locator("#imported-count").inner_text() == "2500"
    assert "Importing" in seen  # the page showed the download under way

    records = page.locator("#imported-records li")
    assert records.count() == 20
    assert "Synthetic record" in records.first.inner_text()
    page.get_by_role("link", name="All imports of this review").click()
    table = page.locator("section", has_text="Records per database")
    assert "PubMed" in table.inner_text() and "2500" in table.inner_text()


def test_a_pubmed_error_is_shown_on_the_page(page, live_server, review, carol, fake_ncbi):
    fake_ncbi.refused["sleep[zz]"] = "Unknown field: zz"
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/pubmed/")
    page.get_by_label("PubMed query").fill("sleep[zz]")
    page.get_by_label("PubMed query").press("Tab")
    page.get_by_role("button", name="Count hits").click()
    assert "Unknown field: zz" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("button", name="Import").count() == 0


def test_the_pubmed_page_fits_a_phone_screen(phone_page, live_server, review, carol, fake_ncbi):
    fake_ncbi.add_corpus(QUERY, {date(2021, 3, 1): 5})
    sign_in(phone_page, live_server, "carol", password_of(carol))
    phone_page.goto(f"{live_server.url}/reviews/{review.pk}/pubmed/")
    phone_page.get_by_label("PubMed query").fill(QUERY)
    phone_page.get_by_role("button", name="Count hits").click()
    phone_page.locator("#hit-count").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
