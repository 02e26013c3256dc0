"""Second look at exclusions: rank the records labelled excluded by how likely the model thinks
they are relevant, each scored by a model that never saw its own label.

Pure Python on scikit-learn, no Django. The labels are split into k folds (stratified, seeded);
each fold is scored by a linear SVM on the ranking's features trained on the other folds, so a
wrong exclusion cannot teach the model that it is an exclusion. Scores from different folds come
from different models; being linear models trained on nine tenths of the same records with the
same recipe, their decision values are on one scale and are compared directly.

The SVM differs from priority screening's in two settings, both the library's plain defaults
rather than values fitted to any data: the classes are weighted to balance (each class's weight
is inversely proportional to its size) and C = 1. Priority screening's recipe (C = 0.11 and
excludes shrunk to 1/9.8 of the includes' weight) is built for a handful of labels early in
screening; here every record is labelled, and a classifier that treats both classes alike ranks
held-out includes better among the excludes (benchmarks/bench_second_look.py).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

DEFAULT_FOLDS = 10
SVM_C = 1.0


def cross_validated_scores(features, labels: Mapping[int, bool], *, folds: int = DEFAULT_FOLDS,
                           seed: int = 0) -> dict[int, float]:
    """Return, for every labelled row index, the score a model trained without it gives it.

    ``features`` is a screening.ranking.Features (or any object with a csr ``matrix``). Rows of a
    fold whose training part lacks an include or an exclude get no model: they score -inf.
    """
    rows = np.array(sorted(labels), dtype=int)
    y = np.array([1 if labels[i] else 0 for i in rows], dtype=int)
    if len(rows) == 0:
        return {}
    folds = max(2, min(folds, len(rows)))
    rng = np.random.default_rng(seed)
    # Stratified: deal the includes and the excludes round the folds separately, in random order.
    fold_of = np.empty(len(rows), dtype=int)
    for value in (0, 1):
        members = np.flatnonzero(y == value)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + value) % folds
    scores = np.full(len(rows), -np.inf)
    matrix = features.matrix
    for fold in range(folds):
        held_out = fold_of == fold
        train_y = y[~held_out]
        if held_out.sum() == 0 or train_y.min() == train_y.max():
            continue
        classifier = _balanced_svm(seed).fit(matrix[rows[~held_out]], train_y)
        scores[held_out] = classifier.decision_function(matrix[rows[held_out]])
    return {int(r): float(s) for r, s in zip(rows, scores)}


def _balanced_svm(seed: int):
    from sklearn.svm import LinearSVC
    return LinearSVC(C=SVM_C, class_weight="balanced", random_state=seed)


def second_look_order(features, labels: Mapping[int, bool], *, folds: int = DEFAULT_FOLDS,
                      seed: int = 0) -> list[int]:
    """Return the row indices labelled excluded, most likely relevant first (cross-validated
    scores; ties go to the lower row index)."""
    scores = cross_validated_scores(features, labels, folds=folds, seed=seed)
    excluded = [row for row, included in labels.items() if not included]
    return sorted(excluded, key=lambda row: (-scores[row], row))


def flip_includes(labels, fraction: float, seed: int) -> tuple[list[bool], list[int]]:
    """Return the labels with a seeded ``fraction`` of the includes turned into excludes (a
    reviewer's mistakes), and the row indices flipped, sorted. Rounds to the nearest count."""
    if not 0 <= fraction <= 1:
        raise ValueError("The label noise must be between 0 and 1.")
    labels = [bool(v) for v in labels]
    includes = np.flatnonzero(labels)
    n_flip = round(fraction * len(includes))
    flipped = sorted(int(i) for i in np.random.default_rng([seed, 7]).choice(includes, n_flip, replace=False))
    noisy = list(labels)
    for row in flipped:
        noisy[row] = False
    return noisy, flipped
