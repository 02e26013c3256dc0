"""Second-look scorers compared at label noise 0.1 on the shared screening sets.

Run: .venv/bin/python benchmarks/bench_second_look.py [--seeds 3] [--quick] [--only NAME ...]

For each of the five sets (final labels) and seeds 1-3, a seeded 10 % of the includes is labelled
excluded (screening.core.second_look.flip_includes); every record is scored by a model trained on the
other folds (the app's stratified split); the share of the flipped records among the first 5 % of
the excluded, ranked, is the acceptance figure (at least 80 % on average). The last line is the
same share for every include with no label noise, which bounds what any re-weighting of the
noisy labels can reach with the same model. Features are built once per set and shared by every
fold and scorer; one process, one scorer after another. --quick runs the app's scorer only.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening_sets import SCREENING_DATA, SCREENING_SETS  # noqa: E402

from screening.core.second_look import cross_validated_scores, flip_includes  # noqa: E402
from screening.ranking import featurize, read_screening_csv  # noqa: E402
from screening.ranking.model import _sample_weights  # noqa: E402

DATA, SETS = SCREENING_DATA, SCREENING_SETS
FOLDS = 10
APP = "balanced SVM, C = 1 (the app)"


def folds_of(y, seed, folds=FOLDS):
    """The split screening.core.second_look uses: includes and excludes dealt round the folds."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for value in (0, 1):
        members = np.flatnonzero(y == value)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + value) % folds
    return fold_of


def cross_validated(fit, matrix, y, seed, folds=FOLDS, split_seed=None):
    fold_of = folds_of(y, seed if split_seed is None else split_seed, folds)
    scores = np.empty(len(y))
    for fold in range(folds):
        held_out = fold_of == fold
        scores[held_out] = fit(matrix[~held_out], y[~held_out], matrix[held_out], seed)
    return scores


def svm(c, weights):
    def fit(x, y, held_out, seed):
        from sklearn.svm import LinearSVC
        if weights == "balanced":
            model = LinearSVC(C=c, class_weight="balanced", random_state=seed).fit(x, y)
        else:  # priority screening's: excludes shrunk to 1/9.8 of the includes' weight
            model = LinearSVC(C=c, random_state=seed).fit(x, y, sample_weight=_sample_weights(y))
        return model.decision_function(held_out)
    return fit


def logistic(x, y, held_out, seed):
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    return model.fit(x, y).decision_function(held_out)


def complement_nb(x, y, held_out, seed):
    from sklearn.naive_bayes import ComplementNB
    weights = np.where(y == 1, (len(y) - y.sum()) / y.sum(), 1.0)
    log_likelihood = ComplementNB(alpha=1.0).fit(x, y, sample_weight=weights).predict_joint_log_proba(held_out)
    return log_likelihood[:, 1] - log_likelihood[:, 0]


def nearest_includes(x, y, held_out, seed, k=10):
    """Mean cosine similarity to the k most similar includes minus that to the k most similar excludes."""
    def top_k_mean(similarities):
        k_here = min(k, similarities.shape[1])
        return -np.sort(-similarities, axis=1)[:, :k_here].mean(axis=1)
    return (top_k_mean((held_out @ x[y == 1].T).toarray())
            - top_k_mean((held_out @ x[y == 0].T).toarray()))


def two_rounds(x, y, held_out, seed, share=0.02):
    """Score the training part by an inner 5-fold split, drop its top 2 % of excludes (suspected
    wrong exclusions) and retrain; the held-out fold's labels are never used."""
    inner = cross_validated(svm(1.0, "balanced"), x, y, seed, folds=5)
    excludes = np.flatnonzero(y == 0)
    suspected = excludes[np.argsort(-inner[excludes])[:round(share * len(excludes))]]
    keep = np.setdiff1d(np.arange(len(y)), suspected)
    return svm(1.0, "balanced")(x[keep], y[keep], held_out, seed)


def nbsvm(binary):
    """NBSVM (Wang & Manning 2012) with the app's SVM: columns scaled by the log-count ratio r
    (alpha = 1) of the training folds only; ``binary``: term presence instead of TF-IDF, rows
    L2-normed after scaling."""
    def fit(x, y, held_out, seed):
        from bench_ranker_variants import _l2_rows, _scaled_by_columns, log_count_ratio
        r = log_count_ratio(x, np.arange(x.shape[0]), y)
        if binary:
            x, held_out = x.copy(), held_out.copy()
            x.data[:], held_out.data[:] = 1.0, 1.0
            x, held_out = _l2_rows(_scaled_by_columns(x, r)), _l2_rows(_scaled_by_columns(held_out, r))
        else:
            x, held_out = _scaled_by_columns(x, r), _scaled_by_columns(held_out, r)
        return svm(1.0, "balanced")(x, y, held_out, seed)
    return fit


def nearest_include(x, y, held_out, seed):
    """Cosine similarity to the most similar include of the training folds."""
    return (held_out @ x[y == 1].T).max(axis=1).toarray().ravel()


def the_app(matrix, y, seed):
    scores = cross_validated_scores(_Rows(matrix), dict(enumerate(y == 1)), folds=FOLDS, seed=seed)
    return np.array([scores[row] for row in range(len(y))])


class _Rows:
    def __init__(self, matrix):
        self.matrix = matrix


def mean_rank(*scorers):
    from scipy.stats import rankdata
    return lambda m, y, seed: sum(rankdata(scorer(m, y, seed)) for scorer in scorers)


def repeated_splits(matrix, y, seed, splits=3):
    from scipy.stats import rankdata
    return sum(rankdata(cross_validated(svm(1.0, "balanced"), matrix, y, seed, split_seed=100 * seed + split))
               for split in range(splits))


def plain(fit, **options):
    return lambda m, y, seed: cross_validated(fit, m, y, seed, **options)


# name -> scorer(matrices, y, seed) -> scores of every row, each from a model that never saw its label
SCORERS = {
    APP: lambda m, y, seed: the_app(m["words"], y, seed),
    "priority screening's SVM (C = 0.11, u4 weights; before)":
        lambda m, y, seed: plain(svm(0.11, "u4"))(m["words"], y, seed),
    "SVM, C = 1, u4 weights": lambda m, y, seed: plain(svm(1.0, "u4"))(m["words"], y, seed),
    "balanced SVM, C = 0.1": lambda m, y, seed: plain(svm(0.1, "balanced"))(m["words"], y, seed),
    "balanced logistic regression, C = 1": lambda m, y, seed: plain(logistic)(m["words"], y, seed),
    "complement naive Bayes": lambda m, y, seed: plain(complement_nb)(m["words"], y, seed),
    "10 nearest includes minus 10 nearest excludes (cosine)":
        lambda m, y, seed: plain(nearest_includes)(m["words"], y, seed),
    "the app's SVM, 20 folds": lambda m, y, seed: plain(svm(1.0, "balanced"), folds=20)(m["words"], y, seed),
    "the app's SVM, 3 splits, mean rank": lambda m, y, seed: repeated_splits(m["words"], y, seed),
    "the app's SVM, two rounds (top 2 % of excludes dropped)":
        lambda m, y, seed: plain(two_rounds)(m["words"], y, seed),
    "the app's SVM + logistic regression + complement NB, mean rank": lambda m, y, seed: mean_rank(
        plain(svm(1.0, "balanced")), plain(logistic), plain(complement_nb))(m["words"], y, seed),
    "the app's SVM on words + character 3-5-grams":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["both"], y, seed),
    "NBSVM: the app's SVM on TF-IDF x r": lambda m, y, seed: plain(nbsvm(False))(m["words"], y, seed),
    "NBSVM: the app's SVM on binary x r, rows L2-normed":
        lambda m, y, seed: plain(nbsvm(True))(m["words"], y, seed),
    "the app's SVM on words + char 4-grams (0.5/0.5)":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["char4"], y, seed),
    "the app's SVM on words + char 3-5 min_df 3 2**18 (0.5/0.5)":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["char345"], y, seed),
    "the app's SVM on binary tf x idf words":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["binary"], y, seed),
    "the app's SVM on BM25 tf x idf words":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["bm25"], y, seed),
    "the app's SVM on words, title twice":
        lambda m, y, seed: plain(svm(1.0, "balanced"))(m["title2"], y, seed),
    "the app's SVM + cosine to the nearest include, mean rank": lambda m, y, seed: mean_rank(
        plain(svm(1.0, "balanced")), plain(nearest_include))(m["words"], y, seed),
}


def with_characters(texts, words):
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                            max_df=0.95).fit_transform(texts)
    return (sparse.hstack([words, chars]) / np.sqrt(2)).tocsr()


class _Matrices(dict):
    """The feature matrices of one set, each built the first time a scorer asks for it."""

    def __init__(self, texts, words):
        super().__init__(words=words)
        self.texts = texts

    def __missing__(self, key):
        import bench_ranker_variants as variants
        build = {"both": lambda: with_characters(self.texts, self["words"]),
                 "char4": lambda: variants.words_and_char4(self.texts).matrix,
                 "char345": lambda: variants.words_and_char345_capped(self.texts).matrix,
                 "binary": lambda: variants.binary_words(self.texts).matrix,
                 "bm25": lambda: variants.bm25_words(self.texts).matrix,
                 "title2": lambda: variants.words_title_twice(self.texts).matrix}[key]
        self[key] = build()
        return self[key]


def share_in_first_5_percent(scores, y, flipped):
    excluded = np.flatnonzero(y == 0)
    ranked = excluded[np.lexsort((excluded, -scores[excluded]))]
    top = set(ranked[:max(1, len(ranked) // 20)].tolist())
    return sum(row in top for row in flipped) / len(flipped)


def share_without_noise(matrix, y, seed):
    """The share of all includes that would rank in the first 5 % of the excluded (no noise)."""
    scores = the_app(matrix, y, seed)
    excluded = np.sort(scores[y == 0])[::-1]
    return float(np.mean(scores[y == 1] >= excluded[max(1, len(excluded) // 20) - 1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N")
    parser.add_argument("--quick", action="store_true", help="the app's scorer only")
    parser.add_argument("--only", action="append", default=[],
                        help="the app's scorer and those whose name contains this (repeatable)")
    args = parser.parse_args()
    names = [APP] if args.quick else list(SCORERS)
    if args.only:
        names = [APP] + [name for name in SCORERS if name != APP and any(part in name for part in args.only)]
    shares = {name: [] for name in names}
    seconds = {name: 0.0 for name in names}
    ceiling = []
    for path in SETS:
        texts, labels = read_screening_csv(DATA / path)
        words = featurize(texts).matrix
        matrices = _Matrices(texts, words)
        per_seed = {name: [] for name in names}
        for seed in range(1, args.seeds + 1):
            noisy, flipped = flip_includes(labels, 0.1, seed)
            y = np.array(noisy, dtype=int)
            for name in names:
                start = time.process_time()
                scores = SCORERS[name](matrices, y, seed)
                seconds[name] += time.process_time() - start
                per_seed[name].append(share_in_first_5_percent(scores, y, flipped))
        for name in names:
            shares[name].append(100 * np.mean(per_seed[name]))
        ceiling.append(100 * share_without_noise(words, np.array(labels, dtype=int), 1))
        print(f"{Path(path).stem}: done", flush=True)
    runs = len(SETS) * args.seeds
    print(f"\nShare (%) of the flipped records in the first 5 % of the excluded, label noise 0.1, "
          f"mean of seeds 1-{args.seeds}; CPU per run (one set, one seed, every fold)")
    print(f"| scorer | {' | '.join(Path(p).stem.split('_')[0] for p in SETS)} | mean | CPU per run |")
    print("|---" * (len(SETS) + 3) + "|")
    for name in names:
        print(f"| {name} | {' | '.join(f'{s:.0f}' for s in shares[name])} | {np.mean(shares[name]):.1f}"
              f" | {seconds[name] / runs:.1f} s |")
    print(f"| no label noise: every include, the app's scorer (seed 1) | {' | '.join(f'{s:.0f}' for s in ceiling)}"
          f" | {np.mean(ceiling):.1f} | |")


if __name__ == "__main__":
    main()
