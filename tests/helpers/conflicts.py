"""A small review with one open conflict at each stage, voted through the services: the
first record splits Alice (include) and Bob (exclude) at title and abstract; the second,
included at title and abstract, splits them at full text (include against "Wrong
population")."""
from screening.services import decisions, fulltext
from screening.services import queue as queue_services

from .screening import make_records


def conflicts_at_both_stages(review, *, alice, bob, carol):
    """Return (title/abstract conflict record, full-text conflict record, the other records)."""
    review.order = "import"
    review.exclusion_reasons = ["Wrong population", "Wrong intervention"]
    review.save()
    records = make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    ta_conflict, ft_conflict, *others = records
    for reviewer, verdict in ((alice, "include"), (bob, "exclude")):
        claimed, _ = queue_services.screening_next(reviewer=reviewer, review=review)
        assert claimed == ta_conflict
        decisions.decision_record(reviewer=reviewer, review=review, record=claimed, verdict=verdict)
    decisions.outcome_resolve(lead=carol, review=review, record=ft_conflict, verdict="include")
    fulltext.report_attach(review=review, record=ft_conflict, by=carol, url="https://example.org/full.pdf")
    for reviewer, verdict, reason in ((alice, "include", ""), (bob, "exclude", "Wrong population")):
        claimed, _ = queue_services.screening_next(reviewer=reviewer, review=review, stage="full_text")
        assert claimed == ft_conflict
        decisions.decision_record(reviewer=reviewer, review=review, record=claimed, stage="full_text",
                                  verdict=verdict, reason=reason)
    return ta_conflict, ft_conflict, others
