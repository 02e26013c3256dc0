"""The errors the PubMed client raises.

Each message is written for the person who typed the search, so the caller can store it
on the job row and show it as is. ``transient`` tells a Celery task whether trying again
later can help.
"""
from __future__ import annotations


class PubMedError(Exception):
    """Any failure of a PubMed search or download."""

    transient = False


class PubMedUnavailable(PubMedError):
    """NCBI could not be reached, or kept failing, after every retry."""

    transient = True


class PubMedRateLimited(PubMedError):
    """NCBI kept answering "too many requests" (HTTP 429) after every retry.

    ``retry_after`` is the wait in seconds NCBI asked for, or None.
    """

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PubMedQueryError(PubMedError):
    """The search itself is wrong: empty, malformed, or refused by NCBI."""
