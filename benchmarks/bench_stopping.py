"""Benchmark the stopping rules and the second look on the shared screening sets.

Run: .venv/bin/python benchmarks/bench_stopping.py [--seeds 1 2 3] [--sets N]

For every set and seed, one simulated review in priority order (final labels, priors 1 include +
1 exclude), then where each rule first says stop (records screened, priors included) and the
recall there:
- streak: the old heuristic, no include in the last max(50, 5 % of N) decisions (no guarantee);
- ranked: the hypergeometric test on the last records screened, kept as the app's rule
  (screening.core.stopping.ranked_hypergeometric);
- random: the same test on a random sample of the unscreened records, drawn once the streak
  heuristic fires (screening.core.stopping.random_sample_stop); its work counts the sample.
Then the acceptance: each rule stops before the end in >= 80 % of runs and reaches 95 % recall
in >= 95 % of those. Last, the second look at label noise 0.1: the share of the flipped records in
the first 5 % of the excluded records, ranked by cross-validated scores.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screening_sets import SCREENING_DATA, SCREENING_SETS  # noqa: E402

from screening.core import stopping
from screening.ranking import featurize, read_screening_csv, simulate, stopping_hint
from screening.core.second_look import flip_includes, second_look_order

DATA, SETS = SCREENING_DATA, SCREENING_SETS
RULES = ("streak", "ranked", "random")
TARGET = stopping.DEFAULT_TARGET_RECALL


def streak_stop(decisions, n_records):
    for screened in range(1, len(decisions)):
        if stopping_hint(decisions[:screened], n_records).may_stop:
            return screened
    return None


def stops_of(decisions, n_records, seed):
    """Return {rule: (stop_at, includes found at stop) or None}."""
    found = np.cumsum(decisions)
    out = {}
    at = streak_stop(decisions, n_records)
    out["streak"] = None if at is None else (at, int(found[at - 1]))
    at = stopping.first_stop(decisions, n_records)
    out["ranked"] = None if at is None else (at, int(found[at - 1]))
    switch = out["streak"][0] if out["streak"] else None
    out["random"] = None if switch is None else stopping.random_sample_stop(
        decisions[:switch], decisions[switch:], n_records, seed=seed)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sets", type=int, default=len(SETS), help="only the first N sets")
    args = parser.parse_args()
    runs = []
    print(f"{'dataset':<36} {'seed':>4} {'N':>5} {'WSS@95':>7}" + "".join(
        f" {rule + ' stop':>12} {'saved':>6} {'recall':>6}" for rule in RULES))
    second_look = []
    for path in SETS[:args.sets]:
        texts, labels = read_screening_csv(DATA / path)
        features = featurize(texts)
        n = len(labels)
        for seed in args.seeds:
            start = time.perf_counter()
            result = simulate(features, labels, seed=seed)
            decisions = [labels[i] for i in result.order]
            stops = stops_of(decisions, n, seed)
            runs.append((path, seed, n, sum(labels), result.wss95, stops))
            cells = ""
            for rule in RULES:
                if stops[rule] is None:
                    cells += f" {'-':>12} {'0.0':>6} {'-':>6}"
                else:
                    at, found = stops[rule]
                    cells += f" {at:>12} {100 * (n - at) / n:>6.1f} {100 * found / sum(labels):>6.1f}"
            print(f"{Path(path).stem:<36} {seed:>4} {n:>5} {100 * result.wss95:>7.1f}{cells}"
                  f"  ({time.perf_counter() - start:.0f}s)", flush=True)
            noisy, flipped = flip_includes(labels, 0.1, seed)
            ranked = second_look_order(features, dict(enumerate(noisy)), seed=seed)
            top = set(ranked[:max(1, len(ranked) // 20)])
            second_look.append((Path(path).stem, seed, sum(r in top for r in flipped) / len(flipped)))

    print(f"\nAcceptance (target recall {TARGET:.0%}, confidence {stopping.DEFAULT_CONFIDENCE:.0%}), "
          f"{len(runs)} runs; mean WSS@95 {100 * np.mean([r[4] for r in runs]):.1f}")
    for rule in RULES:
        stopped = [r for r in runs if r[5][rule] is not None]
        held = [r for r in stopped if r[5][rule][1] >= TARGET * r[3] - 1e-9]
        saved = np.mean([(r[2] - r[5][rule][0]) / r[2] if r[5][rule] else 0.0 for r in runs])
        share_stopped = len(stopped) / len(runs)
        share_held = len(held) / len(stopped) if stopped else 0.0
        verdict = "meets" if share_stopped >= 0.8 and share_held >= 0.95 else "FAILS"
        print(f"  {rule:<7} stopped before the end {share_stopped:>6.1%}; recall >= 95 % at stop in"
              f" {share_held:>6.1%} of those; mean work saved at stop {100 * saved:.1f} %: {verdict}")
    mean_top = np.mean([share for *_, share in second_look])
    print("\nSecond look at label noise 0.1: flipped records in the first 5 % of the excluded, ranked")
    for name, seed, share in second_look:
        print(f"  {name:<36} seed {seed}: {share:.0%}")
    print(f"  mean {mean_top:.1%}: {'meets' if mean_top >= 0.8 else 'below'} the 80 % acceptance")


if __name__ == "__main__":
    main()
