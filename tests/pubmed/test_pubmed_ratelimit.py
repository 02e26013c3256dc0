"""The rate limiter shared by every request of a client."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from fake_eutils import FakeClock, FakeEutils, busiest_second

from screening.pubmed import PubMedClient
from screening.pubmed.ratelimit import RateLimiter


def test_the_limiter_spaces_calls_to_three_a_second():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    times = []

    for _ in range(12):
        limiter.wait()
        times.append(clock())

    assert busiest_second(times) == 3
    assert times[-1] - times[0] == pytest.approx(11 * 1.1 / 3)


def test_the_limiter_does_not_wait_after_a_pause():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 5

    limiter.wait()

    assert clock.sleeps == []


def test_threads_sharing_a_client_stay_within_ten_requests_a_second_in_real_time():
    eutils = FakeEutils().start()  # real monotonic clock on both sides
    try:
        eutils.add_corpus("sleep", {date(2020, 1, 1): 1})
        client = PubMedClient(eutils.base_url, api_key="test-key")

        def search_three_times():
            for _ in range(3):
                client.count("sleep")

        threads = [threading.Thread(target=search_three_times) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        eutils.stop()

    times = [r.at for r in eutils.logged()]
    assert len(times) == 12
    assert busiest_second(times) == 10
