"""Benchmark the priority-screening ranker on the shared screening sets.

Run: cd /work/main && .venv/bin/python benchmarks/bench_ranking.py [--seeds 5] [--quick]

Prints, per dataset, the mean WSS@95, RRF@10 and ATD over the seeds next to the doc's
baseline for ASReview's default model (ELAS u4, reimplemented in
../shared/docs/priority-screening.md §2.4), then the retraining time at 10,000 records.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening.ranking import featurize, read_screening_csv, simulate, train  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "screening"

# dataset, label column, doc baseline (u4-like WSS@95, RRF@10, in %).
DATASETS = [
    ("nagtegaal_2019/Nagtegaal_2019.csv", "label_included", 72.4, 66.4),
    ("cohen_2006_ppi/Cohen_2006_ProtonPumpInhibitors.csv", "label_included", 42.7, 66.4),
    ("kitchenham_2010/Kitchenham_2010.csv", "label_included", 66.9, 70.0),
    ("bannach_brown_2019/Bannach-Brown_2019.csv", "label_included", 41.6, 51.7),
    ("jeyaraman_2020/Jeyaraman_2020.csv", "label_included", 63.5, 66.9),
    ("nagtegaal_2019/Nagtegaal_2019.csv", "label_abstract_screening", 38.2, 42.7),
    ("cohen_2006_ppi/Cohen_2006_ProtonPumpInhibitors.csv", "label_abstract_screening", 23.3, 30.8),
]


def simulation_table(seeds):
    print(f"{'dataset (label)':<44} {'WSS@95':>7} {'(sd)':>5} {'u4 doc':>7} {'RRF@10':>7}"
          f" {'u4 doc':>7} {'ATD':>6} {'time':>6}")
    below = []
    for path, column, base_wss, base_rrf in DATASETS:
        texts, labels = read_screening_csv(DATA / path, column)
        start = time.perf_counter()
        features = featurize(texts)
        results = [simulate(features, labels, seed=s) for s in range(seeds)]
        elapsed = time.perf_counter() - start
        w = 100 * np.array([r.wss95 for r in results])
        rrf10 = 100 * np.mean([r.rrf10 for r in results])
        atd = 100 * np.mean([r.atd for r in results])
        name = f"{Path(path).stem} ({'final' if column == 'label_included' else 'TA'})"
        print(f"{name:<44} {w.mean():>7.1f} {w.std():>5.1f} {base_wss:>7.1f} {rrf10:>7.1f}"
              f" {base_rrf:>7.1f} {atd:>6.1f} {elapsed:>5.0f}s", flush=True)
        if round(w.mean(), 1) < base_wss:
            below.append(name)
    return below


def retrain_timing(n_records=10_000, n_labelled=(100, 1000, 5000)):
    texts = []
    for path, column, *_ in DATASETS[:5]:
        texts += read_screening_csv(DATA / path, column)[0]
    texts = (texts * (n_records // len(texts) + 1))[:n_records]
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    features = featurize(texts)
    print(f"\n{n_records} records: featurize (once per project) {time.perf_counter() - start:.2f}s")
    for n in n_labelled:
        rows = rng.choice(n_records, size=n, replace=False)
        labels = {int(i): bool(k % 10 == 0) for k, i in enumerate(rows)}
        times = []
        for _ in range(3):
            start = time.perf_counter()
            train(features, labels).ranking()
            times.append(time.perf_counter() - start)
        print(f"  retrain + rank with {n:>5} labelled: best of 3 {min(times):.3f}s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one seed, final labels only")
    args = parser.parse_args()
    if args.quick:
        del DATASETS[5:]
    below = simulation_table(1 if args.quick else args.seeds)
    retrain_timing()
    if below:
        print("\nBelow the u4 baseline (mean WSS@95):", ", ".join(below))


if __name__ == "__main__":
    main()
