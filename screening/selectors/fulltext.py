"""Full-text reads: the reports sought for retrieval and the dashboard's full-text numbers."""
from django.db.models import Count, Q

from ..models import Decision, Outcome, Record, RecordStage, Report, Stage

RETRIEVAL_FILTERS = {
    "awaiting": ("Awaiting retrieval", Q(report_status__isnull=True)),
    "retrieved": ("Full text attached", Q(report_status=Report.Status.RETRIEVED)),
    "not_retrieved": ("Not retrieved", Q(report_status=Report.Status.NOT_RETRIEVED)),
}


def sought_for_retrieval(review):
    """The review's records sought for retrieval, with their outcomes."""
    return Record.objects.sought_for_retrieval().filter(review=review).with_outcomes()


def retrieval_counts(records):
    """Count `records` by retrieval status: {status: n}, one query."""
    return records.aggregate(**{key: Count("id", filter=q) for key, (_, q) in RETRIEVAL_FILTERS.items()})


def fulltext_dashboard(review, membership):
    """Return the full-text numbers for the dashboard: for a reviewer, retrieval (which
    shows resolved title/abstract outcomes only) and their own progress; for a lead, the
    full-text outcomes as well."""
    retrieval = retrieval_counts(sought_for_retrieval(review))
    section = {"sought": sum(retrieval.values()), "retrieval": retrieval,
               "mine": Decision.objects.visible_to(membership.user, review, role=membership.role).decided()
               .filter(reviewer=membership.user, stage=Stage.FULL_TEXT).count()}
    if membership.role == "lead":
        outcomes = {o: 0 for o in Outcome.values}
        for row in (RecordStage.objects.for_stage(review, Stage.FULL_TEXT).in_screening()
                    .values("outcome").order_by().annotate(n=Count("id"))):
            outcomes[row["outcome"]] = row["n"]
        section["outcomes"] = outcomes
    return {"fulltext": section}
