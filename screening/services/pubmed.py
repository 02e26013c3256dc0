"""PubMed searches from inside a review: preview, import in the background, resume, update.

The flow a lead sees: type a query -> `pubmed_preview` asks PubMed for the count, the
translation and any warnings (nothing is stored) -> `pubmed_search_start` saves the search
and queues a `pubmed_import` job -> the job plans the download (date slices past 10,000
hits), then fetches batch after batch. Each batch's records are committed together with
the download position, so a job that stops (NCBI down, a worker killed) resumes where it
stopped. The Import stays IMPORTING or FAILED until the last batch, and only
`import_finished` makes its records count (see `RecordQuerySet.imported`).
"""
import io
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..formats import ImportFormatError
from ..formats.pubmed_xml import parse_pubmed_xml
from ..models import IdentifiedVia, Import, PubMedRun, PubMedSearch, PubMedSkip, Record
from ..pubmed import PubMedClient, PubMedError, SearchPlan, check_query
from ..pubmed.plan import parse_date
from .imports import copy_records, import_finished
from .jobs import JobError, job_create

logger = logging.getLogger(__name__)

DATABASE = "PubMed"
PLATFORM = "NCBI E-utilities"
BATCH_SIZE = 500
# A preview runs inside a web request: fail fast rather than keep the page waiting.
PREVIEW_OPTIONS = {"max_tries": 2, "timeout": 15}
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=30)


def pubmed_client(**options):
    """Return a PubMedClient for NCBI_EUTILS_URL with this site's NCBI credentials."""
    options = {"api_key": settings.NCBI_API_KEY, "email": settings.NCBI_EMAIL,
               "tool": settings.NCBI_TOOL, **options}
    return PubMedClient(settings.NCBI_EUTILS_URL, **options)


def search_dates(mindate, maxdate):
    """Return (mindate, maxdate) as dates from "YYYY[/MM[/DD]]" text or dates, checked.

    A year or month alone means its whole span. Raise PubMedQueryError-worthy ValueError
    with a message for the user when a date cannot be read or the range is reversed.
    """
    low = parse_date(mindate or None)
    high = parse_date(maxdate or None, end=True)
    if low and high and low > high:
        raise ValueError(f"The start date {low:%Y/%m/%d} is after the end date {high:%Y/%m/%d}.")
    return low, high


def pubmed_preview(*, query, mindate=None, maxdate=None):
    """Return PubMed's SearchSummary for the query: count, translation, warnings.

    Store nothing. Raise PubMedError (with a message for the user) or ValueError for dates.
    """
    low, high = search_dates(mindate, maxdate)
    return pubmed_client(**PREVIEW_OPTIONS).count(check_query(query), mindate=low, maxdate=high)


@transaction.atomic
def pubmed_search_start(*, review, query, mindate=None, maxdate=None, started_by, queue=True):
    """Save the search on the review and queue its first run. Return the run.

    With queue=False no job is created: the caller runs `pubmed_run_execute` itself.
    """
    low, high = search_dates(mindate, maxdate)
    query = check_query(query)
    # A double-clicked Import button: the same search saved moments ago is the one meant.
    repeat = (review.pubmed_searches.filter(query=query, mindate=low, maxdate=high, created_by=started_by,
                                            created_at__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW)
              .first())
    if queue and repeat is not None and repeat.runs.exists():
        return repeat.runs.order_by("ran_at").first()
    search = PubMedSearch.objects.create(
        review=review, query=query, mindate=low, maxdate=high, created_by=started_by)
    return _run_create(search=search, started_by=started_by, is_update=False, queue=queue)


@transaction.atomic
def pubmed_search_update(*, search, started_by, only_new_entries=False):
    """Run a saved search again; import only PMIDs not yet in the review. Return the run.

    With `only_new_entries`, the search is narrowed to records PubMed added ([edat]) since
    the day of the last completed run, which is much quicker for a large search. Records
    added that day are searched again; their PMIDs are already in the review and skipped.
    """
    entered_since = None
    if only_new_entries:
        previous = (search.runs.filter(source_import__status=Import.Status.IMPORTED)
                    .order_by("-ran_at").first())
        if previous is not None:
            entered_since = timezone.localdate(previous.ran_at)
    return _run_create(search=search, started_by=started_by, is_update=True, entered_since=entered_since)


def _run_create(*, search, started_by, is_update, entered_since=None, queue=True):
    today = timezone.localdate()
    import_ = Import.objects.create(
        review=search.review, created_by=started_by, identified_via=IdentifiedVia.DATABASE, database=DATABASE,
        platform=PLATFORM, searched_on=today, search_string=search.query, is_update=is_update,
        filename="", format="pubmed_xml", status=Import.Status.QUEUED,
    )
    run = PubMedRun.objects.create(search=search, source_import=import_, entered_since=entered_since)
    import_.search_string = _documented_search(run)
    if queue:
        import_.job = job_create(kind="pubmed_import", review=search.review, created_by=started_by,
                              params={"run_id": run.pk}, message="Waiting to search PubMed…")
    import_.save(update_fields=["search_string", "job"])
    return run


def _documented_search(run):
    """Return the search as a methods section reports it: the query and its limits."""
    limits = []
    search = run.search
    if search.mindate or search.maxdate:
        low = f"{search.mindate:%Y/%m/%d}" if search.mindate else "any date"
        high = f"{search.maxdate:%Y/%m/%d}" if search.maxdate else "any date"
        limits.append(f"publication date {low} to {high}")
    if run.entered_since:
        limits.append(f"added to PubMed since {run.entered_since:%Y/%m/%d}")
    return search.query + (f"\n[Limits: {'; '.join(limits)}]" if limits else "")


@transaction.atomic
def pubmed_run_resume(*, run, resumed_by):
    """Queue a stopped run again; it continues after the last stored batch."""
    import_ = Import.objects.select_for_update().get(pk=run.source_import_id)
    if import_.status != Import.Status.FAILED:
        return run  # already running again, finished or discarded
    import_.status = Import.Status.QUEUED
    import_.job = job_create(kind="pubmed_import", review=import_.review, created_by=resumed_by,
                          params={"run_id": run.pk}, message=f"Waiting to resume {run.position_text}…")
    import_.save(update_fields=["status", "job"])
    return run


@transaction.atomic
def pubmed_run_discard(*, run):
    """Drop a stopped run and every record it stored: none of them ever counted."""
    import_ = Import.objects.select_for_update().get(pk=run.source_import_id)
    if import_.status != Import.Status.FAILED:
        return run
    import_.records.all().delete()
    run.skips.all().delete()
    import_.status = Import.Status.CANCELLED
    import_.record_count = 0
    import_.save(update_fields=["status", "record_count"])
    return run


# The job

def pubmed_import_job(job, progress):
    run = PubMedRun.objects.get(pk=job.params["run_id"])
    run = pubmed_run_execute(run=run, progress=progress)
    return {"message": _summary(run), "import_id": run.source_import_id,
            "next_url": reverse("pubmed_run", args=[job.review_id, run.pk])}


def pubmed_import_cancelled(job):
    """Its worker died: the run is stopped where its last batch was stored, for Resume or
    Discard, like a run that NCBI stopped."""
    run = PubMedRun.objects.get(pk=job.params["run_id"])
    Import.objects.filter(pk=run.source_import_id, status__in=[Import.Status.QUEUED, Import.Status.IMPORTING]).update(
        status=Import.Status.FAILED, error=f"The download stopped {run.position_text} when its worker stopped.")


def pubmed_run_execute(*, run, progress=None):
    """Download the run into its import, from where it stopped; return the run.

    Raise JobError with a message for the user when PubMed fails. The import is then
    FAILED and keeps what was stored, out of every count, for a resume or a discard.
    """
    progress = progress or (lambda *args, **kwargs: None)
    import_ = run.source_import
    if import_.status in (Import.Status.IMPORTED, Import.Status.CANCELLED):
        return run  # a repeated job: the run already ended
    Import.objects.filter(pk=import_.pk).update(status=Import.Status.IMPORTING, error="")
    try:
        return pubmed_run_download(run=run, progress=progress)
    except _NoHits as error:
        # Nothing was stored; the failed row only tells the lead what happened.
        Import.objects.filter(pk=import_.pk).update(status=Import.Status.CANCELLED, error=str(error))
        raise JobError(str(error)) from error
    except (PubMedError, ImportFormatError) as error:
        run.refresh_from_db()
        message = f"The download stopped {run.position_text}: {error}"
        Import.objects.filter(pk=import_.pk).update(status=Import.Status.FAILED, error=message)
        raise JobError(f"{message} Nothing from this search counts yet: resume to continue, "
                       "or discard what was downloaded.") from error
    except BaseException:
        Import.objects.filter(pk=import_.pk).update(
            status=Import.Status.FAILED, error=f"The download stopped {run.position_text} on an unexpected error.")
        raise


def pubmed_run_download(*, run, progress):
    """Plan the run if needed, then store every batch after the stored position.

    Each batch is one transaction: its new records, its skips and the plan moved past it.
    """
    client = pubmed_client()
    if not run.plan:
        search = run.search
        progress(0, message="Searching PubMed…", force=True)
        plan = client.plan(run.term, mindate=search.mindate, maxdate=search.maxdate)
        run.count, run.query_translation, run.warnings = plan.count, plan.query_translation, list(plan.warnings)
        run.plan = plan.to_dict()
        run.save(update_fields=["count", "query_translation", "warnings", "plan"])
        Import.objects.filter(pk=run.source_import_id).update(record_count=0)
        if plan.count == 0 and not run.source_import.is_update:
            raise _NoHits()
    plan = SearchPlan.from_dict(run.plan)
    progress(_done(run), total=run.count, message=_progress_text(run), force=True)
    for batch in client.fetch(plan, batch_size=BATCH_SIZE):
        plan = plan.after(batch)
        run = pubmed_batch_store(run=run, batch=batch, plan=plan)
        progress(_done(run), total=run.count, message=_progress_text(run))
    with transaction.atomic():
        import_finished(import_=run.source_import, record_count=run.stored)
    progress(_done(run), total=run.count, message=_summary(run), force=True)
    return run


class _NoHits(PubMedError):
    def __init__(self):
        super().__init__("PubMed found no records for this search, so there is nothing to import. "
                         "Check the query and the date limits.")


@transaction.atomic
def pubmed_batch_store(*, run, batch, plan):
    """Store one fetched batch and move the run's position past it. Return the run.

    PMIDs this import already holds are not stored again: a resumed slice can start over
    from its first record. In an update, PMIDs anywhere else in the review are skipped and
    noted, so that imported plus skipped adds up to PubMed's count.
    """
    run = PubMedRun.objects.select_for_update().select_related("search", "source_import").get(pk=run.pk)
    import_ = run.source_import
    records = list(parse_pubmed_xml(io.StringIO(batch.text), filename=f"PubMed batch at {batch.retstart}"))
    pmids = [r.pmid for r in records if r.pmid]
    in_this_import = set(
        Record.objects.filter(source_import=import_, pmid__in=pmids).values_list("pmid", flat=True))
    in_this_import |= set(run.skips.filter(pmid__in=pmids).values_list("pmid", flat=True))
    elsewhere = {}
    if import_.is_update:
        elsewhere = dict(
            Record.objects.imported().filter(review_id=import_.review_id, pmid__in=pmids)
            .exclude(source_import=import_).order_by("pmid", "source_import_id")
            .values_list("pmid", "source_import_id").distinct("pmid"))
    new, skips = [], []
    for record in records:
        if not record.pmid:  # never seen from EFetch, but nothing to match it on: keep it
            new.append(record)
        elif record.pmid in in_this_import:
            continue
        elif record.pmid in elsewhere:
            skips.append(PubMedSkip(run=run, pmid=record.pmid, reason=PubMedSkip.Reason.IN_REVIEW,
                                    existing_import_id=elsewhere[record.pmid]))
        else:
            new.append(record)
        in_this_import.add(record.pmid)
    stored = copy_records(import_=import_, numbered_records=enumerate(new, start=run.stored))
    PubMedSkip.objects.bulk_create(skips)
    expected = min(batch.retmax, batch.slice_count - batch.retstart)
    run.missing += max(0, expected - len(batch.pmids))
    run.stored += stored
    run.plan = plan.to_dict()
    run.save(update_fields=["stored", "missing", "plan"])
    Import.objects.filter(pk=import_.pk).update(record_count=run.stored)
    return run


def _done(run):
    return run.stored + run.skips.count() + run.missing


def _progress_text(run):
    return f"{run.stored:,} of {run.count or 0:,} records downloaded…"


def _summary(run):
    skipped = run.skips.count()
    text = f"{run.stored:,} of {run.count or 0:,} records imported from PubMed."
    if skipped:
        text += f" {skipped:,} already in the review."
    if run.missing:
        text += f" {run.missing:,} no longer in PubMed."
    return text


def pubmed_run_explanation(run):
    """Return how the imported count relates to PubMed's count, as parts that add up.

    `unexplained` is non-zero only when PubMed's results changed during the download.
    """
    skipped = run.skips.count()
    accounted = run.stored + skipped + run.missing
    return {
        "count": run.count or 0, "imported": run.stored, "skipped": skipped, "missing": run.missing,
        "unexplained": (run.count or 0) - accounted,
    }


def pubmed_search_now(*, review, query, mindate=None, maxdate=None, started_by=None, progress=None):
    """Search and import in the foreground (the pubmed_search command), through the same
    run and download as the web page's job. Return the finished run; raise JobError."""
    run = pubmed_search_start(review=review, query=query, mindate=mindate, maxdate=maxdate,
                              started_by=started_by, queue=False)
    return pubmed_run_execute(run=run, progress=progress)


def searches_for(review):
    """Return the review's saved searches with their runs, newest first."""
    return (review.pubmed_searches.prefetch_related("runs__source_import")
            .select_related("created_by").order_by("-created_at"))
