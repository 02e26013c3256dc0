"""Property: for any review history, Review.objects.prisma_counts gives a diagram whose every
sum holds once nothing is open, and some sum fails while something is. Histories are written
to the database directly (bulk inserts, rolled back after each example) to keep this fast;
tests/test_review_prisma_counts.py walks a review through the real services."""
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings, strategies as st

from screening.models import Import, Record, RecordStage, Report, Review, Study
from screening.models.reviews import NOTICES_LINKED
from screening.prisma import check_sums
from screening.selectors.prisma import prisma_counts, prisma_open_work


pytestmark = pytest.mark.django_db

DBR = ("database", "register")
OTHER = ("website", "organisation", "citation")
REASONS = ("Wrong population", "Wrong outcome", "Wrong study design")
FATES_DBR = ("duplicate", "removed_auto", "removed_other", "notice", "ta_excluded", "ta_open", "retrieval_open",
             "not_retrieved", "ft_excluded", "ft_included", "ft_open")
FATES_OTHER = ("duplicate", "removed_other", "notice", "retrieval_open", "not_retrieved", "ft_excluded",
               "ft_included", "ft_open")
OPEN = {"ta_open", "retrieval_open", "ft_open"}


@st.composite
def histories(draw):
    # Half the histories are finished reviews: with a few open records among many, nearly
    # every history would have something open and the "sums hold" side would go untested.
    finished = draw(st.booleans())
    records = []
    for _ in range(draw(st.integers(min_value=0, max_value=24))):
        via = draw(st.sampled_from(DBR + OTHER))
        fates = FATES_DBR if via in DBR else FATES_OTHER
        records.append({
            "identified_via": via,
            "database": draw(st.sampled_from(("MEDLINE", "Embase", "CT.gov"))),
            "is_update": draw(st.booleans()),
            "fate": draw(st.sampled_from([f for f in fates if not (finished and f in OPEN)])),
            "reason": draw(st.sampled_from(REASONS)),
            "study": draw(st.sampled_from((None, 0, 1))),
        })
    previous = draw(st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 40))))
    return records, previous


def write_history(carol, records, previous):
    review = Review.objects.create(title="Random history", created_by=carol, exclusion_reasons=list(REASONS))
    if previous:
        review.previous_studies, review.previous_reports = previous
        review.save()
    imports = {}
    for r in records:
        key = (r["identified_via"], r["database"], r["is_update"])
        if key not in imports:
            imports[key] = Import.objects.create(review=review, identified_via=key[0], database=key[1],
                                                 is_update=key[2], status=Import.Status.IMPORTED)
    anchor = Record.objects.create(review=review, source_import=Import.objects.create(
        review=review, database="Anchor", status=Import.Status.FAILED), source_index=0, title="primary")
    rows = Record.objects.bulk_create(
        Record(review=review, source_import=imports[(r["identified_via"], r["database"], r["is_update"])],
               source_index=i,
               title=f"record {i}", duplicate_of=anchor if r["fate"] == "duplicate" else None,
               removed_reason=r["fate"].startswith("removed") and "tool says no" or "",
               removed_by_automation=r["fate"] == "removed_auto",
               notice_of=anchor if r["fate"] == "notice" else None)
        for i, r in enumerate(records))
    studies = [Study.objects.create(review=review, label=f"Study {i}", created_by=carol) for i in range(2)]
    stages, reports = [], []
    for i, (record, r) in enumerate(zip(rows, records)):
        fate = r["fate"]
        if fate in ("duplicate", "removed_auto", "removed_other", "notice"):
            continue
        if fate == "ta_open" and i % 2:
            continue  # imported since the last sync: no title/abstract row yet
        if r["identified_via"] in DBR:
            ta = {"ta_excluded": "excluded", "ta_open": "conflict"}.get(fate, "included")
            stages.append(RecordStage(review=review, record=record, stage="title_abstract", order_key=0, outcome=ta))
            if ta != "included":
                continue
        if fate == "retrieval_open":
            continue
        retrieved = fate != "not_retrieved"
        reports.append(Report(review=review, record=record, updated_by=carol,
                              status="retrieved" if retrieved else "not_retrieved",
                              study=studies[r["study"]] if fate == "ft_included" and r["study"] is not None else None))
        if retrieved:
            ft = {"ft_excluded": "excluded", "ft_included": "included", "ft_open": "pending"}[fate]
            stages.append(RecordStage(review=review, record=record, stage="full_text", order_key=0, outcome=ft,
                                      resolution_reason=r["reason"] if ft == "excluded" else ""))
    RecordStage.objects.bulk_create(stages)
    Report.objects.bulk_create(reports)
    return review


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_every_prisma_sum_holds_exactly_when_nothing_is_open(carol, history):
    records, previous = history
    with transaction.atomic():
        review = write_history(carol, records, previous)
        counts = prisma_counts(review)
        open_work = prisma_open_work(review)
        transaction.set_rollback(True)

    in_scope = [r for r in records if r["is_update"] or not previous]
    fates = Counter((r["identified_via"] in DBR, r["fate"]) for r in in_scope)
    assert counts.database_results == sum(r["identified_via"] == "database" for r in in_scope)
    assert counts.citations_results == sum(r["identified_via"] == "citation" for r in in_scope)
    assert counts.duplicates == fates[True, "duplicate"]
    assert counts.excluded_automatic == fates[True, "removed_auto"]
    assert counts.excluded_other == fates[True, "removed_other"] + fates[True, "notice"]
    assert dict(counts.excluded_other_reasons).get(NOTICES_LINKED, 0) == fates[True, "notice"]
    assert counts.dbr_notretrieved_reports == fates[True, "not_retrieved"]
    assert counts.other_notretrieved_reports == fates[False, "not_retrieved"]
    assert counts.other_sought_reports == sum(n for (dbr, fate), n in fates.items()
                                              if not dbr and fate not in ("duplicate", "removed_other", "notice"))
    assert counts.records_excluded == fates[True, "ta_excluded"]
    assert dict(counts.dbr_excluded) == dict(Counter(r["reason"] for r in in_scope
                                                    if r["identified_via"] in DBR and r["fate"] == "ft_excluded"))
    included = [r for r in in_scope if r["fate"] == "ft_included"]
    assert counts.new_reports == len(included)
    assert counts.new_studies == len({r["study"] for r in included if r["study"] is not None}) + sum(
        r["study"] is None for r in included)
    assert counts.previous is bool(previous)

    nothing_open = not any(r["fate"] in OPEN for r in in_scope)
    assert (check_sums(counts) == []) is nothing_open, (check_sums(counts), open_work)
    assert (sum(open_work.values()) == 0) is nothing_open
