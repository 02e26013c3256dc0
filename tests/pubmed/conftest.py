"""Fixtures for the PubMed client tests: a fake clock, the fake E-utilities server, a client."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from fake_eutils import FakeClock, FakeEutils

from screening.pubmed import PubMedClient

# tests/pubmed/conftest.py -> parents[2] is the repository; shared material sits beside it.
ENTREZ = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports" / "entrez"


@pytest.fixture
def entrez() -> Path:
    if not ENTREZ.is_dir():
        # Under CI=true a missing prerequisite fails instead of skipping.
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"recorded E-utilities responses not found at {ENTREZ}")
        pytest.skip(f"recorded E-utilities responses not found at {ENTREZ}")
    return ENTREZ


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def eutils(clock):
    """The fake E-utilities server, logging request times on the fake clock."""
    server = FakeEutils(clock=clock).start()
    yield server
    server.stop()


@pytest.fixture
def make_client(eutils, clock):
    """Return a factory of clients for the fake server that sleep on the fake clock."""

    def make(**kwargs) -> PubMedClient:
        kwargs.setdefault("email", "tests@example.org")
        kwargs.setdefault("timeout", 5)
        return PubMedClient(eutils.base_url, sleep=clock.sleep, clock=clock, **kwargs)

    return make
