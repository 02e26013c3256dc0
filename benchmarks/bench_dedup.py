"""Benchmark the dedup engine on the labelled sets in ../shared/data/dedup.

    .venv/bin/python benchmarks/bench_dedup.py              # every labelled set
    .venv/bin/python benchmarks/bench_dedup.py --synthetic 100000
    .venv/bin/python benchmarks/bench_dedup.py --only sra_stroke --errors

Each set runs in its own process, so "peak MB" is that run's peak RSS (loading the
CSV included). Scores are against the gold partition (clusters), with the kept record
chosen by ``choose_primary``, never by a gold label (docs/dedup.md section 6).
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.dedup import DedupRecord, choose_primary, find_duplicates  # noqa: E402
from screening.dedup.blocking import candidate_pairs  # noqa: E402
from screening.dedup.clusters import connected_components  # noqa: E402
from screening.dedup.keys import record_keys  # noqa: E402
from screening.dedup.normalise import split_author_field  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "dedup"
LABELLED = ("asysd_diabetes", "sra_respiratory", "sra_stroke", "sra_haematology",
            "sra_cytology_screening", "bibdedupe_special_cases")


def _value(row: dict, *names: str) -> str:
    for name in names:
        value = (row.get(name) or "").strip()
        if value and value != "NA":
            return value
    return ""


def record_from_row(row: dict) -> DedupRecord:
    """Build a DedupRecord from a row of either benchmark CSV layout."""
    record_id = row.get("ID") or f"id_{int(row['record_id']):07d}"
    year = _value(row, "year")
    return DedupRecord(
        id=record_id,
        title=_value(row, "title"),
        authors=split_author_field(_value(row, "author")),
        year=int(year) if year.isdigit() else None,
        journal=_value(row, "journal", "booktitle"),
        volume=_value(row, "volume"),
        issue=_value(row, "number", "issue"),
        pages=_value(row, "pages"),
        doi=_value(row, "doi"),
        issn=tuple(_value(row, "isbn").splitlines()),
        abstract=_value(row, "abstract"),
    )


def load_records(folder: Path) -> list[DedupRecord]:
    if (folder / "records_pre_merged.csv").exists():
        with (folder / "records_pre_merged.csv").open(encoding="utf-8", newline="") as f:
            return [record_from_row(row) for row in csv.DictReader(f)]
    with (folder / "labelled_test_set.csv").open(encoding="cp1252", newline="") as f:
        return [record_from_row(row) for row in csv.DictReader(f)]


def load_gold(path: Path, ids) -> dict[str, str]:
    """Return record id -> gold work id (singletons are their own work)."""
    work = {i: i for i in ids}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            members = row["merged_ids"].split(";")
            for m in members:
                work[m] = members[0]
    return work


def evaluate(records, gold: dict[str, str], clusters: list[list[str]]) -> dict:
    """Score predicted clusters (lists of ids) against the gold work of each id."""
    by_id = {r.id: r for r in records}
    survivors = {r.id for r in records}
    for cluster in clusters:
        keep = choose_primary([by_id[i] for i in cluster])
        survivors.difference_update(i for i in cluster if i != keep)
    members = defaultdict(list)
    for r in records:
        members[gold[r.id]].append(r.id)
    removable = len(records) - len(members)
    lost = sum(1 for ids in members.values() if not survivors.intersection(ids))
    removed_ok = sum(len(ids) - max(1, len(survivors.intersection(ids))) for ids in members.values())
    gold_pairs = {p for ids in members.values() for p in combinations(sorted(ids), 2)}
    predicted = {p for c in clusters for p in combinations(sorted(c), 2)}
    true = len(gold_pairs & predicted)
    return {
        "works_lost": lost,
        "missed": removable - removed_ok,
        "sensitivity": removed_ok / removable if removable else 1.0,
        "pair_precision": true / len(predicted) if predicted else 1.0,
        "pair_recall": true / len(gold_pairs) if gold_pairs else 1.0,
        "false_pairs": sorted(predicted - gold_pairs),
        "missed_pairs": sorted(gold_pairs - predicted),
    }


def joined(records, result) -> list[list[str]]:
    """Return the groups with each linked notice joined to its article's group.

    A linked notice leaves screening with its article, so it counts as removed like a
    duplicate (the Haematology gold counts errata and replies as duplicates).
    """
    index = {r.id: n for n, r in enumerate(records)}
    edges = [(index[a], index[b]) for g in result.groups for a, b in zip(g.ids, g.ids[1:])]
    edges += [(index[link.notice_id], index[link.article_id]) for link in result.notices]
    return [[records[i].id for i in c] for c in connected_components(len(records), edges)]


def with_review(records, gold, result, join_notices: bool = True) -> list[list[str]]:
    """Return the clusters after a perfect reviewer answers every maybe pair, with the
    notice links joined unless ``join_notices`` is False."""
    index = {r.id: n for n, r in enumerate(records)}
    edges = [(index[a], index[b]) for g in result.groups for a, b in combinations(g.ids, 2)]
    if join_notices:
        edges += [(index[link.notice_id], index[link.article_id]) for link in result.notices]
    edges += [(index[p.id_a], index[p.id_b]) for p in result.maybe_pairs
              if gold[p.id_a] == gold[p.id_b]]
    return [[records[i].id for i in c] for c in connected_components(len(records), edges)]


def pair_completeness(records, gold) -> float:
    ordered = sorted(records, key=lambda r: r.id)
    keys = [record_keys(r) for r in ordered]
    found = {(ordered[i].id, ordered[j].id) for i, j in candidate_pairs(keys, [True] * len(keys))}
    members = defaultdict(list)
    for r in ordered:
        members[gold[r.id]].append(r.id)
    gold_pairs = {p for ids in members.values() for p in combinations(sorted(ids), 2)}
    return len(gold_pairs & found) / len(gold_pairs) if gold_pairs else 1.0


def run_one(name: str, show_errors: bool = False, synthetic: int = 0) -> dict:
    if synthetic:
        from synthetic_dedup import build_synthetic
        records, gold = build_synthetic(DATA, synthetic)
    else:
        records = load_records(DATA / name)
        gold = load_gold(DATA / name / "merged_record_ids.csv", [r.id for r in records])
    start, cpu_start = time.perf_counter(), time.process_time()
    result = find_duplicates(records)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    merged = evaluate(records, gold, [list(g.ids) for g in result.groups])
    auto = evaluate(records, gold, joined(records, result))
    reviewed = evaluate(records, gold, with_review(records, gold, result))
    reviewed_merges = evaluate(records, gold, with_review(records, gold, result, join_notices=False))
    row = {
        "dataset": name, "records": len(records),
        # A linked notice is not lost: it stays, shown with its article. Works lost count
        # merges only; links between records the gold keeps apart are counted separately.
        "works_lost": merged["works_lost"], "missed": auto["missed"],
        "links_apart": sum(1 for link in result.notices if gold[link.notice_id] != gold[link.article_id]),
        "sensitivity": auto["sensitivity"], "sensitivity_merged": merged["sensitivity"],
        "notices": len(result.notices), "retracted": len(result.retracted),
        "pair_precision": auto["pair_precision"], "pair_recall": auto["pair_recall"],
        "queue": len(result.maybe_pairs), "queue_pct": 100 * len(result.maybe_pairs) / max(1, len(records)),
        "lost_reviewed": reviewed_merges["works_lost"],
        "sensitivity_reviewed": reviewed["sensitivity"],
        "candidates": result.candidate_pairs,
        "completeness": pair_completeness(records, gold) if not synthetic else None,
        "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_mb,
    }
    if show_errors:
        by_id = {r.id: r for r in records}
        rules = {(p.id_a, p.id_b): p.reasons[0].rule for g in result.groups for p in g.pairs}
        for link in result.notices:
            print(f"--- NOTICE {link.notice_id} -> {link.article_id} {link.kind} {link.evidence}", file=sys.stderr)
        maybe = {(p.id_a, p.id_b): p.reasons[0].rule for p in result.maybe_pairs}
        from screening.dedup.scoring import compare
        for label, pairs in (("FALSE MERGE", auto["false_pairs"]), ("MISSED", auto["missed_pairs"])):
            for a, b in pairs:
                c = compare(record_keys(by_id[a]), record_keys(by_id[b]))
                where = "group" if (a, b) in rules else "queue" if (a, b) in maybe else "-"
                print(f"--- {label} {a} {b} {where} {c.rule} {c.scores}", file=sys.stderr)
                for r in (by_id[a], by_id[b]):
                    print(f"    {r.title[:110]!r} | {r.authors[:2]} | {r.year} | {r.journal[:40]!r} "
                          f"v{r.volume} i{r.issue} p{r.pages} | {r.doi[:40]}", file=sys.stderr)
    return row


COLUMNS = (("dataset", "{:<24}"), ("records", "{:>7}"), ("works_lost", "{:>5}"),
           ("missed", "{:>6}"), ("sensitivity", "{:>6.4f}"), ("sensitivity_merged", "{:>6.4f}"),
           ("notices", "{:>6}"), ("links_apart", "{:>6}"), ("retracted", "{:>6}"), ("pair_precision", "{:>6.3f}"),
           ("pair_recall", "{:>6.3f}"), ("queue", "{:>6}"), ("queue_pct", "{:>5.2f}%"), ("lost_reviewed", "{:>5}"),
           ("sensitivity_reviewed", "{:>6.4f}"), ("candidates", "{:>8}"),
           ("completeness", "{:>6.3f}"), ("seconds", "{:>6.2f}"), ("cpu_seconds", "{:>6.2f}"), ("peak_mb", "{:>6.0f}"))
HEADER = ("dataset", "records", "lost", "missed", "sens", "sensM", "notic", "nApart", "retr", "pPrec", "pRec", "queue",
          "queue%", "lostR",
          "sensR", "cands", "pcompl", "sec", "cpu_s", "MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run one labelled set in this process")
    parser.add_argument("--errors", action="store_true", help="print false merges and missed pairs")
    parser.add_argument("--synthetic", type=int, default=0, help="also run N synthetic records")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        row = run_one(args.only, args.errors, synthetic=args.synthetic if args.only == "synthetic" else 0)
        print(json.dumps(row) if args.json else row)
        return
    names = list(LABELLED) + (["synthetic"] if args.synthetic else [])
    print(" ".join(f"{h:>{6 if i else 24}}" if i else f"{h:<24}" for i, h in enumerate(HEADER)))
    for name in names:
        cmd = [sys.executable, __file__, "--only", name, "--json"]
        if name == "synthetic":
            cmd += ["--synthetic", str(args.synthetic)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(" ".join("{:>6}".format("-") if row[c] is None else fmt.format(row[c]) for c, fmt in COLUMNS))


if __name__ == "__main__":
    main()
