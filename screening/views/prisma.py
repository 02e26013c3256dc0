"""The PRISMA 2020 flow diagram page and its downloads. Every number comes from
selectors.prisma; this module only renders and converts."""
from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..access import review_view
from ..core.filenames import file_stem
from ..models import Review
from ..prisma import check_sums, render_svg, svg_to_pdf, svg_to_png, to_json, to_template_csv
from ..prisma.counts import LABELS
from ..selectors.prisma import prisma_counts, prisma_open_work

DOWNLOADS = {
    "svg": ("image/svg+xml", lambda counts: render_svg(counts).encode()),
    "png": ("image/png", lambda counts: svg_to_png(render_svg(counts))),
    "pdf": ("application/pdf", lambda counts: svg_to_pdf(render_svg(counts))),
    "csv": ("text/csv; charset=utf-8", lambda counts: to_template_csv(counts).encode()),
    "json": ("application/json", lambda counts: to_json(counts).encode()),
}


class PreviousVersionForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["previous_studies", "previous_reports"]
        labels = {"previous_studies": "Studies included in the previous version",
                  "previous_reports": "Reports of those studies"}
        help_texts = {"previous_studies": "Leave both empty for a new review."}


@review_view("export")
def prisma(request, review):
    """The diagram, every sum that does not add up, and what is still open."""
    counts = prisma_counts(review)
    return render(request, "screening/prisma.html", {
        "review": review, "counts": counts, "mismatches": check_sums(counts),
        "open_work": prisma_open_work(review), "svg": _inline(render_svg(counts,
                                                                                        id_prefix="prisma-page")),
        "previous_form": PreviousVersionForm(instance=review), "formats": list(DOWNLOADS),
        "rows": _rows(counts),
        "nav": "prisma",
    })


def _rows(counts):
    """(label, n) of every single-number box of the arms the diagram shows."""
    hidden = {"database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded",
              "excluded_other_reasons"}
    if not counts.previous:
        hidden |= {"previous_studies", "previous_reports", "total_studies", "total_reports"}
    if not counts.other_methods:
        hidden |= {name for name in LABELS if name.startswith("other_")
                   or name in ("website_results", "organisation_results", "citations_results")}
    return [(LABELS[name], getattr(counts, name)) for name in LABELS if name not in hidden]


def _inline(svg):
    """The SVG document without its XML declaration, to sit inside the HTML page."""
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg


@review_view("manage")
@require_POST
def prisma_previous(request, review):
    """The lead enters what the previous version of the review included (an updated review)."""
    form = PreviousVersionForm(request.POST, instance=review)
    if form.is_valid():
        form.save()
        messages.success(request, "Saved. " + (
            "The diagram shows an updated review: only records from search updates are new." if review.is_update
            else "The diagram shows a new review."))
    else:
        messages.error(request, "Enter whole numbers of 0 or more, or leave both empty.")
    return redirect("prisma", review_id=review.pk)


@review_view("export")
def prisma_download(request, review, file_format):
    if file_format not in DOWNLOADS:
        raise Http404("The diagram downloads as svg, png, pdf, csv or json.")
    content_type, build = DOWNLOADS[file_format]
    response = HttpResponse(build(prisma_counts(review)), content_type=content_type)
    name = file_stem(review.title, fallback=f"review-{review.pk}")
    response["Content-Disposition"] = f'attachment; filename="{name}-prisma2020.{file_format}"'
    return response
