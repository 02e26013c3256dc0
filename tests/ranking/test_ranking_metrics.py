"""WSS, RRF and ATD against orders computed by hand (doc §1, priors left out)."""
import random

import pytest

from screening.ranking import atd, rrf, wss

# Rows 0, 3 and 9 are includes.
LABELS = [True, False, False, True, False, False, False, False, False, True]
# Priors first: row 3 (include) and row 1 (exclude). After them the screener sees
# rows 0, 9, 2, 4, 5, 6, 7, 8: includes at positions 1 and 2 of N = 8.
ORDER = [3, 1, 0, 9, 2, 4, 5, 6, 7, 8]


def test_wss_leaves_the_priors_out_of_the_counts():
    # 95 % of 2 includes needs both, found after 2 of 8 records: 6/8 - 0.05.
    assert wss(ORDER, LABELS, 0.95, n_priors=2) == pytest.approx(0.70)


def test_wss_counts_every_record_when_there_are_no_priors():
    # Sequence 1,0,1,1,0,...: 95 % of 3 includes needs all 3, reached at record 4 of 10.
    assert wss(ORDER, LABELS, 0.95) == pytest.approx(6 / 10 - 0.05)


def test_wss_uses_the_first_record_where_the_recall_is_reached():
    # 50 % of 3 includes needs 2, reached at record 3 of 10.
    assert wss(ORDER, LABELS, 0.5) == pytest.approx(7 / 10 - 0.5)


def test_a_perfect_order_reaches_the_wss_ceiling_of_095_minus_prevalence():
    labels = [i < 10 for i in range(100)]
    assert wss(list(range(100)), labels) == pytest.approx(0.95 - 0.10)


def test_random_orders_average_a_wss_near_zero():
    labels = [i % 10 == 0 for i in range(500)]
    rng = random.Random(1)
    values = []
    for _ in range(200):
        order = list(range(500))
        rng.shuffle(order)
        values.append(wss(order, labels))
    assert abs(sum(values) / len(values)) < 0.03


def test_rrf_is_the_recall_after_the_first_pct_of_records_after_the_priors():
    # 10 % of 8 records rounds down to 0 records; 25 % is 2 records, which hold both includes.
    assert rrf(ORDER, LABELS, 10, n_priors=2) == 0.0
    assert rrf(ORDER, LABELS, 25, n_priors=2) == 1.0
    # Without priors, 30 % of 10 is 3 records (rows 3, 1, 0): 2 of 3 includes.
    assert rrf(ORDER, LABELS, 30) == pytest.approx(2 / 3)


def test_atd_is_the_mean_discovery_position_as_a_share_of_the_records():
    assert atd(ORDER, LABELS, n_priors=2) == pytest.approx((1 + 2) / 2 / 8)
    assert atd(ORDER, LABELS) == pytest.approx((1 + 3 + 4) / 3 / 10)


def test_metrics_reject_an_order_that_is_not_a_permutation():
    with pytest.raises(ValueError):
        wss([0, 1, 1, 3, 4, 5, 6, 7, 8, 9], LABELS)
    with pytest.raises(ValueError):
        rrf(ORDER[:-1], LABELS)


def test_metrics_reject_an_order_with_no_include_after_the_priors():
    labels = [True, False, False]
    with pytest.raises(ValueError):
        atd([0, 1, 2], labels, n_priors=1)
