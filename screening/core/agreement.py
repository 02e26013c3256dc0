"""
Agreement between two screeners who judged the same records.

Pure Python, no Django: the caller passes (first verdict, second verdict)
pairs and gets back an ``Agreement`` with percent agreement, Cohen's kappa
and its 95 % confidence interval, PABAK and Gwet's AC1 with its 95 %
confidence interval.

Formulae, for a k x k table of proportions p_ij (rows: first rater,
columns: second rater), row margins p_i. and column margins p_.j:

- percent agreement   po = sum_i p_ii
- Cohen's kappa       (po - pe) / (1 - pe),  pe = sum_i p_i. * p_.i
- kappa standard error, the large-sample (non-null) formula of Fleiss,
  Cohen & Everitt (1969), Psychological Bulletin 72(5):323-327::

      var = ( sum_i p_ii * (1 - (p_i. + p_.i) * (1 - kappa))**2
              + (1 - kappa)**2 * sum_{i != j} p_ij * (p_.i + p_j.)**2
              - (kappa - pe * (1 - kappa))**2 ) / (n * (1 - pe)**2)

- PABAK               (k * po - 1) / (k - 1)   (Byrt, Bishop & Carlin 1993;
  the same number as Brennan & Prediger's coefficient)
- Gwet's AC1          (po - pe_g) / (1 - pe_g),
  pe_g = sum_i pi_i * (1 - pi_i) / (k - 1),  pi_i = (p_i. + p_.i) / 2
- AC1 variance, Gwet (2008), British Journal of Mathematical and
  Statistical Psychology 61:29-48, with no finite-population correction::

      var = ( po * (1 - po)
              - 4 * (1 - ac1) * (sum_i p_ii * (1 - pi_i) / (k - 1) - po * pe_g)
              + 4 * (1 - ac1)**2 * (sum_ij p_ij * (1 - (pi_i + pi_j) / 2)**2
                                    / (k - 1)**2 - pe_g**2)
            ) / (n * (1 - pe_g)**2)

Both confidence intervals are Wald intervals (estimate +/- 1.96 standard
errors) clipped to [-1, 1]. They are large-sample approximations and are
too narrow for a few dozen records.

k is the number of categories on the scale (3, or 2 when "maybe" counts as
"include"), not the number of categories the raters happened to use: PABAK
and AC1 depend on it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
import math

INCLUDE = "include"
EXCLUDE = "exclude"
MAYBE = "maybe"

CATEGORIES = (INCLUDE, EXCLUDE, MAYBE)

# Two-sided 95 % quantile of the standard normal distribution.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Agreement:
    """
    Agreement statistics for one table of paired verdicts.

    ``table[i][j]`` counts the records the first rater put in
    ``categories[i]`` and the second rater in ``categories[j]``. Every
    statistic is None when it is undefined; ``kappa_undefined_reason`` then
    says why kappa is missing, in words fit for a report.
    """

    n: int
    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    percent_agreement: float | None
    kappa: float | None
    kappa_se: float | None
    kappa_ci_low: float | None
    kappa_ci_high: float | None
    kappa_undefined_reason: str | None
    pabak: float | None
    ac1: float | None
    ac1_se: float | None
    ac1_ci_low: float | None
    ac1_ci_high: float | None
    maybe_as_include: bool


def agreement(
    pairs: Iterable[tuple[str, str]], *, maybe_as_include: bool = False
) -> Agreement:
    """
    Return the agreement between two raters' verdicts on the same records.

    Each pair is (first rater's verdict, second rater's verdict), each one
    of "include", "exclude" or "maybe". With ``maybe_as_include`` every
    "maybe" counts as "include" and the scale has two categories.

    Edge cases: with no pairs every statistic is None. When both raters put
    every record in the same single category, chance agreement is 1 and
    kappa is undefined (None, with a reason); AC1 and PABAK are still
    given. A category one rater never used is fine. Raise ValueError for
    any other verdict, naming its position.
    """
    if maybe_as_include:
        categories = (INCLUDE, EXCLUDE)
    else:
        categories = CATEGORIES
    index = {category: i for i, category in enumerate(categories)}
    k = len(categories)

    counts = [[0] * k for _ in range(k)]
    for position, pair in enumerate(pairs):
        first, second = pair
        for verdict in (first, second):
            if verdict not in CATEGORIES:
                raise ValueError(
                    f"Pair {position}: unknown verdict {verdict!r}; "
                    f"expected one of {', '.join(CATEGORIES)}."
                )
        if maybe_as_include:
            first = INCLUDE if first == MAYBE else first
            second = INCLUDE if second == MAYBE else second
        counts[index[first]][index[second]] += 1
    return agreement_from_table(counts, categories, maybe_as_include=maybe_as_include)


def agreement_from_table(
    counts: list[list[int]],
    categories: tuple[str, ...],
    *,
    maybe_as_include: bool = False,
) -> Agreement:
    """
    Return the agreement statistics of a square table of counts.

    Rows are the first rater, columns the second, both in the order of
    ``categories``. Raise ValueError if the table is not square, does not
    match the categories, or holds a negative count.
    """
    k = len(categories)
    if k < 2:
        raise ValueError("Agreement needs at least two categories.")
    if len(counts) != k or any(len(row) != k for row in counts):
        raise ValueError(f"The table must be {k} x {k}, one row and column per category.")
    if any(c < 0 for row in counts for c in row):
        raise ValueError("The table holds a negative count.")

    table = tuple(tuple(int(c) for c in row) for row in counts)
    n = sum(sum(row) for row in table)
    if n == 0:
        return Agreement(
            n=0,
            categories=tuple(categories),
            table=table,
            percent_agreement=None,
            kappa=None,
            kappa_se=None,
            kappa_ci_low=None,
            kappa_ci_high=None,
            kappa_undefined_reason="No record has been screened by both raters.",
            pabak=None,
            ac1=None,
            ac1_se=None,
            ac1_ci_low=None,
            ac1_ci_high=None,
            maybe_as_include=maybe_as_include,
        )

    p = [[c / n for c in row] for row in table]
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(p[i][i] for i in range(k))

    kappa, kappa_se, reason = _cohen_kappa(p, rows, cols, po, n, categories)
    kappa_ci_low, kappa_ci_high = _wald_interval(kappa, kappa_se)
    ac1, ac1_se = _gwet_ac1(p, rows, cols, po, n)
    ac1_ci_low, ac1_ci_high = _wald_interval(ac1, ac1_se)

    return Agreement(
        n=n,
        categories=tuple(categories),
        table=table,
        percent_agreement=po,
        kappa=kappa,
        kappa_se=kappa_se,
        kappa_ci_low=kappa_ci_low,
        kappa_ci_high=kappa_ci_high,
        kappa_undefined_reason=reason,
        pabak=(k * po - 1) / (k - 1),
        ac1=ac1,
        ac1_se=ac1_se,
        ac1_ci_low=ac1_ci_low,
        ac1_ci_high=ac1_ci_high,
        maybe_as_include=maybe_as_include,
    )


def _cohen_kappa(p, rows, cols, po, n, categories):
    """
    Return (kappa, standard error, reason it is undefined).

    Kappa is undefined when chance agreement is 1, which happens only when
    both raters put every record in the same category.
    """
    k = len(p)
    pe = sum(rows[i] * cols[i] for i in range(k))
    if math.isclose(pe, 1.0):
        only = next(i for i in range(k) if rows[i] > 0)
        return (
            None,
            None,
            "Kappa is undefined: both raters said "
            f"\"{categories[only]}\" for every record, so the agreement "
            "expected by chance is 100 %.",
        )
    kappa = (po - pe) / (1 - pe)
    diagonal = sum(
        p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(k)
    )
    off_diagonal = (1 - kappa) ** 2 * sum(
        p[i][j] * (cols[i] + rows[j]) ** 2
        for i in range(k)
        for j in range(k)
        if i != j
    )
    correction = (kappa - pe * (1 - kappa)) ** 2
    variance = (diagonal + off_diagonal - correction) / (n * (1 - pe) ** 2)
    return kappa, _standard_error(variance), None


def _gwet_ac1(p, rows, cols, po, n):
    """Return (AC1, standard error); AC1 is defined whenever n > 0."""
    k = len(p)
    pi = [(rows[i] + cols[i]) / 2 for i in range(k)]
    pe = sum(x * (1 - x) for x in pi) / (k - 1)
    ac1 = (po - pe) / (1 - pe)
    first = po * (1 - po)
    second = sum(p[i][i] * (1 - pi[i]) for i in range(k)) / (k - 1) - po * pe
    third = (
        sum(
            p[i][j] * (1 - (pi[i] + pi[j]) / 2) ** 2
            for i in range(k)
            for j in range(k)
        )
        / (k - 1) ** 2
        - pe**2
    )
    variance = (
        first - 4 * (1 - ac1) * second + 4 * (1 - ac1) ** 2 * third
    ) / (n * (1 - pe) ** 2)
    return ac1, _standard_error(variance)


def _standard_error(variance):
    # Rounding can leave a tiny negative variance where the exact one is 0
    # (for example under perfect agreement).
    return math.sqrt(max(variance, 0.0))


def _wald_interval(estimate, se):
    if estimate is None or se is None:
        return None, None
    low = max(-1.0, estimate - Z_95 * se)
    high = min(1.0, estimate + Z_95 * se)
    return low, high
