"""Simulation metrics (WSS, RRF, ATD) following the usual definitions (Cohen et al. 2006 for WSS) and the
ASReview convention: the prior-knowledge records are left out of every count; values are fractions."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

# NumPy, SciPy and scikit-learn take seconds to import; each function imports what it uses, so
# starting the app (or any command) does not pay for them until a ranking is trained.
if TYPE_CHECKING:
    import numpy as np


# ---------------------------------------------------------------------------------------------
# Metrics (doc §1). ``order`` lists every row index once, in screening order; the first
# ``n_priors`` entries are the prior-knowledge records and are left out of every count.


def _screened_labels(order: Sequence[int], labels: Sequence[bool], n_priors: int) -> np.ndarray:
    import numpy as np
    if sorted(order) != list(range(len(labels))):
        raise ValueError("The order must list every row index exactly once.")
    found = np.array([bool(labels[i]) for i in order[n_priors:]], dtype=int)
    if found.sum() == 0:
        raise ValueError("No include outside the priors: the metric is undefined.")
    return found


def wss(
    order: Sequence[int], labels: Sequence[bool], recall: float = 0.95, *, n_priors: int = 0
) -> float:
    """Return Work Saved over Sampling at ``recall``: (N − n_r)/N − (1 − recall).

    N counts the records after the priors; n_r is how many of them were screened when the
    share of includes found first reached ``recall``.
    """
    import numpy as np
    found = _screened_labels(order, labels, n_priors)
    n = len(found)
    needed = math.ceil(recall * found.sum() - 1e-9)
    n_screened = int(np.searchsorted(np.cumsum(found), needed)) + 1
    return (n - n_screened) / n - (1 - recall)


def rrf(
    order: Sequence[int], labels: Sequence[bool], pct: float = 10, *, n_priors: int = 0
) -> float:
    """Return Relevant Records Found: the recall after screening ``pct`` % of the records.

    The records screened are the first floor(pct % of N) after the priors.
    """
    found = _screened_labels(order, labels, n_priors)
    n_screened = math.floor(pct * len(found) / 100 + 1e-9)
    return float(found[:n_screened].sum() / found.sum())


def atd(order: Sequence[int], labels: Sequence[bool], *, n_priors: int = 0) -> float:
    """Return the Average Time to Discovery as a share of the records (lower is better).

    Each include's time to discovery is its 1-based position after the priors; ATD is their
    mean divided by N, the number of records after the priors.
    """
    import numpy as np
    found = _screened_labels(order, labels, n_priors)
    positions = np.flatnonzero(found) + 1
    return float(positions.mean() / len(found))
