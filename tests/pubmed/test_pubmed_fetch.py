"""Planning and downloading a whole search from the fake E-utilities server."""
from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from fake_eutils import busiest_second

from screening.formats.pubmed_xml import parse_pubmed_xml
from screening.pubmed import MAX_HITS, PubMedUnavailable, SearchPlan

QUERY = "(insomnia OR sleep) AND light"


def days(first: date, last: date, per_day: int) -> dict[date, int]:
    return {first + timedelta(n): per_day for n in range((last - first).days + 1)}


def download(client, plan, **kwargs):
    """Fetch the rest of ``plan`` as the app does; return the batches and the final plan."""
    batches = []
    for batch in client.fetch(plan, **kwargs):
        batches.append(batch)
        plan = plan.after(batch)
    return batches, plan


def pmids_of(batches) -> list[str]:
    return [pmid for batch in batches for pmid in batch.pmids]


def test_it_searches_and_fetches_every_record_in_batches(eutils, make_client):
    corpus = eutils.add_corpus(QUERY, days(date(2021, 3, 1), date(2021, 3, 31), 3))
    client = make_client()

    plan = client.plan(QUERY, mindate="2021/01/01", maxdate="2021/12/31")
    batches, finished = download(client, plan, batch_size=40)

    assert plan.count == plan.total == 93
    assert [(b.slice_index, b.retstart) for b in batches] == [(0, 0), (0, 40), (0, 80)]
    assert sorted(pmids_of(batches)) == sorted(str(pmid) for pmid in corpus.published)
    assert finished.done is True
    assert finished.fetched == 93


def test_it_fetches_from_the_history_server_of_its_search(eutils, make_client):
    eutils.add_corpus(QUERY, days(date(2021, 3, 1), date(2021, 3, 10), 5))
    client = make_client()
    [part] = client.plan_batches(QUERY, "2021", "2021")

    list(client.fetch_slice(part, batch_size=20))

    search = [r for r in eutils.logged("esearch.fcgi") if r.params.get("usehistory") == "y"]
    assert len(search) == 1
    for request in eutils.logged("efetch.fcgi"):
        assert request.params["WebEnv"] == "MCID_fake1"
        assert request.params["query_key"] == "1"
        assert (request.params["rettype"], request.params["retmode"]) == ("xml", "xml")
        assert request.params["retmax"] == "20"


def test_its_batches_parse_as_pubmed_xml(eutils, make_client):
    eutils.add_corpus(QUERY, {date(2021, 5, 4): 3})
    client = make_client()

    [batch] = client.fetch(client.plan(QUERY))
    records = list(parse_pubmed_xml(io.StringIO(batch.text), filename="batch.xml"))

    assert [r.pmid for r in records] == list(batch.pmids)
    assert [r.title for r in records] == [f"Synthetic record {pmid}." for pmid in batch.pmids]
    assert {r.year for r in records} == {2021}


def test_it_stays_within_three_requests_a_second(eutils, make_client):
    eutils.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 1, 31), 10))
    client = make_client()

    download(client, client.plan(QUERY), batch_size=25)

    assert len(eutils.logged()) > 10
    assert busiest_second(r.at for r in eutils.logged()) == 3


def test_it_splits_a_search_past_10000_hits_by_date_then_by_pmid(eutils, make_client):
    records_per_day = days(date(2020, 1, 1), date(2020, 12, 31), 10)
    busy_day = date(2020, 6, 15)
    records_per_day[busy_day] = 10_500
    corpus = eutils.add_corpus(QUERY, records_per_day)
    client = make_client()

    plan = client.plan(QUERY)

    assert plan.count == plan.total == 365 * 10 + 10_500
    assert all(0 < part.count <= MAX_HITS for part in plan.slices)
    assert [part.index for part in plan.slices] == list(range(len(plan.slices)))
    # Halving leaves small ranges around the busy day; they are joined again.
    assert [part.pmids is not None for part in plan.slices] == [False, True, True, False]
    by_pmid = [part for part in plan.slices if part.pmids]
    assert {(part.mindate, part.maxdate) for part in by_pmid} == {(busy_day, busy_day)}
    assert sum(part.count for part in by_pmid) == 10_500
    assert by_pmid[0].term == f"({QUERY}) AND {by_pmid[0].pmids[0]}:{by_pmid[0].pmids[1]}[uid]"
    for earlier, later in zip(plan.slices, plan.slices[1:]):
        assert earlier.maxdate < later.mindate or earlier.pmids[1] < later.pmids[0]

    batches, finished = download(client, plan, batch_size=5000)

    fetched = Counter(pmids_of(batches))
    assert set(fetched) == {str(pmid) for pmid in corpus.published}
    assert max(fetched.values()) == 1
    assert finished.done is True


def test_it_resumes_after_a_dropped_connection_without_duplicates(eutils, make_client):
    corpus = eutils.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 1, 25), 10))
    plan = make_client().plan(QUERY)
    eutils.fail("efetch.fcgi", "drop", retstart=100, times=3)
    stored = []

    with pytest.raises(PubMedUnavailable, match="after 3 tries"):
        for batch in make_client(max_tries=3).fetch(plan, batch_size=50):
            stored.append(batch)
            plan = plan.after(batch)
    saved = json.dumps(plan.to_dict())
    eutils.expire_history()
    resumed, finished = download(make_client(), SearchPlan.from_dict(json.loads(saved)), batch_size=50)

    assert [b.retstart for b in stored] == [0, 50]
    assert [b.retstart for b in resumed] == [100, 150, 200]
    fetched = Counter(pmids_of(stored + resumed))
    assert set(fetched) == {str(pmid) for pmid in corpus.published}
    assert max(fetched.values()) == 1
    assert finished.done is True


def test_it_searches_again_when_the_webenv_expires_mid_slice(eutils, make_client):
    corpus = eutils.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 1, 12), 10))
    client = make_client()
    batches = []

    for batch in client.fetch(client.plan(QUERY), batch_size=30):
        batches.append(batch)
        eutils.expire_history()

    fetched = Counter(pmids_of(batches))
    assert set(fetched) == {str(pmid) for pmid in corpus.published}
    assert max(fetched.values()) == 1
    assert len([r for r in eutils.logged("esearch.fcgi") if r.params.get("usehistory")]) == 4


def test_it_starts_a_slice_over_when_pubmed_changed_since_the_plan(eutils, make_client):
    eutils.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 1, 10), 10))
    client = make_client()
    plan = client.plan(QUERY)
    plan = plan.after(next(client.fetch(plan, batch_size=40)))
    grown = eutils.add_corpus(QUERY, days(date(2021, 1, 1), date(2021, 1, 10), 11))

    batches, _ = download(client, plan, batch_size=40)

    assert batches[0].retstart == 0
    assert set(pmids_of(batches)) == {str(pmid) for pmid in grown.published}


def test_it_plans_nothing_for_a_search_without_hits(eutils, make_client):
    client = make_client()

    plan = client.plan("zzxqq")

    assert plan.slices == ()
    assert plan.done is True
    assert list(client.fetch(plan)) == []
