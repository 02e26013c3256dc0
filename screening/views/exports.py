"""The lead's exports: records with their decisions (CSV and RIS, by subset), every
reviewer's votes once unblinded, and the agreement table. The decision history export is in
views/screening.py. Large exports stream."""
from decimal import Decimal

from django.db.models import Q
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..core import csvfile
from ..access import review_view
from ..core.filenames import file_stem
from ..models import Decision, Record, Stage
from ..selectors.screening import agreement_per_pair
from ..services.exports import EXPORT_COLUMNS, NoticeOutcomes, decision_notes, stream_records_csv, stream_records_ris

SUBSETS = {
    "all": ("All records", Q()),
    "included": ("Included at full text", Q(ft_outcome="included", report_status="retrieved")),
    "excluded": ("Excluded at title/abstract or full text", Q(ta_outcome="excluded") | Q(ft_outcome="excluded")),
    "conflicts": ("Open conflicts", Q(ta_outcome="conflict") | Q(ft_outcome="conflict")),
}
# While the review is blind, files do not tell conflicts apart from records awaiting a vote
# (see decision_values): the "conflicts" file then holds every record awaiting a decision.
AWAITING = ("Awaiting a decision (pending or in conflict, not told apart while the review is blind)",
            Q(ta_outcome__in=("pending", "conflict")) | Q(ft_outcome__in=("pending", "conflict")))


def _subsets(review):
    return {**SUBSETS, "conflicts": AWAITING} if review.blind else SUBSETS


def _attachment(response, review, what, extension):
    name = file_stem(review.title, fallback=f"review-{review.pk}")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{what}-{stamp}.{extension}"'
    return response


@review_view("export")
def exports(request, review):
    return render(request, "screening/exports.html", {
        "review": review, "subsets": [(key, label) for key, (label, _) in _subsets(review).items()], "nav": "exports",
    })


@review_view("export")
def decisions_export(request, review, subset, file_format):
    """Records with their final decision, the stage reached and the reasons, for one subset,
    and whether each is retracted. A notice linked to its article has the article's decision
    and is in the article's subsets."""
    if subset not in SUBSETS or file_format not in ("csv", "ris"):
        raise Http404("No such export.")
    notices = NoticeOutcomes(review, blind=review.blind)
    records = Record.objects.imported().filter(review=review).with_outcomes().with_retraction()
    if subset != "all":
        subset_filter = _subsets(review)[subset][1]
        chosen = Q(duplicate_of__isnull=True, removed_reason="", notice_of__isnull=True) & subset_filter
        records = records.filter(chosen | Q(pk__in=notices.following(subset_filter)))
    records = records.select_related("source_import").order_by("id")
    if file_format == "ris":
        response = StreamingHttpResponse(
            stream_records_ris(records, notes=lambda record: decision_notes(record, notices.values(record))),
            content_type="application/x-research-info-systems")
    else:
        response = StreamingHttpResponse(stream_records_csv(records, EXPORT_COLUMNS, notices.values),
                                         content_type="text/csv; charset=utf-8")
    return _attachment(response, review, f"records-{subset}", file_format)


@review_view("export")
def votes_export(request, review):
    """Every reviewer's votes, only where blinding is over for everyone (the record is
    resolved at that stage, or blind mode is off): the file may be shared with reviewers."""
    votes = (Decision.objects.visible_to(request.user, review, role=request.membership.role, unblinded_only=True)
             .decided().select_related("reviewer", "record").order_by("stage", "record_id", "reviewer__username"))
    def rows():
        yield ["stage", "record_id", "record_title", "reviewer", "verdict", "reason", "note", "decided_at"]
        for vote in votes.iterator(chunk_size=2000):
            yield [vote.stage, vote.record_id, vote.record.title, vote.reviewer.username,
                   vote.verdict, vote.reason, vote.note, vote.decided_at.isoformat()]

    return _attachment(StreamingHttpResponse(csvfile.stream(rows()), content_type="text/csv; charset=utf-8"),
                       review, "votes", "csv")


@review_view("export")
def agreement_export(request, review):
    """The agreement table, per stage and reviewer pair, in both readings of Maybe: over the
    votes whose blinding is over, like every file (all votes once screening is finished)."""
    output = [["stage", "reviewer_a", "reviewer_b", "maybe", "records", "percent_agreement", "kappa",
               "kappa_ci_low", "kappa_ci_high", "kappa_note", "pabak", "ac1", "ac1_ci_low", "ac1_ci_high"]]
    for stage in Stage.values:
        for pair in agreement_per_pair(review, request.user, request.membership.role, stage=stage,
                                       unblinded_only=True):
            for reading, a in pair["views"]:
                output.append([stage, pair["a"], pair["b"], reading, a.n, _number(a.percent_agreement),
                               _number(a.kappa), _number(a.kappa_ci_low), _number(a.kappa_ci_high),
                               a.kappa_undefined_reason or "", _number(a.pabak), _number(a.ac1),
                               _number(a.ac1_ci_low), _number(a.ac1_ci_high)])
    response = StreamingHttpResponse(csvfile.stream(output), content_type="text/csv; charset=utf-8")
    return _attachment(response, review, "agreement", "csv")


def _number(value):
    """Four decimals, as a number (a Decimal): the CSV writer keeps numbers as they are."""
    return None if value is None else Decimal(f"{value:.4f}")
