"""Recall estimates and stopping rules for priority screening.

Pure Python on numpy and scipy: no Django, no database, no state between calls. Every function
takes the include (True) / exclude (False) decisions in the order they were made while following
the priority ranking, and the number of records in the project.

The method kept (``ranked_hypergeometric``) is the "ranked quasi-sampling" test of Callaghan &
Müller-Hansen (Statistical stopping criteria for automated screening in systematic reviews,
Syst Rev 9:273, 2020). It treats the last k records screened as if they had been drawn at random
from those k records and all the unscreened ones. Because the ranking puts likely includes first,
the unscreened records are, if anything, poorer in includes than the last k, so the assumption
errs on the side of screening more. Under that assumption the number of includes seen in the last
k records is hypergeometric, and the hypothesis "recall is below the target" can be tested
exactly; it is tested for every k and the screening may stop once one of them rejects it. The
same inversion gives a confidence bound on recall, so the estimate shown and the rule agree.

``random_sample_hypergeometric`` is the same test on a truly random sample drawn from the
unscreened records (the paper's main procedure): no assumption about the ranking, at the cost of
screening the sample. ``sample_size_needed`` says how large that sample must be.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_TARGET_RECALL = 0.95
DEFAULT_CONFIDENCE = 0.95
METHOD_NAME = "hypergeometric test on the last records screened (Callaghan & Müller-Hansen 2020)"


def _check(target: float, confidence: float):
    if not 0 < target < 1:
        raise ValueError("The target recall must be between 0 and 1 (exclusive).")
    if not 0 < confidence < 1:
        raise ValueError("The confidence must be between 0 and 1 (exclusive).")


def _minimum_includes_under_h0(found: int, found_before_sample: int, target: float) -> int:
    # H0: recall < target, i.e. found / (found_before_sample + K) < target, i.e.
    # K > found / target - found_before_sample. The smallest such integer K.
    return math.floor(found / target - found_before_sample + 1e-9) + 1


def hypergeometric_p_value(
    urn: int, sample: int, found_in_sample: int, found_before_sample: int, target: float
) -> float:
    """Return the p-value of "recall < target" after drawing ``sample`` records at random from an
    ``urn`` of records and finding ``found_in_sample`` includes among them, with
    ``found_before_sample`` includes found before the urn was set aside.

    Under the hypothesis the urn held at least K includes (the least K that keeps recall below the
    target); the p-value is the chance of seeing so few in the sample with K, the worst case.
    """
    from scipy.stats import hypergeom

    found = found_before_sample + found_in_sample
    k_h0 = _minimum_includes_under_h0(found, found_before_sample, target)
    if k_h0 > urn:
        return 0.0  # not even an urn full of includes could keep recall below the target
    return float(hypergeom.cdf(found_in_sample, urn, k_h0, sample))


@dataclass(frozen=True)
class RecallEstimate:
    """Recall so far: a point estimate, a two-sided interval and the one-sided lower bound the
    stopping rule uses, all at the confidences given. Fractions, not percentages.

    ``window`` is how many of the last records screened were taken as the sample. ``stop`` is
    True once the lower bound reaches the target recall: the rule says the target is met.
    """

    found: int
    screened: int
    n_records: int
    recall: float
    low: float
    high: float
    lower_bound: float
    window: int
    target: float
    confidence: float
    stop: bool
    method: str = METHOD_NAME

    @property
    def remaining_high(self) -> int:
        """The most includes the unscreened records may still hold, at the stated confidence."""
        if self.lower_bound <= 0:
            return self.n_records - self.screened
        return max(0, round(self.found / self.lower_bound) - self.found)


def _upper_includes(urn: np.ndarray, sample: np.ndarray, seen: np.ndarray, alpha: float) -> np.ndarray:
    """For each window, the largest number of includes the urn may hold that a one-sided test at
    level ``alpha`` does not reject, given ``seen`` includes in the sample: a binary search on K
    of P(X <= seen | urn, K, sample) > alpha (decreasing in K)."""
    from scipy.stats import hypergeom

    low = seen.copy()  # K = seen is never rejected (P = 1)
    high = urn - sample + seen  # the most includes possible
    while True:
        active = low < high
        if not active.any():
            return low
        middle = (low + high + 1) // 2
        p = hypergeom.cdf(seen, urn, np.where(active, middle, low), sample)
        keep = active & (p > alpha)
        low = np.where(keep, middle, low)
        high = np.where(active & ~keep, middle - 1, high)


def _lower_includes(urn: np.ndarray, sample: np.ndarray, seen: np.ndarray, alpha: float) -> np.ndarray:
    """The least K not rejected by P(X >= seen | urn, K, sample) > alpha (increasing in K)."""
    from scipy.stats import hypergeom

    low = seen.copy()
    high = urn - sample + seen
    while True:
        active = low < high
        if not active.any():
            return low
        middle = (low + high) // 2
        p = hypergeom.sf(seen - 1, urn, np.where(active, middle, high), sample)
        ok = active & (p > alpha)
        high = np.where(ok, middle, high)
        low = np.where(active & ~ok, middle + 1, low)


def ranked_hypergeometric(
    decisions: Sequence[bool],
    n_records: int,
    *,
    target: float = DEFAULT_TARGET_RECALL,
    confidence: float = DEFAULT_CONFIDENCE,
    min_window: int = 1,
) -> RecallEstimate | None:
    """Estimate recall after ``decisions`` (priority order) out of ``n_records`` and test whether
    the target is met, with the ranked quasi-sampling hypergeometric test (module docstring).

    Every window of the last k records (k = ``min_window`` .. all) is considered; the window kept is
    the one giving the highest lower bound on recall. Return None before the first include.
    """
    _check(target, confidence)
    y = np.fromiter((bool(d) for d in decisions), dtype=bool)
    screened = len(y)
    if screened > n_records:
        raise ValueError("More decisions than records.")
    found = int(y.sum())
    if found == 0:
        return None
    unscreened = n_records - screened
    if unscreened == 0:
        return RecallEstimate(found, screened, n_records, 1.0, 1.0, 1.0, 1.0, 0, target, confidence, True)
    # Among windows with the same number of includes, the longest is the strongest evidence (more
    # excludes seen, same includes): only the windows that stop just short of an include, and the
    # whole sequence, can give the best bound. That is one window per include instead of one per
    # decision, which keeps this fast at 100,000 decisions.
    from_end = np.cumsum(y[::-1])
    just_short = np.flatnonzero(y[::-1])  # k = j: the last j decisions, without the include at j
    windows = np.unique(np.append(just_short[just_short >= max(1, min_window)], screened))
    seen = from_end[windows - 1].astype(np.int64)
    before = found - seen
    urn = windows + unscreened
    k_up = _upper_includes(urn, windows, seen, 1 - confidence)
    lower_bounds = found / (before + k_up)
    best = int(np.argmax(lower_bounds))
    k = int(windows[best])
    # The two-sided interval and the point estimate for the same window.
    two_sided = (1 - confidence) / 2
    k_high = int(_upper_includes(urn[best:best + 1], windows[best:best + 1], seen[best:best + 1], two_sided)[0])
    k_low = int(_lower_includes(urn[best:best + 1], windows[best:best + 1], seen[best:best + 1], two_sided)[0])
    # Point estimate: the window's include rate, as the posterior mean under Jeffreys' prior
    # (never 0, so a window without includes does not claim that none remain), applied to the
    # unscreened records.
    rate = (seen[best] + 0.5) / (k + 1)
    return RecallEstimate(
        found=found,
        screened=screened,
        n_records=n_records,
        recall=float(found / (found + rate * unscreened)),
        low=float(found / (before[best] + k_high)),
        high=float(found / (before[best] + k_low)),
        lower_bound=float(lower_bounds[best]),
        window=k,
        target=target,
        confidence=confidence,
        stop=bool(lower_bounds[best] >= target - 1e-12),
    )


def sample_size_needed(
    found: int, n_unscreened: int, *, target: float = DEFAULT_TARGET_RECALL,
    confidence: float = DEFAULT_CONFIDENCE,
) -> int | None:
    """Return how many unscreened records, drawn at random, must be screened and all found to be
    excludes for the random-sample test to say the target recall is met. None if even screening
    every unscreened record would not be enough (it is then simply screening them all)."""
    from scipy.stats import hypergeom

    _check(target, confidence)
    if n_unscreened <= 0:
        return 0
    k_h0 = _minimum_includes_under_h0(found, found, target)
    if k_h0 > n_unscreened:
        return 0
    alpha = 1 - confidence
    # P(no include in n draws) falls as n grows: binary search the least n below alpha.
    low, high = 1, n_unscreened
    if hypergeom.pmf(0, n_unscreened, k_h0, high) >= alpha:
        return None
    while low < high:
        middle = (low + high) // 2
        if hypergeom.pmf(0, n_unscreened, k_h0, middle) < alpha:
            high = middle
        else:
            low = middle + 1
    return low


def stops(
    decisions: Sequence[bool], n_records: int, *, target: float = DEFAULT_TARGET_RECALL,
    confidence: float = DEFAULT_CONFIDENCE,
) -> bool:
    """Return True if ranked_hypergeometric would say stop after ``decisions``: the same test,
    without the interval (a p-value per window instead of a bound), for simulations."""
    from scipy.stats import hypergeom

    _check(target, confidence)
    y = np.fromiter((bool(d) for d in decisions), dtype=bool)
    found = int(y.sum())
    unscreened = n_records - len(y)
    if found == 0:
        return False
    if unscreened <= 0:
        return True
    windows = np.arange(1, len(y) + 1)
    seen = np.cumsum(y[::-1]).astype(np.int64)
    before = found - seen
    k_h0 = np.floor(found / target - before + 1e-9).astype(np.int64) + 1
    urn = windows + unscreened
    impossible = k_h0 > urn
    if impossible.any():
        return True
    p = hypergeom.cdf(seen, urn, k_h0, windows)
    return bool((p <= 1 - confidence).any())


def first_stop(
    decisions: Sequence[bool], n_records: int, *, target: float = DEFAULT_TARGET_RECALL,
    confidence: float = DEFAULT_CONFIDENCE,
) -> int | None:
    """Return how many decisions had been made when the rule first said stop (checked after every
    decision), or None if it never did before the last record."""
    y = [bool(d) for d in decisions]
    for screened in range(1, min(len(y), n_records)):
        if stops(y[:screened], n_records, target=target, confidence=confidence):
            return screened
    return None


def random_sample_stop(
    decisions: Sequence[bool], unscreened_labels: Sequence[bool], n_records: int, *, seed: int,
    target: float = DEFAULT_TARGET_RECALL, confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[int, int] | None:
    """Simulate the random-sample procedure after ``decisions`` in priority order: draw the
    unscreened records (``unscreened_labels``, their true labels) in seeded random order, one at a
    time, and stop once the hypergeometric test on the draws rejects "recall < target".

    Return (records screened in all, includes found in all), or None if the test never rejected.
    """
    _check(target, confidence)
    rng = np.random.default_rng([seed, len(decisions)])
    drawn = np.asarray(unscreened_labels, dtype=bool)[rng.permutation(len(unscreened_labels))]
    before = int(sum(bool(d) for d in decisions))
    urn = len(drawn)
    in_sample = np.cumsum(drawn)
    alpha = 1 - confidence
    for n in range(1, urn + 1):
        p = hypergeometric_p_value(urn, n, int(in_sample[n - 1]), before, target)
        if p < alpha:
            return len(decisions) + n, before + int(in_sample[n - 1])
    return None
