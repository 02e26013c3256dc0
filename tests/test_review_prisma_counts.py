"""Review.objects.prisma_counts: every box of the PRISMA 2020 diagram counted from a review
walked through every stage, in a new and in an updated review."""
from dataclasses import asdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening.prisma import check_sums
from screening.selectors.prisma import prisma_counts, prisma_open_work
from screening.services import decisions, fulltext
from screening.services import queue as queue_services

from .helpers.prisma import EXPECTED, add_import, screen_all

pytestmark = pytest.mark.django_db


def test_it_counts_every_box_of_a_review_walked_through_every_stage(review, walked):
    counts = asdict(prisma_counts(review))
    assert set(counts) == set(EXPECTED)
    for box, expected in EXPECTED.items():
        assert counts[box] == expected, box


def test_every_sum_adds_up_once_every_record_is_decided(review, walked):
    assert check_sums(prisma_counts(review)) == []
    assert prisma_open_work(review) == {"title_abstract": 0, "retrieval": 0, "full_text": 0}


def test_it_counts_in_a_fixed_number_of_queries_whatever_the_size(review, walked):
    with CaptureQueriesContext(connection) as queries:
        prisma_counts(review)
    # aggregate; per import source and database; reasons; studies of included reports
    assert len(queries) == 4


def test_an_open_record_shows_as_a_mismatch_and_as_open_work(review, walked, alice):
    newcomer = add_import(review, 1, database="MEDLINE", label="Late")[0]
    queue_services.record_stages_sync(review=review)
    counts = prisma_counts(review)
    assert counts.database_results == 17 and counts.records_screened == 14
    assert [m.box for m in check_sums(counts)] == ["dbr_sought_reports"]
    assert prisma_open_work(review)["title_abstract"] == 1
    assert newcomer.pk


def test_a_lead_reverting_an_inclusion_takes_the_report_out_of_every_later_box(review, walked, carol):
    trials = walked["trials"]
    decisions.outcome_resolve(lead=carol, review=review, record=trials[0], verdict="exclude", reason="Registry entry")
    counts = prisma_counts(review)
    assert (counts.records_excluded, counts.dbr_sought_reports, counts.dbr_assessed) == (9, 4, 3)
    assert counts.dbr_included_reports == 1 and counts.new_reports == 2
    assert check_sums(counts) == []


def test_an_updated_review_counts_only_search_updates_as_new(review, walked, alice, bob, carol):
    review.previous_studies, review.previous_reports = 7, 9
    review.save()
    update = add_import(review, 4, database="MEDLINE", is_update=True, label="Update")
    update[0].duplicate_of = walked["medline"][5]
    update[0].save()
    queue_services.record_stages_sync(review=review)
    plan = {update[1].pk: ("include", ""), update[2].pk: ("exclude", ""), update[3].pk: ("exclude", "")}
    screen_all(review, "title_abstract", alice, plan)
    screen_all(review, "title_abstract", bob, plan)
    fulltext.report_attach(review=review, record=update[1], by=alice, url="https://example.org/u1")
    screen_all(review, "full_text", alice, {update[1].pk: ("include", "")})
    screen_all(review, "full_text", bob, {update[1].pk: ("include", "")})

    counts = prisma_counts(review)
    assert counts.previous is True and counts.other_methods is False
    assert (counts.previous_studies, counts.previous_reports) == (7, 9)
    assert counts.database_results == 4 and counts.database_specific_results == (("MEDLINE", 4),)
    assert (counts.duplicates, counts.records_screened, counts.records_excluded) == (1, 3, 2)
    assert (counts.dbr_sought_reports, counts.dbr_assessed, counts.dbr_included_reports) == (1, 1, 1)
    assert (counts.new_studies, counts.new_reports, counts.total_studies, counts.total_reports) == (1, 1, 8, 10)
    assert check_sums(counts) == []
