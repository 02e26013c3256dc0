"""Improvements tried on the priority-screening ranker, against today's model, with the decision.

Run: .venv/bin/python benchmarks/bench_ranker_variants.py [--seeds 3] [--variants N] [--only NAME ...]

Each variant screens the five shared sets (final labels) with seeds 1-3 exactly as
benchmarks/bench_ranking.py does (screening.ranking.simulate, 1 include + 1 exclude as priors),
changing only the features or the model. The rule for keeping one is fixed before running: its
mean WSS@95 over the sets is at least 1 point above today's, and no set drops by more than 0.5
point; a variant must also retrain in under 1 s at 10,000 records. Features are built once per
set and variant; everything runs in one process, one after the other (the machine is shared).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening_sets import SCREENING_DATA, SCREENING_SETS  # noqa: E402

from screening.ranking import Features, featurize, read_screening_csv, simulate, svm_scores  # noqa: E402

DATA, SETS = SCREENING_DATA, SCREENING_SETS
KEEP_MEAN_GAIN = 1.0  # WSS@95 points
KEEP_WORST_DROP = 0.5


def words_and_characters(texts):
    """Today's word features beside character 3-5-grams (within words), each block L2-normed and
    scaled by 1/sqrt(2) so a row keeps unit length."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    words = featurize(texts).matrix
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                            max_df=0.95).fit_transform(texts)
    return Features(matrix=(sparse.hstack([words, chars]) / np.sqrt(2)).tocsr(), vectorizer=None)


def words_without_stop_words(texts):
    """Today's features with English stop words removed before the bigrams are formed."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_df=0.95,
                             stop_words="english").fit_transform(texts)
    return Features(matrix=matrix.tocsr(), vectorizer=None)


def words_and_title_characters(texts):
    """Today's word features beside character 3-5-grams (within words) of the title only: titles
    are short, so the rows gain few non-zeros and retraining stays fast. Blocks L2-normed and
    scaled by 1/sqrt(2)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    words = featurize(texts).matrix
    titles = [text.split("\n", 1)[0] for text in texts]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2,
                            max_df=0.95).fit_transform(titles)
    return Features(matrix=(sparse.hstack([words, chars]) / np.sqrt(2)).tocsr(), vectorizer=None)


def load_wordllama():
    """WordLlama's 256-dimension static embeddings, whose weights ship inside its wheel; None if the
    package is not installed (it is not a dependency of the app). The wheel keeps its tokenizer in
    ``tokenizers/``, which the package only finds when that folder is named as its cache, so
    nothing is ever downloaded."""
    try:
        import wordllama
    except ImportError:
        return None
    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def words_and_embeddings(texts):
    """Today's word features beside the mean WordLlama embedding of the text (unit length), each
    block scaled by 1/sqrt(2)."""
    from scipy import sparse
    words = featurize(texts).matrix
    embeddings = sparse.csr_matrix(load_wordllama().embed(list(texts), norm=True))
    return Features(matrix=(sparse.hstack([words, embeddings]) / np.sqrt(2)).tocsr(), vectorizer=None)


def logistic_scores(matrix, indices, y, seed):
    """Logistic regression, classes weighted to balance, decision values."""
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(C=1.0, class_weight="balanced", solver="liblinear", random_state=seed)
    return model.fit(matrix[indices], y).decision_function(matrix)


def svm_and_logistic(matrix, indices, y, seed):
    """The mean of the SVM's and the logistic regression's ranks (rank averaging needs no
    calibration between the two)."""
    from scipy.stats import rankdata
    return rankdata(svm_scores(matrix, indices, y, seed)) + rankdata(logistic_scores(matrix, indices, y, seed))


def naive_bayes_scores(matrix, indices, y, seed):
    """Complement naive Bayes log-odds, includes weighted up to the excludes' total."""
    from sklearn.naive_bayes import ComplementNB
    n_includes = y.sum()
    weights = np.where(y == 1, (len(y) - n_includes) / n_includes, 1.0)
    model = ComplementNB(alpha=1.0).fit(matrix[indices], y, sample_weight=weights)
    log_likelihood = model.predict_joint_log_proba(matrix)
    return log_likelihood[:, 1] - log_likelihood[:, 0]


def svm_and_naive_bayes(matrix, indices, y, seed):
    """The mean of the two models' ranks (rank averaging needs no calibration between them)."""
    from scipy.stats import rankdata
    return rankdata(svm_scores(matrix, indices, y, seed)) + rankdata(naive_bayes_scores(matrix, indices, y, seed))


def log_count_ratio(matrix, indices, y, alpha=1.0):
    """NBSVM's r (Wang & Manning 2012): per column, log of the include rows' share of documents
    containing the term over the exclude rows' share, smoothed by ``alpha``; labelled rows only."""
    present = (matrix[indices] > 0).astype(np.float64)
    p = alpha + np.asarray(present[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[y == 0].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def _scaled_by_columns(matrix, r):
    from scipy import sparse
    return (matrix @ sparse.diags(r)).tocsr()


def _l2_rows(matrix):
    from sklearn.preprocessing import normalize
    return normalize(matrix, norm="l2", copy=True)


def nbsvm_tfidf_scores(matrix, indices, y, seed):
    """NBSVM on today's TF-IDF rows: each column scaled by the signed log-count ratio r,
    recomputed from the labelled rows at every retrain; then today's SVM (C = 0.11, u4 weights)."""
    return svm_scores(_scaled_by_columns(matrix, log_count_ratio(matrix, indices, y)), indices, y, seed)


def nbsvm_binary_scores(matrix, indices, y, seed):
    """NBSVM as published: binary term presence scaled by r, rows L2-normed so today's C keeps its
    meaning; then today's SVM (C = 0.11, u4 weights)."""
    binary = matrix.copy()
    binary.data[:] = 1.0
    scaled = _l2_rows(_scaled_by_columns(binary, log_count_ratio(matrix, indices, y)))
    return svm_scores(scaled, indices, y, seed)


def nbsvm_tfidf_normed_scores(matrix, indices, y, seed):
    """NBSVM on today's TF-IDF rows scaled by r, rows L2-normed again; today's SVM."""
    scaled = _l2_rows(_scaled_by_columns(matrix, log_count_ratio(matrix, indices, y)))
    return svm_scores(scaled, indices, y, seed)


def _two_blocks(words, other, word_share):
    """Both blocks L2-normed per row, scaled so their squared norms are word_share and
    1 - word_share of a unit row."""
    from scipy import sparse
    return sparse.hstack([_l2_rows(words) * np.sqrt(word_share),
                          _l2_rows(other) * np.sqrt(1 - word_share)]).tocsr()


def _characters(texts, ngram_range, min_df=3, max_features=2 ** 18):
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True,
                           min_df=min_df, max_df=0.95, max_features=max_features,
                           dtype=np.float32).fit_transform(texts)


def words_and_char4(texts, word_share=0.5):
    """Today's words beside character 4-grams only (within words; min_df 3, at most 2**18
    columns), blocks weighted 0.5/0.5 (decided before running)."""
    words = featurize(texts).matrix
    return Features(matrix=_two_blocks(words, _characters(texts, (4, 4)), word_share), vectorizer=None)


def words_and_char4_70_30(texts):
    """As words_and_char4, blocks weighted 0.7 (words) / 0.3 (characters), decided before running."""
    return words_and_char4(texts, word_share=0.7)


def words_and_char345_capped(texts, word_share=0.5):
    """Today's words beside character 3-5-grams within words, min_df 3 and at most 2**18 columns,
    blocks weighted 0.5/0.5."""
    words = featurize(texts).matrix
    return Features(matrix=_two_blocks(words, _characters(texts, (3, 5)), word_share), vectorizer=None)


def words_and_char345_capped_70_30(texts):
    """As words_and_char345_capped, blocks weighted 0.7 / 0.3."""
    return words_and_char345_capped(texts, word_share=0.7)


def binary_words(texts):
    """Words 1-2 as today but binary term frequency (presence) times idf, rows L2-normed."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    matrix = TfidfVectorizer(ngram_range=(1, 2), binary=True, max_df=0.95).fit_transform(texts)
    return Features(matrix=matrix.tocsr(), vectorizer=None)


def bm25_words(texts, k1=1.2, b=0.75):
    """Words 1-2 with BM25's saturated term frequency (k1 = 1.2, b = 0.75, the textbook values)
    times idf, rows L2-normed."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    counts = CountVectorizer(ngram_range=(1, 2), max_df=0.95).fit_transform(texts).tocsr().astype(np.float64)
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    norm = k1 * (1 - b + b * lengths / lengths.mean())
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    counts.data = counts.data * (k1 + 1) / (counts.data + norm[rows])
    matrix = TfidfTransformer(sublinear_tf=False).fit_transform(counts)
    return Features(matrix=matrix.tocsr(), vectorizer=None)


def words_title_twice(texts):
    """Today's features with the title (the text's first line) written twice, so its terms count
    double before the sublinear tf."""
    return featurize([text.split("\n", 1)[0] + "\n" + text for text in texts])


# name, features from texts, scorer
VARIANTS = [
    ("today: words 1-2, SVM (ELAS u4)", featurize, svm_scores),
    ("words + title char 3-5-grams, SVM", words_and_title_characters, svm_scores),
    ("SVM + logistic regression, mean rank", featurize, svm_and_logistic),
    ("words + WordLlama embeddings, SVM", words_and_embeddings, svm_scores),
    ("words + char 3-5-grams, SVM", words_and_characters, svm_scores),
    ("SVM + complement NB, mean rank", featurize, svm_and_naive_bayes),
    ("words 1-2 without stop words, SVM", words_without_stop_words, svm_scores),
    ("NBSVM: TF-IDF x r, SVM", featurize, nbsvm_tfidf_scores),
    ("NBSVM: TF-IDF x r, rows L2-normed, SVM", featurize, nbsvm_tfidf_normed_scores),
    ("NBSVM: binary x r, rows L2-normed, SVM", featurize, nbsvm_binary_scores),
    ("words + char 4-grams (0.5/0.5), SVM", words_and_char4, svm_scores),
    ("words + char 4-grams (0.7/0.3), SVM", words_and_char4_70_30, svm_scores),
    ("words + char 3-5 min_df 3 2**18 (0.5/0.5)", words_and_char345_capped, svm_scores),
    ("words + char 3-5 min_df 3 2**18 (0.7/0.3)", words_and_char345_capped_70_30, svm_scores),
    ("words 1-2 binary tf x idf, SVM", binary_words, svm_scores),
    ("words 1-2 BM25 tf x idf, SVM", bm25_words, svm_scores),
    ("words 1-2, title twice, SVM", words_title_twice, svm_scores),
]


def retrain_seconds(make_features, scorer, n_records=10_000, n_labelled=5_000):
    texts = []
    for path in SETS:
        texts += read_screening_csv(DATA / path)[0]
    texts = (texts * (n_records // len(texts) + 1))[:n_records]
    matrix = make_features(texts).matrix
    rows = np.random.default_rng(0).choice(n_records, size=n_labelled, replace=False)
    y = np.array([1 if k % 10 == 0 else 0 for k in range(n_labelled)])
    times = []
    for _ in range(3):
        start = time.process_time()
        scorer(matrix, rows, y, 0)
        times.append(time.process_time() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1..N")
    parser.add_argument("--variants", type=int, default=len(VARIANTS), help="the first N variants only")
    parser.add_argument("--only", action="append", default=[],
                        help="run today's model and the variants whose name contains this (repeatable)")
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    chosen = VARIANTS[:args.variants]
    if args.only:
        chosen = [VARIANTS[0]] + [v for v in VARIANTS[1:] if any(part in v[0] for part in args.only)]
    table = {}
    for name, make_features, scorer in chosen:
        if make_features is words_and_embeddings and load_wordllama() is None:
            print(f"{name}: skipped (pip install wordllama to run it)", flush=True)
            continue
        row = []
        for path in SETS:
            texts, labels = read_screening_csv(DATA / path)
            features = make_features(texts)
            row.append(100 * np.mean([simulate(features, labels, seed=s, scorer=scorer).wss95 for s in seeds]))
        table[name] = (row, retrain_seconds(make_features, scorer))
        print(f"{name:<36} " + " ".join(f"{w:6.1f}" for w in row) + f"  mean {np.mean(row):5.1f}"
              f"  retrain {table[name][1]:.2f} s CPU", flush=True)

    today, _ = next(iter(table.values()))
    print(f"\nWSS@95 %, mean of seeds {seeds.start}-{seeds.stop - 1}; keep if mean +{KEEP_MEAN_GAIN} or more,"
          f" no set below -{KEEP_WORST_DROP}, retrain (5,000 of 10,000 labelled) under 1 s of CPU")
    print(f"| variant | {' | '.join(Path(p).stem.split('_')[0] for p in SETS)} | mean | vs today | worst set"
          " | retrain | decision |")
    print("|---" * (len(SETS) + 6) + "|")
    for name, (row, seconds) in table.items():
        gain = np.mean(row) - np.mean(today)
        worst = min(r - t for r, t in zip(row, today))
        keep = gain >= KEEP_MEAN_GAIN and worst >= -KEEP_WORST_DROP and seconds < 1.0
        decision = "today's model" if row is today else ("keep" if keep else "not kept")
        print(f"| {name} | {' | '.join(f'{w:.1f}' for w in row)} | {np.mean(row):.1f} | {gain:+.1f}"
              f" | {worst:+.1f} | {seconds:.2f} s | {decision} |")


if __name__ == "__main__":
    main()
