"""Estimates from a reviewer's decisions in ranked order: includes left among the unscreened
records, and a hint whether screening could stop. Pure Python."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Remaining includes and stopping


@dataclass(frozen=True)
class RemainingEstimate:
    """An estimate, not a count, of the includes left among the unscreened records.

    ``include_rate_slope`` is the fitted trend of the include rate against log position;
    while it is not clearly negative the estimate means little.
    """

    expected: float
    n_unscreened: int
    include_rate_slope: float


def estimate_remaining_includes(decisions: Sequence[bool], n_records: int) -> RemainingEstimate | None:
    """Estimate the includes remaining among ``n_records - len(decisions)`` unscreened records.

    ``decisions`` are one reviewer's include (True) / exclude (False) decisions in the order
    they were made while following the priority ranking. Method (a decay-curve fit): a
    logistic regression of "was an include" on log(1 + position) over the decisions made,
    extrapolated to the positions still to come and summed. Because ranking puts likely
    includes first, the include rate falls with position; the fit errs high. In simulations on
    the four shared sets checked (seeds 0 and 1; after 5, 10, 20, 30, 40 and 60 % screened) it
    never fell below the true count, and it overstated it several-fold early on.

    Return None until there is at least one include and one exclude, or when nothing is left.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    y = np.array([1 if d else 0 for d in decisions], dtype=int)
    n_unscreened = n_records - len(y)
    if n_unscreened <= 0 or y.sum() in (0, len(y)):
        return None
    position = np.log1p(np.arange(len(y))).reshape(-1, 1)
    curve = LogisticRegression(C=1.0).fit(position, y)
    to_come = np.log1p(np.arange(len(y), n_records)).reshape(-1, 1)
    expected = float(curve.predict_proba(to_come)[:, 1].sum())
    return RemainingEstimate(
        expected=expected,
        n_unscreened=n_unscreened,
        include_rate_slope=float(curve.coef_[0, 0]),
    )


@dataclass(frozen=True)
class StoppingHint:
    """Evidence a reviewer may weigh before stopping; never an instruction to stop."""

    excludes_in_a_row: int
    threshold: int
    estimate: RemainingEstimate | None
    may_stop: bool
    message: str


def stopping_hint(
    decisions: Sequence[bool],
    n_records: int,
    estimate: RemainingEstimate | None = None,
    *,
    threshold: int | None = None,
) -> StoppingHint:
    """Summarise the evidence for stopping, from decisions in the order they were made.

    The heuristic: no include in the last ``threshold`` decisions (default: 5 % of the
    records, at least 50) and, if an estimate is given, fewer than one include expected
    to remain. Return ``may_stop`` False until both hold.
    """
    if threshold is None:
        threshold = max(50, math.ceil(0.05 * n_records))
    streak = 0
    for decision in reversed(decisions):
        if decision:
            break
        streak += 1
    n_unscreened = n_records - len(decisions)
    quiet = streak >= threshold and any(decisions)
    few_left = estimate is None or estimate.expected < 1.0
    may_stop = quiet and few_left and n_unscreened > 0
    message = f"No include in the last {streak} decisions (hint at {threshold})."
    if estimate is not None:
        message += (
            f" Estimated includes left among {estimate.n_unscreened} unscreened records:"
            f" about {estimate.expected:.1f} (an estimate that tends to run high, not a count)."
        )
    return StoppingHint(
        excludes_in_a_row=streak,
        threshold=threshold,
        estimate=estimate,
        may_stop=may_stop,
        message=message,
    )
