import math

import pytest
from hypothesis import given, strategies as st

from screening.core.agreement import agreement, agreement_from_table

I, E, M = "include", "exclude", "maybe"  # noqa: E741 - the verdicts' initials keep the tables readable


def pairs_from_table(table, categories):
    """Expand a table of counts into the (first, second) pairs it counts."""
    pairs = []
    for i, first in enumerate(categories):
        for j, second in enumerate(categories):
            pairs += [(first, second)] * table[i][j]
    return pairs


# Published worked examples: (source, table, categories, expected values).
# Wikipedia "Cohen's kappa", worked example and the two tables with the same
# percent agreement but different kappa; yes -> include, no -> exclude.
# irrCAC vignette (Gwet's own R package), table cont3x3abstractors, output of
# kappa2.table, gwet.ac1.table, bp2.table (Brennan-Prediger equals PABAK) and
# pa2.table; its kappa standard error is the Fleiss-Cohen-Everitt one.
PUBLISHED = [
    (
        "wikipedia worked example",
        [[20, 5], [10, 15]],
        (I, E),
        {"percent_agreement": 0.7, "kappa": 0.4},
    ),
    (
        "wikipedia same agreement, first table",
        [[45, 15], [25, 15]],
        (I, E),
        {"percent_agreement": 0.6, "kappa": 0.1304},
    ),
    (
        "wikipedia same agreement, second table",
        [[25, 35], [5, 35]],
        (I, E),
        {"percent_agreement": 0.6, "kappa": 0.2593},
    ),
    (
        "irrCAC cont3x3abstractors",
        [[13, 0, 0], [0, 20, 7], [0, 4, 56]],
        (I, E, M),
        {
            "percent_agreement": 0.89,
            "kappa": 0.7964094,
            "kappa_se": 0.05891072,
            "ac1": 0.8493305,
            "ac1_se": 0.04321747,
            "pabak": 0.835,
        },
    ),
]


@pytest.mark.parametrize(
    "source, table, categories, expected", PUBLISHED, ids=[row[0] for row in PUBLISHED]
)
def test_it_matches_published_worked_examples(source, table, categories, expected):
    pairs = pairs_from_table(table, categories)
    result = agreement(pairs, maybe_as_include=len(categories) == 2)
    for name, value in expected.items():
        assert getattr(result, name) == pytest.approx(value, abs=5e-5), name


def test_it_computes_the_kappa_paradox_table_by_hand():
    # 80 both include, 10 include/exclude, 5 exclude/include, 5 both exclude.
    # po = 0.85; pe = 0.90 * 0.85 + 0.10 * 0.15 = 0.78; kappa = 0.07 / 0.22.
    # pi = (0.875, 0.125); pe_ac1 = 2 * 0.875 * 0.125 = 0.21875;
    # AC1 = (0.85 - 0.21875) / (1 - 0.21875) = 0.808.
    result = agreement(pairs_from_table([[80, 10], [5, 5]], (I, E)), maybe_as_include=True)
    assert result.n == 100
    assert result.percent_agreement == pytest.approx(0.85)
    assert result.kappa == pytest.approx(0.07 / 0.22)
    assert result.ac1 == pytest.approx(0.808)
    assert result.pabak == pytest.approx(0.70)


def test_it_computes_the_fleiss_cohen_everitt_standard_error_by_hand():
    # Wikipedia worked example, p = [[.4, .1], [.2, .3]], rows (.5, .5),
    # columns (.6, .4), kappa = 0.4, pe = 0.5, n = 50.
    # diagonal: .4 * (1 - 1.1 * .6)**2 + .3 * (1 - .9 * .6)**2 = .10972
    # off-diagonal: .36 * (.1 * (.6 + .5)**2 + .2 * (.4 + .5)**2) = .101880
    # correction: (.4 - .5 * .6)**2 = .01
    # variance = (.10972 + .10188 - .01) / (50 * .25) = .0161280
    result = agreement(pairs_from_table([[20, 5], [10, 15]], (I, E)), maybe_as_include=True)
    assert result.kappa_se == pytest.approx(math.sqrt(0.016128))
    assert result.kappa_ci_low == pytest.approx(0.4 - 1.959964 * math.sqrt(0.016128))
    assert result.kappa_ci_high == pytest.approx(0.4 + 1.959964 * math.sqrt(0.016128))


def test_it_counts_maybe_as_include_when_asked():
    pairs = [(I, M), (M, I), (M, E), (E, E), (I, I), (M, M)]
    separate = agreement(pairs)
    merged = agreement(pairs, maybe_as_include=True)

    assert separate.categories == (I, E, M)
    assert separate.table == ((1, 0, 1), (0, 1, 0), (1, 1, 1))
    assert separate.percent_agreement == pytest.approx(3 / 6)
    assert separate.pabak == pytest.approx((3 * 0.5 - 1) / 2)

    assert merged.categories == (I, E)
    assert merged.table == ((4, 1), (0, 1))
    assert merged.percent_agreement == pytest.approx(5 / 6)
    assert merged.pabak == pytest.approx(2 * 5 / 6 - 1)


def test_it_returns_nothing_but_a_reason_for_no_items():
    result = agreement([])
    assert result.n == 0
    assert result.table == ((0, 0, 0), (0, 0, 0), (0, 0, 0))
    for name in ("percent_agreement", "kappa", "kappa_ci_low", "kappa_ci_high", "pabak", "ac1"):
        assert getattr(result, name) is None, name
    assert "No record" in result.kappa_undefined_reason


@pytest.mark.parametrize("verdict", [I, E, M])
def test_it_leaves_kappa_undefined_when_everything_is_in_one_category(verdict):
    result = agreement([(verdict, verdict)] * 7)
    assert result.kappa is None
    assert result.kappa_ci_low is None and result.kappa_ci_high is None
    assert f'"{verdict}"' in result.kappa_undefined_reason
    assert result.percent_agreement == 1.0
    assert result.pabak == 1.0
    assert result.ac1 == 1.0


def test_it_handles_a_rater_who_never_used_a_category():
    # The second rater never says "exclude".
    pairs = [(I, I)] * 6 + [(E, I)] * 3 + [(M, M)] * 1
    result = agreement(pairs)
    assert result.table == ((6, 0, 0), (3, 0, 0), (0, 0, 1))
    # pe = .6 * .9 + .3 * 0 + .1 * .1 = .55; kappa = (.7 - .55) / .45
    assert result.kappa == pytest.approx(0.15 / 0.45)
    assert result.kappa_undefined_reason is None
    assert all(math.isfinite(getattr(result, name)) for name in ("kappa_se", "ac1", "ac1_se"))


def test_it_gives_a_zero_width_interval_for_perfect_agreement():
    result = agreement([(I, I)] * 4 + [(E, E)] * 6)
    assert result.kappa == pytest.approx(1.0)
    assert result.kappa_ci_low == pytest.approx(1.0)
    assert result.kappa_ci_high == 1.0


def test_it_clips_the_interval_to_minus_one_and_one():
    result = agreement([(I, E), (E, I)])
    assert result.kappa == pytest.approx(-1.0)
    assert result.kappa_ci_low == -1.0
    assert -1.0 <= result.kappa_ci_high <= 1.0


def test_it_rejects_an_unknown_verdict_by_position():
    with pytest.raises(ValueError, match=r"Pair 1: unknown verdict 'Include'"):
        agreement([(I, I), ("Include", E)])


def test_it_rejects_a_table_that_does_not_match_its_categories():
    with pytest.raises(ValueError, match="3 x 3"):
        agreement_from_table([[1, 2], [3, 4]], (I, E, M))


verdicts = st.sampled_from([I, E, M])
pair_lists = st.lists(st.tuples(verdicts, verdicts), min_size=1, max_size=200)


@given(pair_lists)
def test_it_keeps_every_statistic_in_range(pairs):
    for maybe_as_include in (False, True):
        result = agreement(pairs, maybe_as_include=maybe_as_include)
        assert 0.0 <= result.percent_agreement <= 1.0
        assert -1.0 <= result.pabak <= 1.0
        assert -1.0 <= result.ac1 <= 1.0 + 1e-12
        assert result.ac1_ci_low <= result.ac1 + 1e-12 and result.ac1 - 1e-12 <= result.ac1_ci_high
        if result.kappa is None:
            assert result.kappa_undefined_reason
        else:
            assert -1.0 - 1e-12 <= result.kappa <= 1.0 + 1e-12
            assert -1.0 <= result.kappa_ci_low <= result.kappa_ci_high <= 1.0
            assert result.kappa_ci_low <= result.kappa + 1e-12
            assert result.kappa - 1e-12 <= result.kappa_ci_high


@given(pair_lists)
def test_it_does_not_care_which_rater_is_first(pairs):
    forward = agreement(pairs)
    swapped = agreement([(second, first) for first, second in pairs])
    for name in ("percent_agreement", "kappa", "kappa_se", "pabak", "ac1", "ac1_se"):
        a, b = getattr(forward, name), getattr(swapped, name)
        assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12), name


@given(st.lists(st.tuples(st.sampled_from([I, E]), st.sampled_from([I, E])), min_size=1, max_size=100))
def test_it_gives_the_same_kappa_whether_or_not_an_unused_category_is_on_the_scale(pairs):
    three = agreement(pairs)
    two = agreement(pairs, maybe_as_include=True)
    assert three.percent_agreement == two.percent_agreement
    if two.kappa is None:
        assert three.kappa is None
    else:
        assert three.kappa == pytest.approx(two.kappa, abs=1e-12)
        assert three.kappa_se == pytest.approx(two.kappa_se, abs=1e-12)
