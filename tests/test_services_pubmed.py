"""PubMed search and import through the fake E-utilities server (no test calls NCBI)."""
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.utils import timezone

from screening.models import Import, Job, PubMedRun, PubMedSkip, Record
from screening.pubmed import PubMedQueryError
from screening.services import imports, jobs, pubmed
from screening.selectors.imports import import_summary

from .helpers.pubmed import QUERY, busiest_second, days

pytestmark = pytest.mark.django_db

MARCH_2021 = days(date(2021, 3, 1), date(2021, 3, 31), 3)  # 93 records


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(pubmed, "BATCH_SIZE", 40)


def start(review, carol, query=QUERY, **dates):
    return pubmed.pubmed_search_start(review=review, query=query, started_by=carol, **dates)


def run_job(run):
    run.refresh_from_db()
    job = jobs.job_run(job_id=run.source_import.job_id)
    run.refresh_from_db()
    run.source_import.refresh_from_db()
    return job


def stored_pmids(run):
    return list(Record.objects.filter(source_import=run.source_import).values_list("pmid", flat=True))


def test_it_previews_count_translation_and_warnings_without_storing_anything(ncbi, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    summary = pubmed.pubmed_preview(query=QUERY, mindate="2021", maxdate="2021")
    assert summary.count == 93
    assert summary.query_translation == f"{QUERY}[All Fields]"
    assert Import.objects.count() == 0

    unknown = pubmed.pubmed_preview(query="zzzqqq")
    assert unknown.count == 0
    assert any("zzzqqq" in warning for warning in unknown.warnings)


def test_it_refuses_an_empty_or_unbalanced_query_without_asking_ncbi(ncbi):
    for query in ("", "   ", "(sleep AND light", '"blue light'):
        with pytest.raises(PubMedQueryError):
            pubmed.pubmed_preview(query=query)
    assert ncbi.logged() == []


def test_it_refuses_a_date_range_that_ends_before_it_starts(ncbi):
    with pytest.raises(ValueError, match="after the end date"):
        pubmed.pubmed_preview(query=QUERY, mindate="2022", maxdate="2021")


def test_it_imports_every_hit_as_one_import_documented_by_its_search(ncbi, review, carol, small_batches):
    corpus = ncbi.add_corpus(QUERY, MARCH_2021)
    run = start(review, carol, mindate="2021/01/01", maxdate="2021/12/31")

    job = run_job(run)

    import_ = run.source_import
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (import_.status, import_.record_count) == (Import.Status.IMPORTED, 93)
    assert (import_.database, import_.platform, import_.is_update) == ("PubMed", "NCBI E-utilities", False)
    assert import_.searched_on == timezone.localdate()
    assert import_.search_string.startswith(QUERY) and "2021/01/01 to 2021/12/31" in import_.search_string
    assert (run.count, run.query_translation) == (93, f"{QUERY}[All Fields]")
    assert sorted(stored_pmids(run)) == sorted(str(pmid) for pmid in corpus.published)
    indexes = Record.objects.filter(source_import=import_).order_by("source_index")
    assert list(indexes.values_list("source_index", flat=True)) == list(range(93))
    assert len(ncbi.logged("efetch.fcgi")) == 3  # 40 + 40 + 13
    assert Record.objects.in_screening().count() == 93
    assert pubmed.pubmed_run_explanation(run)["unexplained"] == 0


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
def test_it_retries_a_failed_request_and_imports_everything(ncbi, review, carol, small_batches, fault):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", fault, retstart=40)
    ncbi.fail("esearch.fcgi", fault)
    run = start(review, carol)

    job = run_job(run)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert run.source_import.record_count == 93
    assert len(set(stored_pmids(run))) == 93
    efetches = [r.params["retstart"] for r in ncbi.logged("efetch.fcgi")]
    assert efetches == ["0", "40", "40", "80"]  # the failed batch was asked for twice


def test_ncbi_unreachable_beyond_the_retries_stops_with_a_clear_message_and_nothing_counted(
        ncbi, review, carol):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("esearch.fcgi", "timeout", times=5)
    run = start(review, carol)

    job = run_job(run)

    assert job.status == Job.Status.FAILED
    assert "no answer within" in job.error and "resume" in job.error
    assert run.source_import.status == Import.Status.FAILED
    assert "before anything was downloaded" in run.source_import.error
    assert Record.objects.count() == 0


def test_rate_limiting_that_outlasts_the_retries_says_so(ncbi, review, carol):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("esearch.fcgi", "429", times=5)
    job = run_job(start(review, carol))
    assert job.status == Job.Status.FAILED
    assert "too many requests" in job.error and "API key" in job.error


def test_an_ncbi_error_document_is_shown_as_is(ncbi, review, carol):
    ncbi.refused[QUERY] = "Invalid query: unknown field [zz]"
    run = start(review, carol)
    job = run_job(run)
    assert job.status == Job.Status.FAILED
    assert "unknown field [zz]" in job.error
    assert Record.objects.count() == 0


def test_a_search_with_no_hits_imports_nothing_and_says_why(ncbi, review, carol):
    run = start(review, carol, query="nothingmatches")
    job = run_job(run)
    assert job.status == Job.Status.FAILED
    assert "found no records" in job.error
    assert run.source_import.status == Import.Status.CANCELLED
    assert import_summary(review)["import_count"] == 0


def test_a_connection_dropped_mid_batch_stops_the_job_and_a_resumed_job_finishes_without_duplicates(
        ncbi, review, carol, small_batches):
    corpus = ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", "drop", retstart=40, times=5)  # every try of the second batch
    run = start(review, carol)

    first = run_job(run)

    assert first.status == Job.Status.FAILED
    assert "after 40 of 93 records" in first.error
    assert run.stored == 40 and run.source_import.status == Import.Status.FAILED
    # Stored, but invisible: not in screening, not in the counts.
    assert Record.objects.filter(source_import=run.source_import).count() == 40
    assert Record.objects.in_screening().count() == 0
    assert import_summary(review)["record_count"] == 0

    pubmed.pubmed_run_resume(run=run, resumed_by=carol)
    second = run_job(run)

    assert second.status == Job.Status.SUCCEEDED, second.error
    assert second.pk != first.pk
    pmids = stored_pmids(run)
    assert len(pmids) == len(set(pmids)) == 93
    assert sorted(pmids) == sorted(str(pmid) for pmid in corpus.published)
    assert run.source_import.status == Import.Status.IMPORTED
    assert Record.objects.in_screening().count() == 93
    # The resumed job searched again and went on at the third batch... or the second.
    assert [r.params["retstart"] for r in ncbi.logged("efetch.fcgi")][-2:] == ["40", "80"]


def test_a_worker_dying_while_storing_a_batch_loses_only_that_batch(ncbi, review, carol, small_batches,
                                                                    monkeypatch):
    ncbi.add_corpus(QUERY, MARCH_2021)
    real_copy = pubmed.copy_records
    calls = []

    def copy_then_die_on_the_second_batch(**kwargs):
        calls.append(1)
        stored = real_copy(**kwargs)
        if len(calls) == 2:
            raise MemoryError("the worker was killed")
        return stored

    monkeypatch.setattr(pubmed, "copy_records", copy_then_die_on_the_second_batch)
    run = start(review, carol)
    with pytest.raises(MemoryError):
        run_job(run)
    run.refresh_from_db()
    assert run.stored == 40
    assert Record.objects.filter(source_import=run.source_import).count() == 40  # batch 2 rolled back

    monkeypatch.setattr(pubmed, "copy_records", real_copy)
    pubmed.pubmed_run_resume(run=run, resumed_by=carol)
    assert run_job(run).status == Job.Status.SUCCEEDED
    assert len(set(stored_pmids(run))) == len(stored_pmids(run)) == 93


def test_a_resumed_slice_that_starts_over_stores_no_pmid_twice(ncbi, review, carol, small_batches):
    corpus = ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", "drop", retstart=40, times=5)
    run = start(review, carol)
    run_job(run)
    corpus.add({date(2021, 3, 15): 2})  # PubMed changed: the slice is fetched again from 0

    pubmed.pubmed_run_resume(run=run, resumed_by=carol)
    assert run_job(run).status == Job.Status.SUCCEEDED

    pmids = stored_pmids(run)
    assert len(pmids) == len(set(pmids)) == 95


def test_a_stopped_import_can_be_discarded_leaving_nothing_behind(ncbi, review, carol, small_batches):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", "500", retstart=40, times=5)
    run = start(review, carol)
    run_job(run)

    pubmed.pubmed_run_discard(run=run)

    run.source_import.refresh_from_db()
    assert run.source_import.status == Import.Status.CANCELLED
    assert Record.objects.count() == 0


def test_a_search_past_10000_hits_is_split_by_date_and_every_record_imported(ncbi, review, carol):
    corpus = ncbi.add_corpus(QUERY, days(date(2020, 1, 1), date(2020, 4, 13), 100))  # 10,400
    run = start(review, carol, mindate="2020", maxdate="2020")

    job = run_job(run)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert len(run.plan["slices"]) >= 2
    assert all(part["count"] <= 10_000 for part in run.plan["slices"])
    assert run.count == run.source_import.record_count == len(corpus.published) == 10_400
    assert Record.objects.filter(source_import=run.source_import).values("pmid").distinct().count() == 10_400
    assert pubmed.pubmed_run_explanation(run)["unexplained"] == 0


def test_a_search_update_imports_only_pmids_not_yet_in_the_review(ncbi, review, carol):
    corpus = ncbi.add_corpus(QUERY, MARCH_2021)
    first = start(review, carol)
    run_job(first)
    new = corpus.add({date(2021, 4, 2): 4})

    update = pubmed.pubmed_search_update(search=first.search, started_by=carol)
    job = run_job(update)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert update.source_import.is_update is True
    assert update.count == 97
    assert sorted(stored_pmids(update)) == sorted(str(pmid) for pmid in new)
    skips = PubMedSkip.objects.filter(run=update)
    assert skips.count() == 93
    assert {s.existing_import_id for s in skips} == {first.source_import_id}
    assert pubmed.pubmed_run_explanation(update) == {
        "count": 97, "imported": 4, "skipped": 93, "missing": 0, "unexplained": 0}
    assert Record.objects.in_screening().count() == 97


def test_an_update_can_ask_only_for_records_added_since_the_last_run(ncbi, review, carol):
    corpus = ncbi.add_corpus(QUERY, MARCH_2021, entered=date(2021, 4, 1))
    first = start(review, carol)
    run_job(first)
    PubMedRun.objects.filter(pk=first.pk).update(ran_at=datetime(2025, 6, 1, 12, tzinfo=dt_timezone.utc))
    new = corpus.add({date(2020, 12, 1): 3}, entered=date(2025, 6, 20))  # old papers, newly indexed

    update = pubmed.pubmed_search_update(search=first.search, started_by=carol, only_new_entries=True)
    job = run_job(update)

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert update.entered_since == date(2025, 6, 1)
    assert update.count == 3
    assert sorted(stored_pmids(update)) == sorted(str(pmid) for pmid in new)
    assert "added to PubMed since 2025/06/01" in update.source_import.search_string
    terms = {r.params["term"] for r in ncbi.logged("esearch.fcgi")}
    assert f"({QUERY}) AND 2025/06/01:3000/12/31[edat]" in terms


def test_an_update_with_nothing_new_is_still_documented(ncbi, review, carol):
    ncbi.add_corpus(QUERY, MARCH_2021)
    first = start(review, carol)
    run_job(first)
    update = pubmed.pubmed_search_update(search=first.search, started_by=carol)
    assert run_job(update).status == Job.Status.SUCCEEDED
    assert (update.source_import.status, update.source_import.record_count) == (Import.Status.IMPORTED, 0)


def test_the_download_never_sends_more_than_three_requests_a_second(ncbi, review, carol, small_batches):
    ncbi.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 2, 28), 5))  # 295 records, 8 batches
    run_job(start(review, carol))
    times = [r.at for r in ncbi.logged()]
    assert len(times) >= 10
    assert busiest_second(times) == 3


def test_with_an_api_key_it_sends_up_to_ten_requests_a_second(ncbi, review, carol, small_batches, settings):
    settings.NCBI_API_KEY = "test-key"
    ncbi.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 2, 28), 5))
    run_job(start(review, carol))
    assert {r.params.get("api_key") for r in ncbi.logged()} == {"test-key"}
    assert busiest_second([r.at for r in ncbi.logged()]) == 10


def test_every_import_ends_through_import_finished(ncbi, review, carol, monkeypatch):
    ncbi.add_corpus(QUERY, MARCH_2021)
    finished = []
    real = pubmed.import_finished
    monkeypatch.setattr(pubmed, "import_finished", lambda **kw: (finished.append(kw), real(**kw)))
    run = start(review, carol)
    run_job(run)
    assert [(kw["import_"].pk, kw["record_count"]) for kw in finished] == [(run.source_import_id, 93)]
    assert imports.import_finished is real


def test_a_double_submitted_import_starts_one_run(ncbi, review, carol):
    first = start(review, carol, mindate="2021")
    second = start(review, carol, mindate="2021")
    assert second.pk == first.pk
    assert review.pubmed_searches.count() == 1
