"""PubMed search through NCBI E-utilities: count, plan past the 10,000-hit cap, download.

Pure Python with no Django imports. Typical use by a Celery task::

    client = PubMedClient(settings.NCBI_EUTILS_URL, api_key=..., email=...)
    plan = client.plan(query, mindate="2015", maxdate="2024")
    job.plan = plan.to_dict()                  # JSON field on the job row
    for batch in client.fetch(plan):
        records = parse_pubmed_xml(io.StringIO(batch.text))
        ...store records...
        plan = plan.after(batch)
        job.plan = plan.to_dict()              # same transaction as the records

After a crash, ``client.fetch(SearchPlan.from_dict(job.plan))`` carries on with the
batch after the last one stored.
"""
from .client import DEFAULT_BASE_URL, MAX_HITS, FetchedBatch, PubMedClient, check_query
from .errors import PubMedError, PubMedQueryError, PubMedRateLimited, PubMedUnavailable
from .live import live_check
from .plan import DateSlice, SearchPlan
from .responses import SearchSummary, efetch_pmids, parse_esearch

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_HITS",
    "DateSlice",
    "FetchedBatch",
    "PubMedClient",
    "PubMedError",
    "PubMedQueryError",
    "PubMedRateLimited",
    "PubMedUnavailable",
    "SearchPlan",
    "SearchSummary",
    "check_query",
    "efetch_pmids",
    "live_check",
    "parse_esearch",
]
