"""One real, small PubMed search, for a person with internet: ``make live-pubmed-check``.

Run as ``python -m screening.pubmed.live``. Reads NCBI_EUTILS_URL, NCBI_API_KEY and
NCBI_EMAIL from the environment. Tests never call this.
"""
from __future__ import annotations

import os
import sys

from .client import DEFAULT_BASE_URL, PubMedClient
from .errors import PubMedError

LIVE_QUERY = "biopython[tiab]"


def live_check(query: str = LIVE_QUERY, *, out=None) -> int:
    """Search PubMed for ``query``, print the count and translation, fetch 3 records.

    Return 0 on success and 1 on failure, for use as an exit status.
    """
    out = out or sys.stdout
    client = PubMedClient(
        os.environ.get("NCBI_EUTILS_URL") or DEFAULT_BASE_URL,
        api_key=os.environ.get("NCBI_API_KEY", ""),
        email=os.environ.get("NCBI_EMAIL", ""),
        max_tries=3,
    )
    try:
        plan = client.plan(query, mindate="2015", maxdate="2024")
        print(f"query:       {query}", file=out)
        print(f"count:       {plan.count}", file=out)
        print(f"translation: {plan.query_translation}", file=out)
        for warning in plan.warnings:
            print(f"warning:     {warning}", file=out)
        print(f"slices:      {len(plan.slices)} ({plan.total} records)", file=out)
        if plan.slices:
            batch = next(client.fetch_slice(plan.slices[0], batch_size=3))
            print(f"first PMIDs: {', '.join(batch.pmids)}", file=out)
    except PubMedError as exc:
        print(f"failed:      {exc}", file=out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(live_check(*sys.argv[1:2]))
