import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from screening.prisma import PrismaCounts, check_sums

from .histories import EXAMPLE, review_histories

# The sums each number takes part in (all arms on, split reported): breaking
# that one number must make exactly these boxes disagree.
SUMS_INVOLVING = {
    "database_results": {"database_specific_results", "records_screened"},
    "database_specific_results": {"database_specific_results"},
    "register_results": {"register_specific_results", "records_screened"},
    "register_specific_results": {"register_specific_results"},
    "duplicates": {"records_screened"},
    "excluded_automatic": {"records_screened"},
    "excluded_other": {"records_screened"},
    "records_screened": {"records_screened", "dbr_sought_reports"},
    "records_excluded": {"records_excluded", "dbr_sought_reports"},
    "records_excluded_human": {"records_excluded"},
    "records_excluded_automation": {"records_excluded"},
    "dbr_sought_reports": {"dbr_sought_reports", "dbr_assessed"},
    "dbr_notretrieved_reports": {"dbr_assessed"},
    "dbr_assessed": {"dbr_assessed", "dbr_excluded"},
    "dbr_excluded": {"dbr_excluded"},
    "dbr_included_reports": {"dbr_excluded", "new_reports"},
    "other_sought_reports": {"other_assessed"},
    "other_notretrieved_reports": {"other_assessed"},
    "other_assessed": {"other_assessed", "other_excluded"},
    "other_excluded": {"other_excluded"},
    "other_included_reports": {"other_excluded", "new_reports"},
    "new_reports": {"new_reports", "total_reports"},
    "new_studies": {"total_studies"},
    "previous_studies": {"total_studies"},
    "previous_reports": {"total_reports"},
    "total_studies": {"total_studies"},
    "total_reports": {"total_reports"},
}
# Not in any sum of the template: websites, organisations and citation
# searching (the other-methods arm has no screening step to add up to).


def broken(counts, field, delta):
    """Return counts with one number raised by delta."""
    value = getattr(counts, field)
    if isinstance(value, tuple):
        if value:
            (name, n), *rest = value
            value = ((name, n + delta), *rest)
        else:
            value = (("Added by the test", delta),)
    else:
        value += delta
    return dataclasses.replace(counts, **{field: value})


def test_it_finds_nothing_wrong_with_the_hand_built_example():
    assert check_sums(EXAMPLE) == []


@given(review_histories())
def test_it_finds_nothing_wrong_with_any_consistent_history(counts):
    assert check_sums(counts) == []


@settings(max_examples=60)
@given(
    review_histories(previous=True, other_methods=True, with_split=True),
    st.sampled_from(sorted(SUMS_INVOLVING)),
    st.integers(1, 500),
)
def test_it_finds_exactly_the_sums_a_broken_number_takes_part_in(counts, field, delta):
    mismatches = check_sums(broken(counts, field, delta))
    assert {m.box for m in mismatches} == SUMS_INVOLVING[field]
    for m in mismatches:
        assert field in m.involves
        assert abs(m.found - m.expected) == delta
        assert f"{m.found:,}" in m.message and f"{m.expected:,}" in m.message


@pytest.mark.parametrize("field", sorted(SUMS_INVOLVING))
def test_it_names_the_box_and_both_numbers_when_the_example_is_broken(field):
    mismatches = check_sums(broken(EXAMPLE, field, 3))
    assert {m.box for m in mismatches} == SUMS_INVOLVING[field]


def test_it_explains_a_mismatch_in_words():
    [mismatch] = check_sums(dataclasses.replace(EXAMPLE, duplicates=400))
    assert mismatch.box == "records_screened"
    assert mismatch.label == "Records screened"
    assert (mismatch.expected, mismatch.found) == (1120, 1118)
    assert mismatch.message == (
        "Records screened is 1,118, but records identified from databases (1,523)"
        " + records identified from registers (41) - duplicate records removed (400)"
        " - records marked as ineligible by automation tools (33)"
        " - records removed for other reasons (11) = 1,120."
    )


def test_it_explains_reasons_that_do_not_add_up():
    counts = dataclasses.replace(EXAMPLE, dbr_excluded=(("Wrong population", 40),))
    [mismatch] = check_sums(counts)
    assert mismatch.box == "dbr_excluded"
    assert (mismatch.expected, mismatch.found) == (83, 40)
    assert "reasons for excluding reports add up to 40" in mismatch.message


def test_it_ignores_the_arms_that_are_switched_off():
    counts = dataclasses.replace(
        EXAMPLE, previous=False, other_methods=False, total_studies=0, other_assessed=999,
        new_reports=24,
    )
    assert check_sums(counts) == []


def test_it_does_not_check_a_split_that_is_not_reported():
    counts = dataclasses.replace(EXAMPLE, records_excluded_human=None, records_excluded_automation=None)
    assert check_sums(counts) == []


def test_it_does_not_check_databases_that_are_not_broken_down():
    counts = dataclasses.replace(EXAMPLE, database_specific_results=(), register_specific_results=())
    assert check_sums(counts) == []


def test_it_stores_lists_as_tuples():
    counts = PrismaCounts(dbr_excluded=[["Wrong population", 2]])
    assert counts.dbr_excluded == (("Wrong population", 2),)


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"duplicates": -1}, ValueError),
        ({"duplicates": 1.5}, TypeError),
        ({"duplicates": True}, TypeError),
        ({"dbr_excluded": (("Wrong population", -2),)}, ValueError),
        ({"dbr_excluded": ((3, 2),)}, TypeError),
        ({"previous": "yes"}, TypeError),
    ],
)
def test_it_refuses_numbers_that_cannot_be_counts(changes, error):
    with pytest.raises(error):
        PrismaCounts(**changes)


def test_it_checks_the_breakdown_of_records_removed_for_other_reasons_when_given():
    reasons = (("Notices linked to their article (errata, comments, retractions)", 7),
               ("Removed by a lead, with the reason given", EXAMPLE.excluded_other - 7))
    assert check_sums(dataclasses.replace(EXAMPLE, excluded_other_reasons=reasons)) == []
    [mismatch] = check_sums(dataclasses.replace(EXAMPLE, excluded_other_reasons=reasons[:1]))
    assert (mismatch.box, mismatch.found, mismatch.expected) == ("excluded_other_reasons", 7, EXAMPLE.excluded_other)
    assert "reasons for removing records add up to 7" in mismatch.message


def test_an_empty_breakdown_of_other_reasons_is_not_checked():
    assert EXAMPLE.excluded_other_reasons == ()
    assert check_sums(EXAMPLE) == []
