"""Accuracy floors on the labelled benchmark sets in ../shared/data/dedup.

These run in the normal suite (a few seconds). The full table, with timing and the
other sets, comes from benchmarks/bench_dedup.py.

Works lost count merges only: a linked notice is not lost, it stays with its article.
Sensitivity counts a linked notice as joined to its article, as the gold counts errata
and replies as duplicates of their article.
"""
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_dedup import DATA, evaluate, joined, load_gold, load_records, with_review

from screening.dedup import find_duplicates, write_clusters_csv


def run(name):
    records = load_records(DATA / name)
    gold = load_gold(DATA / name / "merged_record_ids.csv", [r.id for r in records])
    result = find_duplicates(records)
    return records, gold, result


def test_special_cases_merge_exactly_the_gold_groups():
    _, _, result = run("bibdedupe_special_cases")
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


SETS = [
    # name, sensitivity floor with notice links joined
    ("asysd_diabetes", 0.998),
    ("sra_stroke", 0.99),
    ("sra_cytology_screening", 0.99),
    ("sra_respiratory", 0.98),
    ("sra_haematology", 0.91),
]


@pytest.mark.parametrize("name, floor", SETS)
def test_automatic_band_loses_no_work_and_meets_the_sensitivity_floor(name, floor):
    records, gold, result = run(name)
    merges = evaluate(records, gold, [list(g.ids) for g in result.groups])
    assert merges["works_lost"] == 0
    assert merges["pair_precision"] == 1.0
    assert evaluate(records, gold, joined(records, result))["sensitivity"] >= floor


@pytest.mark.parametrize("name", [name for name, _ in SETS])
def test_answering_the_review_queue_reaches_the_target_with_a_small_queue(name):
    records, gold, result = run(name)
    assert evaluate(records, gold, with_review(records, gold, result, join_notices=False))["works_lost"] == 0
    assert evaluate(records, gold, with_review(records, gold, result))["sensitivity"] >= 0.995
    assert len(result.maybe_pairs) <= 0.03 * len(records)


def test_notices_in_the_haematology_set_are_linked_not_merged():
    _, _, result = run("sra_haematology")
    merged = {i for g in result.groups for i in g.ids}
    kinds = {(link.notice_id, link.kind) for link in result.notices}
    # "... - Reply" to a letter, and an erratum citing "(vol 360, pg 542, 2009)".
    assert {("id_0000039", "reply"), ("id_0000058", "erratum")} <= kinds
    assert not any(link.notice_id in merged and link.article_id in merged and any(
        {link.notice_id, link.article_id} <= set(g.ids) for g in result.groups) for link in result.notices)
