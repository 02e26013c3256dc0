"""PubMed reads."""
from ..models import Import
from ..services import pubmed as pubmed_services


def pubmed_summary(review):
    """Return the review's PubMed searches with their latest completed run, for the dashboard."""
    searches = []
    for search in pubmed_services.searches_for(review)[:5]:
        done = [run for run in search.runs.all() if run.source_import.status == Import.Status.IMPORTED]
        searches.append({"search": search, "last_run": max(done, key=lambda run: run.ran_at, default=None)})
    return {"pubmed_searches": searches}
