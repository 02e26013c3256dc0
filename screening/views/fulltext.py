"""The full-text stage: reports sought for retrieval (attach the full text or mark it not
retrieved), the PDF itself, and the lead's linking of included reports to studies. Screening
at full text uses the title/abstract views in views/screening.py with stage="full_text"."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..access import review_view
from ..models import Record, Report, Study
from ..models.dedup import notices_attach
from ..selectors.fulltext import RETRIEVAL_FILTERS, retrieval_counts, sought_for_retrieval
from ..services import fulltext as fulltext_services

@review_view("screen")
def fulltext_list(request, review):
    """Reports sought for retrieval, for any member to attach full texts to. Shows
    retrieval only, never a full-text vote or outcome (blinding)."""
    reports = sought_for_retrieval(review).order_by("id")
    counts = retrieval_counts(reports)
    status = request.GET.get("status", "")
    if status in RETRIEVAL_FILTERS:
        reports = reports.filter(RETRIEVAL_FILTERS[status][1])
    query = request.GET.get("q", "").strip()
    if query:
        reports = reports.filter(title__icontains=query)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    by_record = {report.record_id: report for report in Report.objects.filter(record__in=list(page.object_list))}
    for record in page.object_list:
        record.sought_report = by_record.get(record.pk)
    notices_attach(review, page.object_list)
    return render(request, "screening/fulltext_list.html", {
        "review": review, "page": page, "status": status, "q": query, "counts": counts,
        "total": sum(counts.values()), "filters": [(key, label) for key, (label, _) in RETRIEVAL_FILTERS.items()],
        "nav": "fulltext",
    })


def _back(request, review):
    """Back to the page the form was on (the retrieval list with its filters and page)."""
    target = request.POST.get("next", "")
    if not target.startswith(f"/reviews/{review.pk}/"):
        target = reverse("fulltext_list", args=[review.pk])
    return redirect(target)


@review_view("screen")
@require_POST
def fulltext_attach(request, review, record_id):
    record = get_object_or_404(Record, pk=record_id, review=review)
    try:
        fulltext_services.report_attach(review=review, record=record, by=request.user,
                                        file=request.FILES.get("file"), url=request.POST.get("url", ""),
                                        reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, f"“{record.title[:60]}”: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Full text attached to “{record.title[:60]}”.")
    return _back(request, review)


@review_view("screen")
@require_POST
def fulltext_not_retrieved(request, review, record_id):
    record = get_object_or_404(Record, pk=record_id, review=review)
    try:
        fulltext_services.report_mark_not_retrieved(review=review, record=record, by=request.user,
                                                    note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, f"“{record.title[:60]}”: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"“{record.title[:60]}” marked as not retrieved.")
    return _back(request, review)


@review_view("screen")
def fulltext_file(request, review, record_id):
    """The uploaded PDF, for members only (media files are never served publicly)."""
    report = get_object_or_404(Report, record_id=record_id, review=review)
    if not report.file:
        raise Http404("No PDF attached.")
    return FileResponse(report.file.open("rb"), content_type="application/pdf",
                        filename=f"record-{record_id}.pdf")


@review_view("resolve")
def studies(request, review):
    """Included reports and the studies they report: the lead links several reports of one
    study, so PRISMA counts both exactly."""
    if request.method == "POST":
        report_ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
        try:
            if request.POST.get("action") == "unlink":
                count = fulltext_services.study_unlink(review=review, report_ids=report_ids)
                messages.success(request, f"{count} report{'s' if count != 1 else ''} unlinked.")
            else:
                study_id = request.POST.get("study", "")
                study = get_object_or_404(Study, pk=study_id, review=review) if study_id.isdigit() else None
                study = fulltext_services.study_link(review=review, report_ids=report_ids, by=request.user,
                                                     study=study, label=request.POST.get("label", ""))
                messages.success(request, f"Linked to the study “{study.label}”.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("studies", review_id=review.pk)
    reports = Report.objects.included_in(review).select_related("record", "study").order_by(
        "study__label", "record_id")
    return render(request, "screening/studies.html", {
        "review": review, "reports": reports, "studies": Study.objects.filter(review=review),
        "report_count": reports.count(), "study_count": reports.study_count(), "nav": "studies",
    })
