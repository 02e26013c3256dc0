"""Priority screening's model: features, training, ranking and explanations.

Pure Python on scikit-learn: nothing here imports Django, reads the database or keeps state
between calls. Every function's output depends only on its arguments, so the app decides whose
decisions a ranking sees (one reviewer's own plus resolved ones) and this module cannot leak
another reviewer's votes.

The model reimplements the recipe of ASReview's default ("ELAS u4"), without ASReview code:
TF-IDF on unigrams and bigrams with sublinear term frequency, a linear SVM (C = 0.11, squared
hinge) and sample weights that shrink the excludes to 1/9.8 of the includes' total weight.
Records are ranked by the SVM's decision value, never by a probability, which would saturate
and tie.

Metrics follow the usual definitions (Cohen et al. 2006 for WSS) and the ASReview convention: the
prior-knowledge records are left out of every count. Metric values are fractions (0.633, not
63.3 %).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# NumPy, SciPy and scikit-learn take seconds to import; each function imports what it uses, so
# starting the app (or any command) does not pay for them until a ranking is trained.
if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

SVM_C = 0.11
EXCLUDE_RATIO = 9.8


# ---------------------------------------------------------------------------------------------
# Features


@dataclass(frozen=True, eq=False)
class Features:
    """TF-IDF rows of every record in a project, and the vectorizer that made them.

    Build once per project with featurize() and pass it to train(), rank() and
    estimate_remaining_includes() so that each retrain only fits the classifier.
    ``terms`` names the matrix's columns (for explain_rows). A cached copy may drop the
    vectorizer (None), which only explain() needs: it is the bulk of the pickle.
    """

    matrix: sparse.csr_matrix
    vectorizer: TfidfVectorizer | None
    terms: np.ndarray | None = None

    def __len__(self):
        return self.matrix.shape[0]


def record_text(title: str, abstract: str = "", keywords: str = "") -> str:
    """Return the text the model reads for one record: title, abstract and keywords."""
    return "\n".join(part for part in (title, abstract, keywords) if part)


def featurize(texts: Sequence[str]) -> Features:
    """Fit TF-IDF on all records' texts (labelled or not) and return their rows.

    Raise ValueError if no text has a single word.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    texts = list(texts)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.95)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        # A tiny corpus can lose every term to max_df (a word in 95 % of three records).
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        matrix = vectorizer.fit_transform(texts)
    return Features(matrix=matrix.tocsr(), vectorizer=vectorizer,
                    terms=vectorizer.get_feature_names_out().astype(object))


def _as_features(texts_or_features: Sequence[str] | Features) -> Features:
    if isinstance(texts_or_features, Features):
        return texts_or_features
    return featurize(texts_or_features)


# ---------------------------------------------------------------------------------------------
# Training and ranking


def can_rank(labels: Mapping[int, bool]) -> bool:
    """Return True once the labels hold at least one include and one exclude.

    Before that the app shows records in random order (the cold-start rule).
    """
    values = set(bool(v) for v in labels.values())
    return values == {True, False}


@dataclass(frozen=True, eq=False)
class Model:
    """A trained ranking model and its score for every record of the project."""

    features: Features
    coef: np.ndarray
    intercept: float
    labels: tuple[tuple[int, bool], ...]
    scores: np.ndarray

    def ranking(self) -> Ranking:
        """Return the unlabelled records, most likely include first."""
        import numpy as np
        labelled = {index for index, _ in self.labels}
        unlabelled = np.array([i for i in range(len(self.scores)) if i not in labelled], dtype=int)
        order = _order_by_score(self.scores, unlabelled)
        return Ranking(
            order=tuple(int(i) for i in order),
            scores=tuple(float(self.scores[i]) for i in order),
        )


@dataclass(frozen=True)
class Ranking:
    """Unlabelled row indices best first, and each one's score (SVM decision value).

    Scores are comparable within one ranking only; they are not probabilities.
    """

    order: tuple[int, ...]
    scores: tuple[float, ...]

    def score_of(self) -> dict[int, float]:
        """Return the scores keyed by row index."""
        return dict(zip(self.order, self.scores))


def _order_by_score(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    # Highest score first; ties go to the lower row index so the order is reproducible.
    import numpy as np
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def _sample_weights(y: np.ndarray) -> np.ndarray:
    import numpy as np
    n_includes = int(y.sum())
    n_excludes = len(y) - n_includes
    weights = np.where(y == 1, 1.0, n_includes / (EXCLUDE_RATIO * n_excludes))
    return weights * (len(y) / weights.sum())


def _fit(matrix: sparse.csr_matrix, indices: np.ndarray, y: np.ndarray, seed: int):
    from sklearn.svm import LinearSVC
    classifier = LinearSVC(C=SVM_C, loss="squared_hinge", random_state=seed)
    classifier.fit(matrix[indices], y, sample_weight=_sample_weights(y))
    return classifier.coef_.ravel(), float(classifier.intercept_[0])


def svm_scores(matrix: sparse.csr_matrix, indices: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Return the ranking model's decision value for every row, trained on ``indices``."""
    import numpy as np
    coef, intercept = _fit(matrix, indices, y, seed)
    return np.asarray(matrix @ coef).ravel() + intercept


def _check_labels(labels: Mapping[int, bool], n_records: int) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np
    if not can_rank(labels):
        raise ValueError("Ranking needs at least one include and one exclude.")
    indices = np.array(sorted(labels), dtype=int)
    if indices[0] < 0 or indices[-1] >= n_records:
        raise ValueError(f"Label index out of range for {n_records} records.")
    y = np.array([1 if labels[i] else 0 for i in indices], dtype=int)
    return indices, y


def train(
    texts_or_features: Sequence[str] | Features, labels: Mapping[int, bool], *, seed: int = 0
) -> Model:
    """Train on the labelled records and score every record.

    ``labels`` maps a row index of ``texts_or_features`` to True (include) or False
    (exclude). Raise ValueError unless can_rank(labels) is True.
    """
    import numpy as np
    features = _as_features(texts_or_features)
    indices, y = _check_labels(labels, len(features))
    coef, intercept = _fit(features.matrix, indices, y, seed)
    scores = features.matrix @ coef + intercept
    return Model(
        features=features,
        coef=coef,
        intercept=intercept,
        labels=tuple((int(i), bool(v)) for i, v in zip(indices, y)),
        scores=np.asarray(scores).ravel(),
    )


def rank(
    texts_or_features: Sequence[str] | Features, labelled: Mapping[int, bool], *, seed: int = 0
) -> Ranking:
    """Return the unlabelled records ordered by predicted relevance, best first."""
    return train(texts_or_features, labelled, seed=seed).ranking()


def explain(model: Model, text: str, k: int = 5) -> list[tuple[str, float]]:
    """Return up to k terms of ``text`` that pushed its score up most, with their share.

    A term is a word or a two-word phrase. Its weight is its TF-IDF value in the text times
    the model's coefficient, so only terms present in the text, with a positive effect,
    are returned, largest first.
    """
    row = model.features.vectorizer.transform([text]).tocsr()
    contributions = row.data * model.coef[row.indices]
    terms = model.features.vectorizer.get_feature_names_out()
    pairs = [
        (str(terms[j]), float(c)) for j, c in zip(row.indices, contributions) if c > 0
    ]
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return pairs[:k]


def explain_rows(model: Model, rows: Sequence[int], k: int = 3) -> list[list[str]]:
    """Return, for each row index in ``rows``, up to k terms of that record that pushed its
    score up most, largest first: explain() for records already featurized, without the
    vectorizer (the model's features must carry ``terms``)."""
    import numpy as np
    if model.features.terms is None:
        raise ValueError("These features do not name their terms.")
    matrix = model.features.matrix
    words = []
    for row in rows:
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns = matrix.indices[start:end]
        contributions = matrix.data[start:end] * model.coef[columns]
        positive = np.flatnonzero(contributions > 0)
        if len(positive) > k:  # keep the k largest and anything tied with the k-th
            kth = np.partition(contributions[positive], len(positive) - k)[len(positive) - k]
            positive = positive[contributions[positive] >= kth]
        # Ties go to the term that sorts first, as in explain().
        pairs = sorted((-float(contributions[j]), str(model.features.terms[columns[j]])) for j in positive)
        words.append([term for _, term in pairs[:k]])
    return words
