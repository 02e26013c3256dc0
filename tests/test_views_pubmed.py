"""The PubMed search pages, against the fake E-utilities server."""
from datetime import date

import pytest

from screening.models import Import, Job, PubMedRun, Record
from screening.services import jobs

from .helpers.pubmed import QUERY, days

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MARCH_2021 = days(date(2021, 3, 1), date(2021, 3, 31), 3)  # 93 records


@pytest.fixture
def lead(client, carol):
    client.force_login(carol)
    return client


def url(review, rest=""):
    return f"/reviews/{review.pk}/pubmed/{rest}"


def import_search(lead, review, **data):
    response = lead.post(url(review, "import/"), {"query": QUERY, **data})
    run = PubMedRun.objects.latest("ran_at")
    assert response.status_code == 302 and response["Location"] == url(review, f"runs/{run.pk}/")
    return run


def test_counting_shows_the_hits_translation_and_an_import_button_and_stores_nothing(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    response = lead.post(url(review), {"query": QUERY, "mindate": "2021", "maxdate": ""}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="preview"' in html and "<h1>" not in html  # only the preview partial
    assert '<strong id="hit-count">93</strong>' in html
    assert "[All Fields]" in html
    assert "Import 93 records" in html
    assert Import.objects.count() == 0
    [search] = ncbi.logged("esearch.fcgi")
    assert (search.params["mindate"], search.params["datetype"]) == ("2021/01/01", "pdat")


def test_without_htmx_counting_renders_the_whole_page(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    html = lead.post(url(review), {"query": QUERY}).content.decode()
    assert "<h1>Search PubMed</h1>" in html and "Import 93 records" in html


def test_pubmed_warnings_are_shown_in_plain_words(ncbi, lead, review):
    html = lead.post(url(review), {"query": "bluelightzz"}, **HTMX).content.decode()
    assert "bluelightzz" in html and 'class="warnings"' in html
    assert "No records found, so there is nothing to import" in html
    assert "Import 0" not in html


@pytest.mark.parametrize("query, expected", [
    ("", "Type a search query."),
    ("(sleep AND light", "opens a parenthesis"),
    ('"blue light', "quotation mark"),
])
def test_a_bad_query_gets_a_clear_message(ncbi, lead, review, query, expected):
    html = lead.post(url(review), {"query": query}, **HTMX).content.decode()
    assert 'role="alert"' in html and expected in html
    assert ncbi.logged() == []


def test_a_bad_date_gets_a_clear_message(ncbi, lead, review):
    html = lead.post(url(review), {"query": QUERY, "mindate": "last year"}, **HTMX).content.decode()
    assert "is not a date; use YYYY, YYYY/MM or YYYY/MM/DD" in html


def test_ncbi_refusing_or_unreachable_gets_a_clear_message(ncbi, lead, review):
    ncbi.refused[QUERY] = "Invalid query syntax near AND"
    html = lead.post(url(review), {"query": QUERY}, **HTMX).content.decode()
    assert 'role="alert"' in html and "Invalid query syntax near AND" in html

    ncbi.fail("esearch.fcgi", "500", times=2)
    html = lead.post(url(review), {"query": "other"}, **HTMX).content.decode()
    assert "PubMed could not be reached after 2 tries" in html


def test_importing_saves_the_search_and_the_run_page_shows_progress_then_the_records(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    run = import_search(lead, review, mindate="2021/03/01", maxdate="2021/03/31")

    waiting = lead.get(url(review, f"runs/{run.pk}/")).content.decode()
    assert "hx-trigger=\"every 1s\"" in waiting and "Waiting to search PubMed" in waiting
    assert QUERY.replace('"', "&quot;") in waiting

    jobs.job_run(job_id=run.source_import.job_id)

    progress = lead.get(url(review, f"runs/{run.pk}/progress/"), **HTMX)
    assert progress.status_code == 286  # htmx stops polling
    html = progress.content.decode()
    assert '<strong id="imported-count">93</strong>' in html
    assert html.count("Synthetic record") == 20  # the first 20 records
    page = lead.get(url(review, f"runs/{run.pk}/")).content.decode()
    assert "PubMed · NCBI E-utilities" in page and "Published 2021/03/01 to 2021/03/31" in page
    listing = lead.get(url(review)).content.decode()
    assert "Run again for new records" in listing and f"runs/{run.pk}/" in listing
    imports_page = lead.get(f"/reviews/{review.pk}/imports/").content.decode()
    assert "PubMed search" in imports_page


def test_a_stopped_import_offers_resume_and_discard(ncbi, lead, review, monkeypatch):
    from screening.services import pubmed

    monkeypatch.setattr(pubmed, "BATCH_SIZE", 40)
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", "drop", retstart=40, times=5)
    run = import_search(lead, review)
    jobs.job_run(job_id=run.source_import.job_id)

    html = lead.get(url(review, f"runs/{run.pk}/")).content.decode()
    assert "The download stopped after 40 of 93 records" in html
    assert "Resume" in html and "Discard" in html
    assert "Resume or discard" in lead.get(f"/reviews/{review.pk}/imports/").content.decode()
    dashboard = lead.get(f"/reviews/{review.pk}/").content.decode()
    assert "No records yet." in dashboard  # the 40 stored records do not count

    lead.post(url(review, f"runs/{run.pk}/resume/"))
    run.source_import.refresh_from_db()
    assert run.source_import.status == Import.Status.QUEUED
    assert jobs.job_run(job_id=run.source_import.job_id).status == Job.Status.SUCCEEDED
    assert Record.objects.in_screening().count() == 93


def test_discarding_a_stopped_import_removes_its_records(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("esearch.fcgi", "429", times=5)
    run = import_search(lead, review)
    jobs.job_run(job_id=run.source_import.job_id)

    response = lead.post(url(review, f"runs/{run.pk}/discard/"))

    assert response.status_code == 302
    run.source_import.refresh_from_db()
    assert run.source_import.status == Import.Status.CANCELLED
    assert Record.objects.count() == 0


def test_running_a_saved_search_again_starts_an_update(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    first = import_search(lead, review)
    jobs.job_run(job_id=first.source_import.job_id)

    response = lead.post(url(review, f"searches/{first.search_id}/update/"), {"only_new": "on"})

    update = PubMedRun.objects.latest("ran_at")
    assert response["Location"] == url(review, f"runs/{update.pk}/")
    assert update.search_id == first.search_id and update.source_import.is_update is True
    assert update.entered_since is not None


def test_a_reviewer_cannot_search_pubmed(client, review, alice):
    client.force_login(alice)
    assert client.get(url(review)).status_code == 403


def test_the_dashboard_documents_each_search_with_its_last_run(ncbi, lead, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    run = import_search(lead, review)
    jobs.job_run(job_id=run.source_import.job_id)
    html = lead.get(f"/reviews/{review.pk}/").content.decode()
    assert "PubMed searches" in html and "93 hits" in html
    assert "93</strong> records from 1 import" in html


def test_a_run_whose_worker_died_shows_stopped_and_once_cancelled_offers_resume_and_discard(ncbi, lead, review):
    from django.utils import timezone

    ncbi.add_corpus(QUERY, MARCH_2021)
    run = import_search(lead, review, mindate="2021/03/01", maxdate="2021/03/31")
    long_ago = timezone.now() - Job.stale_after() * 2
    Import.objects.filter(pk=run.source_import_id).update(status=Import.Status.IMPORTING)
    Job.objects.filter(pk=run.source_import.job_id).update(status=Job.Status.RUNNING, started_at=long_ago,
                                                           heartbeat_at=long_ago, message="Batch 1 of 1…")
    page = lead.get(url(review, f"runs/{run.pk}/")).content.decode()
    assert "<strong>Stopped:</strong> its worker stopped reporting (Batch 1 of 1…)" in page
    lead.post(f"/reviews/{review.pk}/jobs/{run.source_import.job_id}/cancel/")
    page = lead.get(url(review, f"runs/{run.pk}/")).content.decode()
    assert "when its worker stopped" in page and ">Resume</button>" in page and ">Discard</button>" in page
    jobs.job_run(job_id=run.source_import.job_id)  # a late redelivery changes nothing
    assert Import.objects.get(pk=run.source_import_id).status == Import.Status.FAILED
