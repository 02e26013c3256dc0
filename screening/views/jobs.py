from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from ..access import review_view
from ..htmx import wants_partial
from ..services import jobs as job_services


@review_view("view")
def job_detail(request, review, job_id):
    job = get_object_or_404(review.jobs, pk=job_id)
    return render(request, "screening/job_detail.html", {"review": review, "job": job})


@review_view("view")
def job_progress(request, review, job_id):
    """The progress partial. htmx polls it every second; once the job has ended the response
    tells htmx to stop polling. A stopped job (its worker died) keeps being polled: another
    worker may take it over."""
    job = get_object_or_404(review.jobs, pk=job_id)
    response = render(request, "screening/job_detail.html#job-progress", {"review": review, "job": job})
    if job.is_finished and wants_partial(request):
        response.status_code = HttpResponseStopPolling.status_code
    return response


# Every job on a review's pages (imports, PubMed, duplicates) is a lead's to start, so a
# lead's to restart or give up.
@review_view("import")
@require_POST
def job_retry(request, review, job_id):
    job = get_object_or_404(review.jobs, pk=job_id)
    try:
        job_services.job_retry(job=job, by=request.user)
    except job_services.JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Started again: the first free worker takes it.")
    return redirect("job_detail", review_id=review.pk, job_id=job.pk)


@review_view("import")
@require_POST
def job_cancel(request, review, job_id):
    job = get_object_or_404(review.jobs, pk=job_id)
    try:
        job_services.job_cancel(job=job, by=request.user)
    except job_services.JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Cancelled.")
    return redirect("job_detail", review_id=review.pk, job_id=job.pk)
