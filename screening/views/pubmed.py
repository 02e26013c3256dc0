"""Search PubMed from a review: preview the count, import, watch, resume, update."""
from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from ..access import review_view
from ..htmx import wants_partial
from ..models import Import, PubMedRun
from ..pubmed import MAX_HITS, PubMedError
from ..services import pubmed as pubmed_services

# For the lead's estimate of a download's length: requests go out 0.37 s apart without an
# API key, and the worker parses and stores 1,900-3,400 records a second (README).
SECONDS_PER_REQUEST = 1.1 / 3
RECORDS_PER_SECOND = 2_000


class SearchForm(forms.Form):
    query = forms.CharField(
        label="PubMed query", max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text="Full PubMed syntax: field tags such as [tiab] or [mh], AND/OR/NOT, quotes, "
        "parentheses, truncation*.",
    )
    mindate = forms.CharField(label="Published from", required=False, max_length=10,
                              help_text="YYYY, YYYY/MM or YYYY/MM/DD; empty for no limit.")
    maxdate = forms.CharField(label="Published until", required=False, max_length=10,
                              help_text="Included. A year alone means up to its last day.")


@review_view("import")
def pubmed_search(request, review):
    """The search page. A POST asks PubMed for the count and translation (storing nothing)
    and shows them with an Import button; htmx gets only that preview."""
    form = SearchForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        preview = _preview(form.cleaned_data)
    elif request.method == "POST":
        preview = {"error": "Type a search query." if "query" in form.errors else
                   " ".join(e for errors in form.errors.values() for e in errors)}
    context = {"review": review, "form": form, "preview": preview, "nav": "pubmed",
               "searches": pubmed_services.searches_for(review)}
    if request.method == "POST" and wants_partial(request):
        return render(request, "screening/pubmed_search.html#preview", context)
    return render(request, "screening/pubmed_search.html", context)


def _preview(data):
    try:
        summary = pubmed_services.pubmed_preview(
            query=data["query"], mindate=data["mindate"], maxdate=data["maxdate"])
    except (PubMedError, ValueError) as error:
        return {"error": str(error)}
    return {
        "summary": summary, "query": data["query"], "mindate": data["mindate"], "maxdate": data["maxdate"],
        "over_cap": summary.count > MAX_HITS, "duration": _duration_text(summary.count),
    }


def _duration_text(count):
    """Estimate how long downloading `count` records takes, in words."""
    slices = count // MAX_HITS + 1
    requests = count // pubmed_services.BATCH_SIZE + 1 + 2 * slices + (4 * slices if slices > 1 else 0)
    seconds = requests * SECONDS_PER_REQUEST + count / RECORDS_PER_SECOND
    if seconds < 60:
        return "under a minute"
    return f"about {round(seconds / 60)} minute{'s' if round(seconds / 60) != 1 else ''}"


@review_view("import")
@require_POST
def pubmed_import(request, review):
    form = SearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type a search query first.")
        return redirect("pubmed_search", review_id=review.pk)
    data = form.cleaned_data
    try:
        run = pubmed_services.pubmed_search_start(
            review=review, query=data["query"], mindate=data["mindate"], maxdate=data["maxdate"],
            started_by=request.user)
    except (PubMedError, ValueError) as error:
        messages.error(request, str(error))
        return redirect("pubmed_search", review_id=review.pk)
    return redirect("pubmed_run", review_id=review.pk, run_id=run.pk)


def _run_of(review, run_id):
    return get_object_or_404(
        PubMedRun.objects.select_related("search", "source_import__job"),
        pk=run_id, search__review=review)


def _run_context(review, run):
    context = {"review": review, "run": run, "import_": run.source_import, "job": run.source_import.job,
               "nav": "pubmed"}
    if run.source_import.status == Import.Status.IMPORTED:
        context["explanation"] = pubmed_services.pubmed_run_explanation(run)
        context["records"] = run.source_import.records.order_by("source_index")[:20]
        context["skips"] = run.skips.select_related("existing_import").order_by("pmid")[:50]
    return context


@review_view("import")
def pubmed_run(request, review, run_id):
    """One run of a search: how it was documented, its progress, then what it imported."""
    run = _run_of(review, run_id)
    return render(request, "screening/pubmed_run.html", _run_context(review, run))


@review_view("import")
def pubmed_run_progress(request, review, run_id):
    """The run's status partial; htmx polls it until the import has ended."""
    run = _run_of(review, run_id)
    response = render(request, "screening/pubmed_run.html#run-status", _run_context(review, run))
    ended = run.source_import.status not in (Import.Status.QUEUED, Import.Status.IMPORTING)
    if ended and wants_partial(request):
        response.status_code = HttpResponseStopPolling.status_code
    return response


@review_view("import")
@require_POST
def pubmed_run_resume(request, review, run_id):
    run = _run_of(review, run_id)
    pubmed_services.pubmed_run_resume(run=run, resumed_by=request.user)
    return redirect("pubmed_run", review_id=review.pk, run_id=run.pk)


@review_view("import")
@require_POST
def pubmed_run_discard(request, review, run_id):
    run = _run_of(review, run_id)
    pubmed_services.pubmed_run_discard(run=run)
    messages.info(request, "The stopped PubMed import was discarded; none of its records were kept.")
    return redirect("pubmed_search", review_id=review.pk)


@review_view("import")
@require_POST
def pubmed_search_update(request, review, search_id):
    search = get_object_or_404(review.pubmed_searches, pk=search_id)
    run = pubmed_services.pubmed_search_update(
        search=search, started_by=request.user, only_new_entries=request.POST.get("only_new") == "on")
    return redirect("pubmed_run", review_id=review.pk, run_id=run.pk)
