from screening.core.rules import outcome_from_verdicts, reviewer_seed, share_of, start_offset


def test_it_waits_until_every_needed_vote_is_in():
    assert outcome_from_verdicts(["include"], 2) == "pending"
    assert outcome_from_verdicts(["include", None], 2) == "pending"


def test_two_includes_include_and_two_excludes_exclude():
    assert outcome_from_verdicts(["include", "include"], 2) == "included"
    assert outcome_from_verdicts(["exclude", "exclude"], 2) == "excluded"


def test_disagreement_or_any_maybe_is_a_conflict():
    assert outcome_from_verdicts(["include", "exclude"], 2) == "conflict"
    assert outcome_from_verdicts(["maybe", "maybe"], 2) == "conflict"
    assert outcome_from_verdicts(["include", "include", "maybe"], 3) == "conflict"


def test_one_reviewer_per_record_decides_alone():
    assert outcome_from_verdicts(["exclude"], 1) == "excluded"
    assert outcome_from_verdicts(["maybe"], 1) == "conflict"


def test_reviewer_seeds_are_stable_signed_32_bit_and_differ_between_reviewers():
    seeds = {reviewer_seed(1, reviewer, "title_abstract") for reviewer in range(50)}
    assert len(seeds) == 50
    assert reviewer_seed(1, 7, "title_abstract") == reviewer_seed(1, 7, "title_abstract")
    assert all(-2**31 <= s < 2**31 for s in seeds)


def test_the_share_spreads_records_over_reviewers():
    assert share_of(100, 2, 2) == 100
    assert share_of(100, 2, 1) == 100
    assert share_of(100, 2, 3) == 67
    assert share_of(100_000, 2, 20) == 10_000


def test_starting_points_are_evenly_spaced_over_the_records():
    assert [start_offset(rank, 3, 30) for rank in range(3)] == [0, 10, 20]
    assert start_offset(0, 0, 10) == 0


def test_fulltext_outcome_needs_one_shared_reason_to_exclude():
    from screening.core.rules import fulltext_outcome

    assert fulltext_outcome([("exclude", "Wrong outcome"), ("exclude", "Wrong outcome")], 2) == ("excluded",
                                                                                                 "Wrong outcome")
    assert fulltext_outcome([("exclude", "Wrong outcome"), ("exclude", "Wrong population")], 2) == ("conflict", "")
    assert fulltext_outcome([("include", ""), ("include", "")], 2) == ("included", "")
    assert fulltext_outcome([("exclude", "Wrong outcome"), (None, "")], 2) == ("pending", "")
    assert fulltext_outcome([("exclude", "Wrong outcome"), ("maybe", "")], 2) == ("conflict", "")
