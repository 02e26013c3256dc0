"""Search PubMed and download every hit through NCBI E-utilities.

HTTP goes through urllib, not Bio.Entrez's request functions, because Bio.Entrez
1.88 cannot be pointed at another server: each of ``esearch``, ``efetch``... builds its
URL from a hard-coded ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils/``. It also keeps
``email``, ``api_key``, ``max_tries`` and ``sleep_between_tries`` in module globals
shared by the whole process, sets no socket timeout, ignores Retry-After, waits a fixed
time between tries, and its rate limit is not guarded by a lock. The app needs the base
URL from the ``NCBI_EUTILS_URL`` setting (a mirror, a proxy or a local test server),
per-client credentials and one thread-safe limit. Biopython still reads the ESearch
XML (``Bio.Entrez.read``, see ``responses.py``), and this module sends the same
parameters Bio.Entrez would: ``tool``, ``email``, ``api_key``.

Every request is a POST: E-utilities accept it everywhere, and systematic-review
queries easily pass the URL length a GET allows.
"""
from __future__ import annotations

import dataclasses
import email.utils
import http.client
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from .errors import PubMedError, PubMedQueryError, PubMedRateLimited, PubMedUnavailable
from .plan import EARLIEST_DATE, DateSlice, SearchPlan, format_date, parse_date
from .ratelimit import RateLimiter
from .responses import GarbledResponse, HistoryLost, SearchSummary, efetch_pmids, parse_esearch

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
# ESearch and EFetch return at most the first 10,000 records of a PubMed search.
MAX_HITS = 10_000
# PMIDs are at most 8 digits (about 41 million were in use in 2025).
MAX_PMID = 99_999_999
# Longer waits between tries than these block a worker for too long; the error lets the
# task retry later instead.
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True, slots=True)
class FetchedBatch:
    """One EFetch answer: raw PubMed XML and where it sits in the plan.

    ``pmids`` are the PMIDs in ``xml``; EFetch may return fewer than ``retmax``
    (records deleted since the search). ``slice_count`` is the slice's hit count in
    the search this batch came from. If PubMed changed while a slice was being
    downloaded, the slice starts over from retstart 0, so a caller storing batches
    should skip PMIDs it already has.
    """

    slice_index: int
    retstart: int
    retmax: int
    slice_count: int
    xml: bytes
    pmids: tuple[str, ...]

    @property
    def next_position(self) -> tuple[int, int]:
        """Return the (slice index, retstart) of the batch after this one."""
        end = self.retstart + self.retmax
        if end >= self.slice_count:
            return (self.slice_index + 1, 0)
        return (self.slice_index, end)

    @property
    def text(self) -> str:
        """Return the XML as text, for ``parse_pubmed_xml(io.StringIO(batch.text))``."""
        return self.xml.decode("utf-8")


class _Transient(Exception):
    """A failure that may go away when the same request is sent again."""

    def __init__(self, problem: str, *, rate_limited=False, retry_after: float | None = None):
        super().__init__(problem)
        self.problem = problem
        self.rate_limited = rate_limited
        self.retry_after = retry_after


class PubMedClient:
    """A PubMed client for one set of NCBI credentials.

    ``base_url`` is the E-utilities root, ending in "/". The rate limit (3 requests a
    second, 10 with ``api_key``) is shared by every call on this client, from any
    thread. Failed requests are tried ``max_tries`` times in all, with exponential
    backoff and jitter, or the wait the server asks for in Retry-After.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        api_key: str = "",
        email: str = "",
        tool: str = "reviewapp",
        timeout: float = 30,
        max_tries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if max_tries < 1:
            raise ValueError("max_tries must be at least 1.")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.api_key = api_key
        self.email = email
        self.tool = tool
        self.timeout = timeout
        self.max_tries = max_tries
        self.backoff = backoff
        self._sleep = sleep
        self._limiter = RateLimiter(10 if api_key else 3, clock=clock, sleep=sleep)

    # Searching

    def count(
        self, query: str, *, mindate: date | str | None = None, maxdate: date | str | None = None
    ) -> SearchSummary:
        """Return the hit count, PubMed's translation of the query and any warnings.

        Dates limit the search to publication dates (``datetype=pdat``), both ends
        included; with neither, the search has no date limit.
        """
        query = check_query(query)
        low, high = parse_date(mindate), parse_date(maxdate, end=True)
        _check_date_order(low, high)
        return self._esearch(query, low, high)

    def plan(
        self, query: str, *, mindate: date | str | None = None, maxdate: date | str | None = None
    ) -> SearchPlan:
        """Return a SearchPlan for downloading every hit of ``query``, positioned at the start."""
        summary = self.count(query, mindate=mindate, maxdate=maxdate)
        return SearchPlan(
            query=check_query(query),
            mindate=parse_date(mindate),
            maxdate=parse_date(maxdate, end=True),
            count=summary.count,
            query_translation=summary.query_translation,
            warnings=summary.warnings,
            slices=tuple(self.plan_batches(query, mindate, maxdate)),
        )

    def plan_batches(
        self, query: str, mindate: date | str | None = None, maxdate: date | str | None = None
    ) -> list[DateSlice]:
        """Cut the search into slices of at most 10,000 hits each.

        A date range with too many hits is halved, recursively, down to single days.
        A single day with too many hits is halved by PMID instead, adding
        ``AND <low>:<high>[uid]`` to the query, until each part fits. Parts with no
        hits are dropped, and neighbouring date ranges are joined again while they
        fit. Without dates, the range runs from 1700 to two years from now, which
        covers every PubMed publication date.

        This costs one ESearch per range tried: about two per halving level of each
        crowded range, so a search of 100,000 hits spread over 30 years takes a few
        dozen requests.
        """
        query = check_query(query)
        low = parse_date(mindate) or EARLIEST_DATE
        high = parse_date(maxdate, end=True) or _latest_date()
        _check_date_order(low, high)
        parts = self._split(DateSlice(index=0, query=query, mindate=low, maxdate=high, count=0))
        parts = _merge_neighbours(parts)
        return [dataclasses.replace(part, index=i) for i, part in enumerate(parts)]

    def _split(self, part: DateSlice) -> list[DateSlice]:
        count = self._esearch(part.term, part.mindate, part.maxdate).count
        if count == 0:
            return []
        if count <= MAX_HITS:
            return [dataclasses.replace(part, count=count)]
        if part.mindate < part.maxdate:
            middle = part.mindate + timedelta(days=(part.maxdate - part.mindate).days // 2)
            earlier = dataclasses.replace(part, maxdate=middle)
            later = dataclasses.replace(part, mindate=middle + timedelta(days=1))
            return self._split(earlier) + self._split(later)
        low, high = part.pmids or (1, MAX_PMID)
        if low == high:
            # One PMID is one record; PubMed reporting more is a fault on its side.
            raise PubMedUnavailable(
                f"PubMed reported {count} records for the single PMID {low}; try again later."
            )
        middle = (low + high) // 2
        return self._split(dataclasses.replace(part, pmids=(low, middle))) + self._split(
            dataclasses.replace(part, pmids=(middle + 1, high))
        )

    # Downloading

    def fetch(self, plan: SearchPlan, *, batch_size: int = 500) -> Iterator[FetchedBatch]:
        """Yield every batch of the plan, starting at its position.

        After storing a batch, keep ``plan = plan.after(batch)``; a later call with
        that plan continues with the next batch.
        """
        for part in plan.slices[plan.slice_index :]:
            start = plan.retstart if part.index == plan.slice_index else 0
            yield from self.fetch_slice(part, batch_size=batch_size, start=start)

    def fetch_slice(
        self, part: DateSlice, *, batch_size: int = 500, start: int = 0
    ) -> Iterator[FetchedBatch]:
        """Yield the PubMed XML of one slice in batches, from retstart ``start``.

        The slice is searched again with ``usehistory=y`` and each batch fetched from
        the history server (WebEnv + query_key), so every batch reads the same frozen
        result list. A resumed download therefore always starts with a fresh ESearch:
        the WebEnv of an earlier run may have expired. If the WebEnv expires mid-slice,
        the slice is searched again and the batch retried. If the hit count differs
        from the one the positions were counted in, the slice starts over at 0.
        """
        if not 1 <= batch_size <= MAX_HITS:
            raise ValueError(f"batch_size must be between 1 and {MAX_HITS}.")
        search = self._esearch(part.term, part.mindate, part.maxdate, history=True)
        retstart = start
        if retstart and search.count != part.count:
            logger.warning(
                "Slice %s changed from %s to %s hits; downloading it again from the start.",
                part.index, part.count, search.count,
            )
            retstart = 0
        while retstart < search.count:
            try:
                xml, pmids = self._efetch(search, retstart, batch_size)
            except HistoryLost:
                logger.info("WebEnv expired in slice %s; searching again.", part.index)
                fresh = self._esearch(part.term, part.mindate, part.maxdate, history=True)
                if fresh.count != search.count:
                    logger.warning(
                        "Slice %s changed from %s to %s hits; downloading it again.",
                        part.index, search.count, fresh.count,
                    )
                    search, retstart = fresh, 0
                    continue
                search = fresh
                try:
                    xml, pmids = self._efetch(search, retstart, batch_size)
                except HistoryLost as exc:
                    raise PubMedUnavailable(
                        "PubMed lost the search results twice in a row while downloading "
                        f"({exc}). Try again later."
                    ) from exc
            yield FetchedBatch(
                slice_index=part.index,
                retstart=retstart,
                retmax=batch_size,
                slice_count=search.count,
                xml=xml,
                pmids=pmids,
            )
            retstart += batch_size

    # E-utilities

    def _esearch(
        self, term: str, mindate: date | None, maxdate: date | None, *, history: bool = False
    ) -> SearchSummary:
        params = {"db": "pubmed", "term": term, "retmax": 0}
        if mindate or maxdate:
            # E-utilities ignore a date range unless both ends are given.
            params["datetype"] = "pdat"
            params["mindate"] = format_date(mindate or EARLIEST_DATE)
            params["maxdate"] = format_date(maxdate or _latest_date())
        if history:
            params["usehistory"] = "y"
        summary = self._call("esearch.fcgi", params, parse_esearch)
        if history and summary.count and not (summary.webenv and summary.query_key):
            raise PubMedUnavailable(
                "PubMed did not keep the search results for download (no WebEnv). Try again later."
            )
        return summary

    def _efetch(self, search: SearchSummary, retstart: int, retmax: int):
        params = {
            "db": "pubmed",
            "query_key": search.query_key,
            "WebEnv": search.webenv,
            "retstart": retstart,
            "retmax": retmax,
            "rettype": "xml",
            "retmode": "xml",
        }
        return self._call("efetch.fcgi", params, lambda body: (body, efetch_pmids(body)))

    def _call(self, utility: str, params: dict, parse: Callable[[bytes], object]):
        """POST ``params`` to ``utility`` and return ``parse(body)``, retrying transient failures."""
        params = {**params, "tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        request = Request(
            self.base_url + utility,
            data=urlencode(params).encode("ascii"),
            headers={"User-Agent": f"{self.tool} (Python urllib)"},
            method="POST",
        )
        for attempt in range(1, self.max_tries + 1):
            self._limiter.wait()
            try:
                return parse(self._send(request))
            except _Transient as exc:
                failure = exc
            except GarbledResponse as exc:
                failure = _Transient(f"an incomplete or garbled answer ({exc})")
            if attempt == self.max_tries:
                break
            delay = failure.retry_after
            if delay is None:
                delay = self._backoff_delay(attempt)
            elif delay > MAX_RETRY_AFTER:
                break
            logger.warning(
                "%s try %s of %s failed: %s; retrying in %.1f s.",
                utility, attempt, self.max_tries, failure.problem, delay,
            )
            self._sleep(delay)
        raise _give_up(failure, attempt)

    def _backoff_delay(self, attempt: int) -> float:
        """Return the wait after failed try ``attempt``: 1, 2, 4... s plus up to 50% jitter."""
        delay = min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        return delay + random.uniform(0, delay / 2)

    def _send(self, request: Request) -> bytes:
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except HTTPError as exc:
            with exc:
                retry_after = parse_retry_after(exc.headers.get("Retry-After"))
                if exc.code == 429:
                    raise _Transient(
                        "too many requests (HTTP 429)", rate_limited=True, retry_after=retry_after
                    ) from exc
                if exc.code >= 500:
                    raise _Transient(
                        f"HTTP {exc.code} {exc.reason}", retry_after=retry_after
                    ) from exc
                raise PubMedQueryError(
                    f"NCBI refused the request (HTTP {exc.code}): {_error_text(exc)}"
                ) from exc
        except TimeoutError as exc:
            raise _Transient(f"no answer within {self.timeout:g} s") from exc
        except URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _Transient(f"no answer within {self.timeout:g} s") from exc
            raise _Transient(f"network error ({exc.reason})") from exc
        except (OSError, http.client.HTTPException) as exc:
            # Connection reset or refused, RemoteDisconnected, IncompleteRead...
            raise _Transient(f"the connection broke ({type(exc).__name__})") from exc


def _latest_date() -> date:
    """Return the end of the year after next: later than any PubMed publication date."""
    return date(date.today().year + 2, 12, 31)


def _check_date_order(low: date | None, high: date | None) -> None:
    if low and high and low > high:
        raise PubMedQueryError(
            f"The start date {format_date(low)} is after the end date {format_date(high)}."
        )


def _merge_neighbours(parts: list[DateSlice]) -> list[DateSlice]:
    """Join neighbouring date ranges while their hits together stay within the cap.

    Halving leaves many small ranges next to each busy one; fewer slices mean fewer
    ESearch calls while downloading. Counts add up because every record has exactly
    one publication date, and a range dropped between two neighbours had no hits.
    """
    merged: list[DateSlice] = []
    for part in parts:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.pmids is None
            and part.pmids is None
            and previous.count + part.count <= MAX_HITS
        ):
            merged[-1] = dataclasses.replace(
                previous, maxdate=part.maxdate, count=previous.count + part.count
            )
        else:
            merged.append(part)
    return merged


def check_query(query: str) -> str:
    """Return ``query`` stripped, or raise PubMedQueryError if it is empty or unbalanced.

    Quotes, parentheses and field brackets must pair up; inside quotes anything goes.
    """
    query = (query or "").strip()
    if not query:
        raise PubMedQueryError("The search query is empty.")
    if query.count('"') % 2:
        raise PubMedQueryError("The search query has a quotation mark (\") without its pair.")
    depth = {"(": 0, "[": 0}
    closing = {")": "(", "]": "["}
    names = {"(": "parenthesis", "[": "square bracket"}
    for i, part in enumerate(query.split('"')):
        if i % 2:  # inside quotes
            continue
        for char in part:
            if char in depth:
                depth[char] += 1
            elif char in closing:
                depth[closing[char]] -= 1
                if depth[closing[char]] < 0:
                    raise PubMedQueryError(
                        f'The search query closes a {names[closing[char]]} ("{char}") '
                        "that was never opened."
                    )
    for opener, open_count in depth.items():
        if open_count:
            raise PubMedQueryError(
                f'The search query opens a {names[opener]} ("{opener}") that is never closed.'
            )
    return query


def parse_retry_after(value: str | None) -> float | None:
    """Return a Retry-After header (seconds or an HTTP date) as seconds, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _error_text(exc: HTTPError) -> str:
    """Return the short explanation NCBI put in an error body, or the HTTP reason.

    NCBI sends ``{"error": "API key invalid", ...}`` or ``<ERROR>...</ERROR>``.
    """
    try:
        body = exc.read(4000).decode("utf-8", "replace")
    except OSError:
        body = ""
    try:
        return str(json.loads(body)["error"])
    except (ValueError, KeyError, TypeError):
        pass
    if match := re.search(r"<ERROR>(.*?)</ERROR>", body, re.DOTALL):
        return match.group(1).strip()
    return str(exc.reason)


def _give_up(failure: _Transient, attempts: int) -> PubMedError:
    tries = "1 try" if attempts == 1 else f"{attempts} tries"
    if failure.rate_limited:
        wait = ""
        if failure.retry_after:
            wait = f" NCBI asked to wait {failure.retry_after:.0f} seconds."
        return PubMedRateLimited(
            f"NCBI turned the download away for sending too many requests ({tries}).{wait} "
            "Try again in a few minutes; an NCBI API key raises the limit from 3 to 10 "
            "requests a second.",
            retry_after=failure.retry_after,
        )
    if failure.retry_after and failure.retry_after > MAX_RETRY_AFTER:
        return PubMedUnavailable(
            f"PubMed is unavailable ({failure.problem}) and asked to wait "
            f"{failure.retry_after:.0f} seconds. Try again later."
        )
    return PubMedUnavailable(
        f"PubMed could not be reached after {tries} (last problem: {failure.problem}). "
        "NCBI may be busy or down for maintenance; try again later."
    )
