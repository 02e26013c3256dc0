"""The recall estimate, its interval and the stopping rule (hypergeometric test), without a database."""
import math

import numpy as np
import pytest

from screening.core import stopping
from screening.core.stopping import (
    first_stop,
    hypergeometric_p_value,
    random_sample_stop,
    ranked_hypergeometric,
    sample_size_needed,
    stops,
)


def test_the_p_value_is_the_chance_of_a_sample_without_includes_when_just_enough_remain_to_miss_the_target():
    # 19 includes found; recall < 95 % needs at least 2 more among the 100 left (19 / 21 < 0.95).
    # Drawing 10 of the 100 and finding none has chance (90 * 89) / (100 * 99) with exactly 2.
    p = hypergeometric_p_value(urn=100, sample=10, found_in_sample=0, found_before_sample=19, target=0.95)
    assert p == pytest.approx(90 * 89 / (100 * 99))


def test_screening_the_whole_urn_without_an_include_rejects_the_hypothesis():
    assert hypergeometric_p_value(100, 100, 0, 19, 0.95) == 0.0


def test_includes_in_the_sample_make_the_test_harder_to_pass():
    assert hypergeometric_p_value(1000, 200, 2, 50, 0.95) > hypergeometric_p_value(1000, 200, 0, 50, 0.95)


def test_there_is_no_estimate_before_the_first_include():
    assert ranked_hypergeometric([False] * 30, 100) is None


def test_after_the_last_record_recall_is_certain():
    estimate = ranked_hypergeometric([True, False, False], 3)
    assert (estimate.recall, estimate.low, estimate.lower_bound, estimate.stop) == (1.0, 1.0, 1.0, True)


def test_a_short_run_of_excludes_before_thousands_of_unscreened_records_does_not_stop():
    estimate = ranked_hypergeometric([True] * 50 + [False] * 20, 5000)
    assert not estimate.stop
    assert estimate.lower_bound < 0.95
    assert estimate.low <= estimate.recall <= estimate.high
    assert not stops([True] * 50 + [False] * 20, 5000)


def test_a_long_run_of_excludes_before_a_few_unscreened_records_stops():
    decisions = [True] * 50 + [False] * 3000
    estimate = ranked_hypergeometric(decisions, 3100)
    assert estimate.stop and estimate.lower_bound >= 0.95
    assert estimate.remaining_high <= 2
    assert stops(decisions, 3100)


def test_the_interval_holds_the_estimate_and_narrows_as_screening_goes_on():
    early = ranked_hypergeometric([True] * 40 + [False] * 100, 2000)
    late = ranked_hypergeometric([True] * 40 + [False] * 1000, 2000)
    for estimate in (early, late):
        assert 0 < estimate.low <= estimate.recall <= estimate.high <= 1
    assert late.high - late.low < early.high - early.low
    assert late.lower_bound > early.lower_bound


def test_the_rule_and_the_lower_bound_agree_at_every_step():
    rng = np.random.default_rng(5)
    decisions = list(rng.random(300) < np.linspace(0.5, 0.0, 300))
    for screened in range(20, 300, 7):
        estimate = ranked_hypergeometric(decisions[:screened], 400)
        if estimate is not None:
            assert estimate.stop == stops(decisions[:screened], 400)


def test_a_higher_target_or_confidence_needs_more_screening():
    rng = np.random.default_rng(1)
    decisions = list(rng.random(1500) < np.exp(-np.arange(1500) / 80))
    at_95 = first_stop(decisions, 1500)
    assert at_95 is not None
    assert first_stop(decisions, 1500, target=0.8) <= at_95
    assert (first_stop(decisions, 1500, confidence=0.99) or 1500) >= at_95


@pytest.mark.parametrize("target, confidence", [(0, 0.95), (1, 0.95), (0.95, 0), (0.95, 1.2)])
def test_a_target_or_confidence_outside_zero_to_one_is_refused(target, confidence):
    with pytest.raises(ValueError):
        ranked_hypergeometric([True, False], 10, target=target, confidence=confidence)


def test_the_rule_holds_when_the_unscreened_includes_are_scattered_at_random():
    # The test's own assumption, exactly: half the includes come first, the rest in random order.
    # Recall at the stop must reach the target in at least 95 % of reviews (allowing sampling error).
    missed = stopped = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        tail = np.zeros(360, dtype=bool)
        tail[:20] = True
        decisions = [True] * 20 + [False] * 20 + list(tail[rng.permutation(360)])
        at = first_stop(decisions, 400)
        if at is not None:
            stopped += 1
            missed += sum(decisions[:at]) < 0.95 * 40
    assert stopped >= 30
    assert missed <= 4


def test_the_random_sample_needed_is_the_least_that_rules_out_a_missed_target():
    # 19 found, 100 left: (100 - n)(99 - n) / 9900 < 0.05 first holds at n = 78.
    assert sample_size_needed(19, 100) == 78
    assert sample_size_needed(19, 100, confidence=0.99) > 78
    assert sample_size_needed(19, 0) == 0
    assert sample_size_needed(1000, 10) == 0  # even 10 includes left would keep recall above 95 %


def test_the_random_sample_procedure_counts_the_sample_as_work():
    decisions = [True] * 19 + [False] * 100
    unscreened = [False] * 100
    at, found = random_sample_stop(decisions, unscreened, 219, seed=1)
    assert at == len(decisions) + 78 and found == 19


def test_the_method_is_named_for_the_page():
    assert "Callaghan" in stopping.METHOD_NAME
    assert math.isclose(stopping.DEFAULT_TARGET_RECALL, 0.95)
