"""Simulated priority screening with the stopping rule and the second look (wrapped by
`manage.py simulate_screening`). Pure Python, no Django.

Each seed screens the whole set in priority order (screening.ranking.simulate) as a reviewer
who always agrees with the labels; the stopping rule (screening.core.stopping, at its defaults) is
asked after every decision, and ``stop_at`` is how many records had been screened, priors
included, when it first said stop. With label noise, the reviewer's labels are the noisy ones:
the ranking, the metrics and the rule all see what the reviewer decided.
"""
from __future__ import annotations

import json

import numpy as np

from screening.core import stopping
from screening.core.second_look import flip_includes, second_look_order

from .model import featurize
from .simulation import read_screening_csv, simulate


def run_seed(features, labels, seed: int) -> dict:
    """Simulate one seed and return its metrics, stop_at and recall_at_stop (None if no stop)."""
    result = simulate(features, labels, seed=seed)
    decisions = [labels[i] for i in result.order]
    stop_at = stopping.first_stop(decisions, len(labels))
    recall_at_stop = None if stop_at is None else sum(decisions[:stop_at]) / sum(labels)
    return {"seed": seed, "wss95": result.wss95, "rrf10": result.rrf10, "atd": result.atd,
            "stop_at": stop_at, "recall_at_stop": recall_at_stop, "order": result.order}


def summarise(runs: list[dict], n_records: int) -> dict:
    """Return the mean of each metric over the runs; stop_at and recall_at_stop over the runs
    that stopped, ``stopped`` the share that did, and ``work_saved_at_stop`` the mean share of
    records left unscreened at the stop (0 for a run that never stopped)."""
    stopped = [r for r in runs if r["stop_at"] is not None]
    mean = {m: float(np.mean([r[m] for r in runs])) for m in ("wss95", "rrf10", "atd")}
    mean["stop_at"] = float(np.mean([r["stop_at"] for r in stopped])) if stopped else None
    mean["recall_at_stop"] = float(np.mean([r["recall_at_stop"] for r in stopped])) if stopped else None
    mean["stopped"] = len(stopped) / len(runs)
    mean["work_saved_at_stop"] = float(np.mean(
        [(n_records - r["stop_at"]) / n_records if r["stop_at"] is not None else 0.0 for r in runs]))
    return mean


def run(path, *, seeds: int = 5, first_seed: int = 0, order_out=None, as_json: bool = False,
        label_noise: float = 0.0, second_look_out=None, folds: int = 10) -> str:
    """Simulate ``seeds`` reviews of a labelled CSV and return the report as text: a table per
    seed and the mean, then (``as_json``) one JSON line. ``order_out`` receives the first seed's
    screening order (0-based rows, priors first); ``second_look_out`` the second look, as JSON
    ``{"flipped": [...], "excluded_ranked": [...]}`` in 0-based rows. ``label_noise`` turns a
    fraction of the includes into excludes, seeded by ``first_seed``."""
    texts, true_labels = read_screening_csv(path)
    labels, flipped = flip_includes(true_labels, label_noise, first_seed) if label_noise else (true_labels, [])
    features = featurize(texts)
    runs = [run_seed(features, labels, s) for s in range(first_seed, first_seed + seeds)]
    mean = summarise(runs, len(labels))

    lines = [
        f"{path}: {len(labels)} records, {sum(labels)} includes"
        + (f" ({len(flipped)} of {sum(true_labels)} flipped to exclude)" if label_noise else "")
        + "; priors 1 include + 1 exclude, left out of the metrics; stop = "
        + f"{stopping.METHOD_NAME}, target {stopping.DEFAULT_TARGET_RECALL:.0%}"
        + f" at {stopping.DEFAULT_CONFIDENCE:.0%} confidence",
        f"{'seed':>6} {'WSS@95':>8} {'RRF@10':>8} {'ATD':>8} {'stop at':>8} {'recall':>8}",
    ]
    for r in runs:
        stop = "-" if r["stop_at"] is None else f"{r['stop_at']}"
        recall = "-" if r["recall_at_stop"] is None else f"{r['recall_at_stop']:.1%}"
        lines.append(f"{r['seed']:>6} {r['wss95']:>8.1%} {r['rrf10']:>8.1%} {r['atd']:>8.1%} {stop:>8} {recall:>8}")
    lines.append(f"{'mean':>6} {mean['wss95']:>8.1%} {mean['rrf10']:>8.1%} {mean['atd']:>8.1%}"
                 f" {'saved':>8} {mean['work_saved_at_stop']:>8.1%}")

    if order_out is not None:
        with open(order_out, "w", encoding="utf-8") as handle:
            handle.writelines(f"{row}\n" for row in runs[0]["order"])
    if second_look_out is not None:
        ranked = second_look_order(features, dict(enumerate(labels)), folds=folds, seed=first_seed)
        with open(second_look_out, "w", encoding="utf-8") as handle:
            json.dump({"flipped": flipped, "excluded_ranked": ranked}, handle)
        top = set(ranked[:max(1, len(ranked) // 20)])
        if flipped:
            lines.append(f"second look: {sum(row in top for row in flipped)} of {len(flipped)} flipped"
                         " records in the first 5 % of the excluded, ranked")
    if as_json:
        report = {
            "dataset": str(path), "records": len(labels), "includes": sum(labels),
            "runs": [{k: v for k, v in r.items() if k != "order"} for r in runs],
            "mean": mean,
        }
        lines.append(json.dumps(report))
    return "\n".join(lines) + "\n"
