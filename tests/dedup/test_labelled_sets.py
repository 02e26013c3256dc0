"""Accuracy floors on the labelled benchmark sets in ../shared/data/dedup.

These run in the normal suite (a few seconds). The full table, with timing and the
other sets, comes from benchmarks/bench_dedup.py.
"""
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dedup import DATA, evaluate, load_gold, load_records, with_review  # noqa: E402

from screening.dedup import find_duplicates, write_clusters_csv  # noqa: E402


def run(name):
    records = load_records(DATA / name)
    gold = load_gold(DATA / name / "merged_record_ids.csv", [r.id for r in records])
    result = find_duplicates(records)
    return records, gold, result


def test_special_cases_merge_exactly_the_gold_groups():
    records, gold, result = run("bibdedupe_special_cases")
    assert [g.ids for g in result.groups] == [
        ("id_0000001", "id_0000002"),  # AMCIS paper and its "Amcis 2017 Proceedings" copy
        ("id_0000005", "id_0000006"),
        ("id_0000007", "id_0000011"),
    ]
    merged = {i for g in result.groups for i in g.ids}
    assert "id_0000003" not in merged  # HICSS minitrack 2021 vs 2022: different DOIs and years
    assert "id_0000012" not in merged  # conference paper vs the later journal paper


def test_written_clusters_read_back_as_the_same_partition(tmp_path):
    records, gold, result = run("bibdedupe_special_cases")
    out = io.StringIO()
    write_clusters_csv(result.groups, out)
    path = tmp_path / "merged_record_ids.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert load_gold(path, [r.id for r in records]) == gold


@pytest.mark.parametrize("name, floor", [
    ("asysd_diabetes", 0.998),
    ("sra_stroke", 0.99),
])
def test_automatic_band_loses_no_work_and_meets_the_sensitivity_floor(name, floor):
    records, gold, result = run(name)
    scores = evaluate(records, gold, [list(g.ids) for g in result.groups])
    assert scores["works_lost"] == 0
    assert scores["pair_precision"] == 1.0
    assert scores["sensitivity"] >= floor


@pytest.mark.parametrize("name", ["asysd_diabetes", "sra_stroke"])
def test_answering_the_review_queue_reaches_the_target_with_a_small_queue(name):
    records, gold, result = run(name)
    scores = evaluate(records, gold, with_review(records, gold, result))
    assert scores["works_lost"] == 0
    assert scores["sensitivity"] >= 0.995
    assert len(result.maybe_pairs) <= 0.02 * len(records)
