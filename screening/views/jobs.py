from django.shortcuts import get_object_or_404, render
from django_htmx.http import HttpResponseStopPolling

from ..access import review_view
from ..htmx import wants_partial


@review_view("view")
def job_detail(request, review, job_id):
    job = get_object_or_404(review.jobs, pk=job_id)
    return render(request, "screening/job_detail.html", {"review": review, "job": job})


@review_view("view")
def job_progress(request, review, job_id):
    """The progress partial. htmx polls it every second; once the job has ended the response
    tells htmx to stop polling."""
    job = get_object_or_404(review.jobs, pk=job_id)
    response = render(request, "screening/job_detail.html#job-progress", {"review": review, "job": job})
    if job.is_finished and wants_partial(request):
        response.status_code = HttpResponseStopPolling.status_code
    return response
