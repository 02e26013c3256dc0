"""PubMedClient.count against the fake E-utilities server: parameters, errors, retries."""
from __future__ import annotations

import re
import socket
from datetime import date

import pytest
from fake_eutils import busiest_second

from screening.pubmed import (
    PubMedClient,
    PubMedQueryError,
    PubMedRateLimited,
    PubMedUnavailable,
    check_query,
)

JANUARY = {date(2020, 1, day): 2 for day in range(1, 32)}


@pytest.fixture
def sleep_corpus(eutils):
    return eutils.add_corpus("sleep AND blue light", JANUARY)


def test_it_counts_hits_and_returns_the_translation(eutils, make_client, sleep_corpus):
    summary = make_client().count("sleep AND blue light")

    assert summary.count == 62
    assert summary.query_translation == "sleep AND blue light[All Fields]"
    assert summary.warnings == ()


def test_it_limits_the_count_to_publication_dates(eutils, make_client, sleep_corpus):
    summary = make_client().count("sleep AND blue light", mindate="2020/01/10", maxdate=date(2020, 1, 12))

    assert summary.count == 6
    [request] = eutils.logged("esearch.fcgi")
    assert request.params["datetype"] == "pdat"
    assert request.params["mindate"] == "2020/01/10"
    assert request.params["maxdate"] == "2020/01/12"


def test_it_reads_a_year_alone_as_the_whole_year(eutils, make_client, sleep_corpus):
    make_client().count("sleep AND blue light", mindate="2019", maxdate="2020")

    [request] = eutils.logged("esearch.fcgi")
    assert (request.params["mindate"], request.params["maxdate"]) == ("2019/01/01", "2020/12/31")


def test_it_sends_no_dates_when_none_are_given(eutils, make_client, sleep_corpus):
    make_client().count("sleep AND blue light")

    [request] = eutils.logged("esearch.fcgi")
    assert "mindate" not in request.params
    assert "datetype" not in request.params


def test_it_identifies_itself_to_ncbi(eutils, make_client, sleep_corpus):
    make_client(email="lead@example.org", api_key="secret-key", tool="reviewapp-test").count(
        "sleep AND blue light"
    )

    [request] = eutils.logged("esearch.fcgi")
    assert request.params["db"] == "pubmed"
    assert request.params["tool"] == "reviewapp-test"
    assert request.params["email"] == "lead@example.org"
    assert request.params["api_key"] == "secret-key"


def test_it_sends_no_api_key_when_it_has_none(eutils, make_client, sleep_corpus):
    make_client().count("sleep AND blue light")

    [request] = eutils.logged("esearch.fcgi")
    assert "api_key" not in request.params


def test_it_warns_about_a_phrase_pubmed_does_not_know(eutils, make_client):
    summary = make_client().count("zzxqq")

    assert summary.count == 0
    assert summary.warnings == (
        'PubMed found nothing for "zzxqq"; the search ran without it.',
        "No items found.",
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "The search query is empty."),
        ("   \n", "The search query is empty."),
        ('"blue light', "quotation mark"),
        ("(sleep OR insomnia AND light", 'opens a parenthesis ("(")'),
        ("sleep) AND light", 'closes a parenthesis (")")'),
        ("sleep[tiab AND light", 'opens a square bracket ("[")'),
    ],
)
def test_it_refuses_an_empty_or_malformed_query_without_asking_ncbi(
    eutils, make_client, query, message
):
    with pytest.raises(PubMedQueryError, match=re.escape(message)):
        make_client().count(query)

    assert eutils.logged() == []


def test_it_accepts_brackets_inside_quotes():
    assert check_query(' "sleep (REM" AND light[tiab] ') == '"sleep (REM" AND light[tiab]'


def test_it_raises_query_error_with_ncbi_s_message_for_an_error_document(eutils, make_client):
    eutils.refused["sleep[xx]"] = "Invalid query syntax"

    with pytest.raises(PubMedQueryError, match="PubMed could not run the search: Invalid query syntax"):
        make_client().count("sleep[xx]")


def test_it_raises_query_error_at_once_when_ncbi_refuses_the_request(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "400")

    with pytest.raises(PubMedQueryError, match=r"HTTP 400\): API key invalid"):
        make_client().count("sleep AND blue light")

    assert len(eutils.logged()) == 1


def test_it_retries_after_429_honouring_retry_after(eutils, make_client, clock, sleep_corpus):
    eutils.fail("esearch.fcgi", "429", retry_after="2")

    summary = make_client().count("sleep AND blue light")

    assert summary.count == 62
    assert len(eutils.logged("esearch.fcgi")) == 2
    assert clock.sleeps == [2.0]


def test_it_backs_off_exponentially_with_jitter_after_500s(eutils, make_client, clock, sleep_corpus):
    eutils.fail("esearch.fcgi", "500", times=3)

    summary = make_client(backoff=1.0).count("sleep AND blue light")

    assert summary.count == 62
    assert len(eutils.logged("esearch.fcgi")) == 4
    first, second, third = clock.sleeps
    assert 1.0 <= first <= 1.5
    assert 2.0 <= second <= 3.0
    assert 4.0 <= third <= 6.0


def test_it_gives_up_after_max_tries_with_a_clear_message(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "500", times=10)

    with pytest.raises(PubMedUnavailable) as raised:
        make_client(max_tries=4).count("sleep AND blue light")

    assert str(raised.value) == (
        "PubMed could not be reached after 4 tries (last problem: HTTP 500 Internal Server "
        "Error). NCBI may be busy or down for maintenance; try again later."
    )
    assert raised.value.transient is True
    assert len(eutils.logged()) == 4


def test_it_raises_rate_limited_when_429s_do_not_stop(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "429", times=10)

    with pytest.raises(PubMedRateLimited, match="too many requests.*API key raises the limit"):
        make_client(max_tries=3).count("sleep AND blue light")

    assert len(eutils.logged()) == 3


def test_it_stops_at_once_when_retry_after_is_too_long_to_wait(eutils, make_client, clock, sleep_corpus):
    eutils.fail("esearch.fcgi", "429", retry_after="3600")

    with pytest.raises(PubMedRateLimited) as raised:
        make_client().count("sleep AND blue light")

    assert raised.value.retry_after == 3600
    assert "asked to wait 3600 seconds" in str(raised.value)
    assert clock.sleeps == []


def test_it_retries_an_answer_that_takes_longer_than_the_timeout(eutils, make_client, sleep_corpus):
    eutils.stall = 0.6
    eutils.fail("esearch.fcgi", "timeout")

    summary = make_client(timeout=0.2).count("sleep AND blue light")

    assert summary.count == 62
    assert len(eutils.logged()) == 2


def test_it_names_the_timeout_when_every_try_times_out(eutils, make_client, sleep_corpus):
    eutils.stall = 0.6
    eutils.fail("esearch.fcgi", "timeout", times=2)

    with pytest.raises(PubMedUnavailable, match=r"after 2 tries \(last problem: no answer within 0.2 s\)"):
        make_client(timeout=0.2, max_tries=2).count("sleep AND blue light")


def test_it_retries_a_garbled_answer(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "garbled")

    assert make_client().count("sleep AND blue light").count == 62


def test_it_retries_a_connection_dropped_mid_answer(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "drop")

    assert make_client().count("sleep AND blue light").count == 62
    assert len(eutils.logged()) == 2


def test_it_reports_a_refused_connection_as_unavailable(clock):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = PubMedClient(f"http://127.0.0.1:{port}/eutils", max_tries=3, sleep=clock.sleep, clock=clock)

    with pytest.raises(PubMedUnavailable, match="after 3 tries.*network error"):
        client.count("sleep")

    assert len(clock.sleeps) == 2  # the backoffs between the three tries


def test_it_spaces_requests_and_retries_to_three_a_second(eutils, make_client, sleep_corpus):
    eutils.fail("esearch.fcgi", "500", times=2)
    client = make_client(backoff=0.01)

    for _ in range(8):
        client.count("sleep AND blue light")

    assert len(eutils.logged()) == 10
    assert busiest_second(r.at for r in eutils.logged()) == 3


def test_it_refuses_a_start_date_after_the_end_date(eutils, make_client):
    with pytest.raises(PubMedQueryError, match="The start date 2021/01/01 is after the end date 2020/12/31."):
        make_client().count("sleep", mindate="2021", maxdate="2020")

    assert eutils.logged() == []
