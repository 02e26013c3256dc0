"""Second-look scorers compared at label noise 0.1 on the shared screening sets.

Run: .venv/bin/python benchmarks/bench_second_look.py

For each of the five sets (final labels) and seeds 1-3, a seeded 10 % of the includes is labelled
excluded (screening.core.second_look.flip_includes); every record is scored by a model trained on the
other nine folds (the app's stratified split); the share of the flipped records among the first
5 % of the excluded, ranked, is the acceptance figure (at least 80 % on average). Features are
built once per set and shared by every fold and scorer; one process, one scorer after another.
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening.ranking import featurize, read_screening_csv  # noqa: E402
from screening.ranking.model import _sample_weights  # noqa: E402
from screening.core.second_look import flip_includes  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "screening"
SETS = [
    "nagtegaal_2019/Nagtegaal_2019.csv",
    "cohen_2006_ppi/Cohen_2006_ProtonPumpInhibitors.csv",
    "kitchenham_2010/Kitchenham_2010.csv",
    "bannach_brown_2019/Bannach-Brown_2019.csv",
    "jeyaraman_2020/Jeyaraman_2020.csv",
]
FOLDS = 10


def folds_of(y, seed):
    """The split screening.core.second_look uses: includes and excludes dealt round the folds."""
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for value in (0, 1):
        members = np.flatnonzero(y == value)
        members = members[rng.permutation(len(members))]
        fold_of[members] = (np.arange(len(members)) + value) % FOLDS
    return fold_of


def svm(c):
    def fit(x, y, held_out, seed):
        from sklearn.svm import LinearSVC
        model = LinearSVC(C=c, random_state=seed).fit(x, y, sample_weight=_sample_weights(y))
        return model.decision_function(held_out)
    return fit


def complement_nb(x, y, held_out, seed):
    from sklearn.naive_bayes import ComplementNB
    weights = np.where(y == 1, (len(y) - y.sum()) / y.sum(), 1.0)
    log_likelihood = ComplementNB(alpha=1.0).fit(x, y, sample_weight=weights).predict_joint_log_proba(held_out)
    return log_likelihood[:, 1] - log_likelihood[:, 0]


SCORERS = {"SVM C=0.11 (the app)": svm(0.11), "SVM C=1": svm(1.0), "complement NB": complement_nb}
ENSEMBLES = [("SVM C=0.11 (the app)", "complement NB"), ("SVM C=1", "complement NB")]


def cross_validated(matrix, y, seed, fit):
    fold_of = folds_of(y, seed)
    scores = np.empty(len(y))
    for fold in range(FOLDS):
        held_out = fold_of == fold
        scores[held_out] = fit(matrix[~held_out], y[~held_out], matrix[held_out], seed)
    return scores


def share_in_first_5_percent(scores, y, flipped):
    excluded = np.flatnonzero(y == 0)
    ranked = excluded[np.lexsort((excluded, -scores[excluded]))]
    top = set(ranked[:max(1, len(ranked) // 20)].tolist())
    return sum(row in top for row in flipped) / len(flipped)


def main():
    from scipy.stats import rankdata
    names = list(SCORERS) + [f"{a} + {b}, mean rank" for a, b in ENSEMBLES]
    shares = {name: [] for name in names}
    for path in SETS:
        texts, labels = read_screening_csv(DATA / path)
        matrix = featurize(texts).matrix
        per_seed = {name: [] for name in names}
        for seed in (1, 2, 3):
            noisy, flipped = flip_includes(labels, 0.1, seed)
            y = np.array(noisy, dtype=int)
            scores = {name: cross_validated(matrix, y, seed, fit) for name, fit in SCORERS.items()}
            for a, b in ENSEMBLES:
                scores[f"{a} + {b}, mean rank"] = rankdata(scores[a]) + rankdata(scores[b])
            for name in names:
                per_seed[name].append(share_in_first_5_percent(scores[name], y, flipped))
        for name in names:
            shares[name].append(100 * np.mean(per_seed[name]))
        print(f"{Path(path).stem}: done", flush=True)
    print(f"\n| scorer | {' | '.join(Path(p).stem.split('_')[0] for p in SETS)} | mean |")
    print("|---" * (len(SETS) + 2) + "|")
    for name in names:
        print(f"| {name} | {' | '.join(f'{s:.0f}' for s in shares[name])} | {np.mean(shares[name]):.1f} |")


if __name__ == "__main__":
    main()
