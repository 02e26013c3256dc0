"""The fake E-utilities server wired into the app, for service, view and command tests.

`fake_ncbi` (the `ncbi` fixture of tests/conftest.py) starts tests/pubmed/fake_eutils.py on
127.0.0.1, points NCBI_EUTILS_URL at it, and
makes every client the app builds sleep on a fake clock: retries and the rate limit cost
no real time, and the server logs each request at the fake time it was sent.
"""
from datetime import date, timedelta

from screening.services import pubmed

from ..pubmed.fake_eutils import FakeClock, FakeEutils, busiest_second  # noqa: F401

QUERY = '"blue light"[tiab] AND sleep[mh]'


def days(first: date, last: date, per_day: int) -> dict[date, int]:
    return {first + timedelta(n): per_day for n in range((last - first).days + 1)}


def fake_ncbi(settings, monkeypatch):
    clock = FakeClock()
    server = FakeEutils(clock=clock, stall=3.0).start()
    settings.NCBI_EUTILS_URL = server.base_url
    settings.NCBI_API_KEY = ""
    settings.NCBI_EMAIL = "tests@example.org"
    build = pubmed.pubmed_client

    def client_on_fake_clock(**options):
        # A timeout well under the server's 3 s stall, and well over a loaded machine's answer.
        return build(**{**options, "clock": clock, "sleep": clock.sleep, "timeout": 1.0})

    monkeypatch.setattr(pubmed, "pubmed_client", client_on_fake_clock)
    server.clock_used = clock
    yield server
    server.stop()
