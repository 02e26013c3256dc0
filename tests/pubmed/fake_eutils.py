"""A fake NCBI E-utilities server on 127.0.0.1 for the PubMed client tests.

It serves ``esearch.fcgi`` and ``efetch.fcgi`` under ``/entrez/eutils/`` from
synthetic corpora: each query string the test registers maps to records spread over
publication dates, with PMIDs handed out in date order. It honours ``mindate`` /
``maxdate`` (both inclusive), a trailing ``AND <low>:<high>[uid]`` clause, an
``AND <since>:<until>[edat]`` clause (entry dates, for search updates), the
history server (``usehistory=y``, ``WebEnv`` + ``query_key``) and ``retstart`` /
``retmax``, and answers in NCBI's XML formats. Tests can make the next requests fail
(429, 500, a stall past the client timeout, a connection dropped mid-body), forget
every WebEnv, and read the log of requests with their timestamps.

``FakeClock`` and ``busiest_second`` help tests check the rate limit without waiting.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

ESEARCH_DOCTYPE = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n'
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
PUBMED_DOCTYPE = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
UID_CLAUSE = re.compile(r"\((?P<query>.*)\) AND (?P<low>\d+):(?P<high>\d+)\[uid\]")
# An update narrowed to records added since a day: "(query) AND 2024/05/01:3000/12/31[edat]".
EDAT_CLAUSE = re.compile(r"\((?P<query>.*)\) AND (?P<since>\d{4}/\d{2}/\d{2}):\d{4}/\d{2}/\d{2}\[edat\]")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


class Corpus:
    """Records for one query: ``records_per_day`` maps a publication date to a count.

    PMIDs start at ``first_pmid`` and go up by ``step`` in date order, so they are
    predictable and leave gaps, like real ones. ``add`` puts more records in later, as
    PubMed does between two runs of a search; each record's entry date ([edat]) is
    ``entered`` or else its publication date.
    """

    def __init__(self, records_per_day: dict[date, int], *, first_pmid=30_000_000, step=7, entered=None):
        self._pmids = itertools.count(first_pmid, step)
        self.published: dict[int, date] = {}
        self.entered: dict[int, date] = {}
        self.add(records_per_day, entered=entered)

    def add(self, records_per_day: dict[date, int], *, entered: date | None = None) -> list[int]:
        """Add records and return their PMIDs."""
        added = []
        for day in sorted(records_per_day):
            for _ in range(records_per_day[day]):
                pmid = next(self._pmids)
                self.published[pmid] = day
                self.entered[pmid] = entered or day
                added.append(pmid)
        return added

    def search(self, mindate: date, maxdate: date, low=0, high=10**9, entered_since=None) -> list[int]:
        """Return the matching PMIDs newest first, as PubMed's default sort does."""
        return sorted(
            (
                pmid
                for pmid, day in self.published.items()
                if mindate <= day <= maxdate
                and low <= pmid <= high
                and (entered_since is None or self.entered[pmid] >= entered_since)
            ),
            reverse=True,
        )


@dataclass
class Fault:
    utility: str
    kind: str  # "400", "429", "500", "timeout", "drop" or "garbled"
    times: int
    retstart: int | None = None
    retry_after: str | None = None


@dataclass
class LoggedRequest:
    at: float
    utility: str
    params: dict[str, str] = field(repr=False)


class FakeEutils:
    """The server. Start it with ``start()``; ``base_url`` is what the client gets."""

    def __init__(self, *, clock=time.monotonic, stall=1.0):
        self.corpora: dict[str, Corpus] = {}
        self.refused: dict[str, str] = {}  # query -> the <ERROR> message NCBI sends for it
        self.clock = clock  # timestamps in the request log
        self.stall = stall  # how long a "timeout" fault keeps the client waiting
        self.requests: list[LoggedRequest] = []
        self._faults: list[Fault] = []
        self._history: dict[str, list[int]] = {}
        self._webenvs = itertools.count(1)
        self._lock = threading.Lock()
        self._server = None

    # Test controls

    def add_corpus(self, query: str, records_per_day: dict[date, int], **kwargs) -> Corpus:
        self.corpora[query] = Corpus(records_per_day, **kwargs)
        return self.corpora[query]

    def fail(self, utility, kind, *, times=1, retstart=None, retry_after=None):
        """Make the next ``times`` matching requests fail in the given way."""
        with self._lock:
            self._faults.append(Fault(utility, kind, times, retstart, retry_after))

    def expire_history(self):
        """Forget every WebEnv, as NCBI does after a few hours."""
        with self._lock:
            self._history.clear()

    def logged(self, utility=None) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if utility in (None, r.utility)]

    # Lifecycle

    def start(self) -> FakeEutils:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # clients hang up on stalls
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils/"

    # Answers

    def answer(self, utility: str, params: dict[str, str]):
        """Return (status, headers, body, fault kind or None) for one request."""
        with self._lock:
            self.requests.append(LoggedRequest(self.clock(), utility, params))
            fault = self._take_fault(utility, params)
        if fault and fault.kind == "429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            body = b'{"error":"API rate limit exceeded","count":"4","limit":"3"}'
            return 429, headers, body, None
        if fault and fault.kind == "400":
            return 400, {}, b'{"error":"API key invalid","api-key":"xyz"}', None
        if fault and fault.kind == "500":
            return 500, {}, b"<html><body>Internal Server Error</body></html>", None
        if fault and fault.kind == "garbled":
            return 200, {}, b"<html><body>Service temporarily unavailable</body></html>", None
        if utility == "esearch.fcgi":
            body = self.esearch(params)
        elif utility == "efetch.fcgi":
            body = self.efetch(params)
        else:
            return 404, {}, b"unknown utility", None
        return 200, {}, body.encode("utf-8"), fault.kind if fault else None

    def _take_fault(self, utility, params):
        for fault in self._faults:
            if fault.utility != utility:
                continue
            if fault.retstart is not None and str(fault.retstart) != params.get("retstart"):
                continue
            fault.times -= 1
            if fault.times == 0:
                self._faults.remove(fault)
            return fault
        return None

    def esearch(self, params: dict[str, str]) -> str:
        term = params.get("term", "").strip()
        if not term:
            return ESEARCH_DOCTYPE + (
                "<eSearchResult><ERROR>Empty term and query_key - nothing todo</ERROR>"
                "</eSearchResult>"
            )
        if term in self.refused:
            return ESEARCH_DOCTYPE + (
                f"<eSearchResult><ERROR>{escape(self.refused[term])}</ERROR></eSearchResult>"
            )
        query, low, high = term, 0, 10**9
        if match := UID_CLAUSE.fullmatch(term):
            query, low, high = match["query"], int(match["low"]), int(match["high"])
        entered_since = None
        if match := EDAT_CLAUSE.fullmatch(query):
            query, entered_since = match["query"], _date(match["since"], None)
        corpus = self.corpora.get(query)
        if corpus is None:
            return ESEARCH_DOCTYPE + (
                "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
                f"<IdList/><TranslationSet/><QueryTranslation>({escape(query)}[All Fields])"
                f"</QueryTranslation><ErrorList><PhraseNotFound>{escape(query)}</PhraseNotFound>"
                "</ErrorList><WarningList><OutputMessage>No items found.</OutputMessage>"
                "</WarningList></eSearchResult>"
            )
        mindate = _date(params.get("mindate"), date(1, 1, 1))
        maxdate = _date(params.get("maxdate"), date(9999, 12, 31))
        pmids = corpus.search(mindate, maxdate, low, high, entered_since)
        retstart = int(params.get("retstart", 0))
        retmax = int(params.get("retmax", 20))
        history = ""
        if params.get("usehistory") == "y":
            with self._lock:
                webenv = f"MCID_fake{next(self._webenvs)}"
                self._history[webenv] = pmids
            history = f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv>"
        ids = "".join(f"<Id>{pmid}</Id>\n" for pmid in pmids[retstart : retstart + retmax])
        return ESEARCH_DOCTYPE + (
            f"<eSearchResult><Count>{len(pmids)}</Count><RetMax>{min(retmax, len(pmids))}</RetMax>"
            f"<RetStart>{retstart}</RetStart>{history}<IdList>\n{ids}</IdList><TranslationSet/>"
            f"<QueryTranslation>{escape(query)}[All Fields]</QueryTranslation></eSearchResult>"
        )

    def efetch(self, params: dict[str, str]) -> str:
        with self._lock:
            pmids = self._history.get(params.get("WebEnv", ""))
        if pmids is None or params.get("query_key") != "1":
            return (
                '<?xml version="1.0" encoding="UTF-8" ?>\n<eFetchResult>\n'
                "\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n"
            )
        retstart = int(params.get("retstart", 0))
        retmax = int(params.get("retmax", 20))
        corpus_days = {}
        for corpus in self.corpora.values():
            corpus_days.update(corpus.published)
        articles = "".join(
            pubmed_article(pmid, corpus_days[pmid]) for pmid in pmids[retstart : retstart + retmax]
        )
        return PUBMED_DOCTYPE + f"<PubmedArticleSet>\n{articles}</PubmedArticleSet>"


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def busiest_second(timestamps) -> int:
    """Return the most requests that fall in any window [t, t + 1 s)."""
    times = sorted(timestamps)
    return max((sum(1 for u in times if t <= u < t + 1.0) for t in times), default=0)


def pubmed_article(pmid: int, published: date) -> str:
    """Return a minimal valid PubmedArticle for ``pmid``, published on ``published``."""
    return (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID>'
        "<DateRevised><Year>2024</Year><Month>01</Month><Day>02</Day></DateRevised>"
        '<Article PubModel="Print"><Journal><ISSN IssnType="Print">1234-5678</ISSN>'
        '<JournalIssue CitedMedium="Print"><Volume>12</Volume><Issue>3</Issue>'
        f"<PubDate><Year>{published.year}</Year><Month>{MONTHS[published.month - 1]}</Month>"
        f"<Day>{published.day:02d}</Day></PubDate></JournalIssue>"
        "<Title>Journal of Synthetic Records</Title>"
        "<ISOAbbreviation>J Synth Rec</ISOAbbreviation></Journal>"
        f"<ArticleTitle>Synthetic record {pmid}.</ArticleTitle>"
        f"<Abstract><AbstractText>Abstract of record {pmid}.</AbstractText></Abstract>"
        '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Tester</LastName>'
        "<ForeName>Ada</ForeName><Initials>A</Initials></Author></AuthorList>"
        "<Language>eng</Language><PublicationTypeList>"
        '<PublicationType UI="D016428">Journal Article</PublicationType>'
        "</PublicationTypeList></Article>"
        "<MedlineJournalInfo><MedlineTA>J Synth Rec</MedlineTA>"
        "<NlmUniqueID>0000001</NlmUniqueID></MedlineJournalInfo></MedlineCitation>"
        "<PubmedData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList></PubmedData>'
        "</PubmedArticle>\n"
    )


def _date(value: str | None, default: date) -> date:
    if not value:
        return default
    year, month, day = (int(part) for part in value.split("/"))
    return date(year, month, day)


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeEutils

    def do_GET(self):
        self._respond(urlsplit(self.path).query)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self._respond(self.rfile.read(length).decode("ascii"))

    def _respond(self, query_string: str):
        params = {key: values[-1] for key, values in parse_qs(query_string).items()}
        utility = urlsplit(self.path).path.rsplit("/", 1)[-1]
        status, headers, body, fault = self.server_fake.answer(utility, params)
        if fault == "timeout":
            time.sleep(self.server_fake.stall)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if fault == "drop":
            # Promise the whole body, send half, hang up: the client sees IncompleteRead.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass
