"""SearchPlan and DateSlice: the JSON-ready plan a job stores, and its dates."""
from __future__ import annotations

import json
from datetime import date

import pytest

from screening.pubmed import DateSlice, FetchedBatch, SearchPlan
from screening.pubmed.plan import parse_date


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [
        ("2020", False, date(2020, 1, 1)),
        ("2020", True, date(2020, 12, 31)),
        ("2020/02", True, date(2020, 2, 29)),
        ("2021-12", True, date(2021, 12, 31)),
        ("2021/3/7", False, date(2021, 3, 7)),
        (date(1999, 5, 6), True, date(1999, 5, 6)),
        (None, False, None),
    ],
)
def test_it_reads_dates_at_the_start_or_end_of_a_period(value, end, expected):
    assert parse_date(value, end=end) == expected


def test_it_refuses_a_date_it_cannot_read():
    with pytest.raises(ValueError, match='"last year" is not a date'):
        parse_date("last year")


def plan_with_two_slices(**position) -> SearchPlan:
    return SearchPlan(
        query="sleep",
        mindate=date(2020, 1, 1),
        maxdate=None,
        count=1200,
        query_translation="sleep[All Fields]",
        warnings=("No items found.",),
        slices=(
            DateSlice(0, "sleep", date(2020, 1, 1), date(2020, 6, 30), 700),
            DateSlice(1, "sleep", date(2020, 7, 1), date(2020, 7, 1), 500, pmids=(1, 500)),
        ),
        **position,
    )


def batch(slice_index, retstart, slice_count, retmax=300) -> FetchedBatch:
    return FetchedBatch(slice_index, retstart, retmax, slice_count, b"", ())


def test_a_plan_survives_a_round_trip_through_json():
    plan = plan_with_two_slices(slice_index=1, retstart=300)

    assert SearchPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_a_plan_refuses_data_of_another_version():
    data = plan_with_two_slices().to_dict() | {"version": 99}

    with pytest.raises(ValueError, match="Unknown search plan version 99"):
        SearchPlan.from_dict(data)


def test_a_plan_moves_through_a_slice_then_on_to_the_next():
    plan = plan_with_two_slices()

    plan = plan.after(batch(0, 0, 700))
    assert (plan.slice_index, plan.retstart, plan.fetched) == (0, 300, 300)
    plan = plan.after(batch(0, 300, 700))
    plan = plan.after(batch(0, 600, 700))
    assert (plan.slice_index, plan.retstart, plan.fetched) == (1, 0, 700)
    plan = plan.after(batch(1, 0, 500))
    plan = plan.after(batch(1, 300, 500))
    assert plan.done is True
    assert plan.fetched == plan.total == 1200


def test_a_plan_remembers_the_hit_count_its_position_counts_in():
    plan = plan_with_two_slices().after(batch(0, 0, 710))

    assert plan.slices[0].count == 710
    assert plan.total == 1210


def test_a_slice_narrowed_by_pmid_adds_a_uid_range_to_its_term():
    part = DateSlice(3, "a OR b", date(2020, 7, 1), date(2020, 7, 1), 10, pmids=(5, 99))

    assert part.term == "(a OR b) AND 5:99[uid]"
