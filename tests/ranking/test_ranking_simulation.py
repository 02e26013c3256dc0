"""Simulated screening on a shared dataset, and the command-line report."""
from pathlib import Path

import pytest

from screening.ranking import choose_priors, featurize, read_screening_csv, run_simulation_cli, simulate

SCREENING_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "screening"
JEYARAMAN = SCREENING_DATA / "jeyaraman_2020" / "Jeyaraman_2020.csv"



@pytest.fixture(scope="module", autouse=True)
def shared_data():
    if not JEYARAMAN.exists():
        from tests.conftest import skip_unless_ci_allows

        skip_unless_ci_allows("shared screening data not mounted")


@pytest.fixture(scope="module")
def jeyaraman():
    texts, labels = read_screening_csv(JEYARAMAN)
    return featurize(texts), labels


@pytest.fixture(scope="module")
def seed_0(jeyaraman):
    features, labels = jeyaraman
    return simulate(features, labels, seed=0)


def test_the_csv_reader_keeps_every_row_and_label(jeyaraman):
    features, labels = jeyaraman
    assert len(labels) == len(features) == 1175
    assert sum(labels) == 96


def test_a_simulation_screens_every_record_once_with_the_priors_first(jeyaraman, seed_0):
    features, labels = jeyaraman
    result = seed_0
    assert sorted(result.order) == list(range(len(labels)))
    assert result.n_priors == 2
    assert [labels[i] for i in result.order[:2]] == [True, False]


def test_the_seed_chooses_the_priors_and_fixes_the_whole_order(jeyaraman, seed_0):
    features, labels = jeyaraman
    assert simulate(features, labels, seed=0) == seed_0
    assert choose_priors(labels, 0) == seed_0.order[:2]
    assert choose_priors(labels, 5) != choose_priors(labels, 0)


def test_simulation_beats_the_measured_floor_on_jeyaraman(jeyaraman, seed_0):
    # Measured with seeds 0 and 1: WSS@95 63.6 % and 63.5 %, RRF@10 about 66 %.
    # Random order scores about 0 % and 10 %.
    features, labels = jeyaraman
    results = [seed_0, simulate(features, labels, seed=1)]
    assert min(r.wss95 for r in results) > 0.58
    assert min(r.rrf10 for r in results) > 0.55
    assert max(r.atd for r in results) < 0.15


def test_the_cli_report_prints_each_seed_and_the_mean_and_writes_the_order(tmp_path):
    order_file = tmp_path / "order.txt"
    report = run_simulation_cli(JEYARAMAN, seeds=2, first_seed=7, order_out=order_file)
    lines = report.splitlines()
    assert "WSS@95" in lines[1] and "RRF@10" in lines[1] and "ATD" in lines[1]
    assert lines[2].split()[0] == "7"
    assert lines[-1].split()[0] == "mean"
    assert [line.split()[0] for line in lines[2:4]] == ["7", "8"]
    rows = [int(line) for line in order_file.read_text().splitlines()]
    assert sorted(rows) == list(range(1175)), "the first seed's order: every row once"
    assert rows == list(simulate(read_screening_csv(JEYARAMAN)[0], read_screening_csv(JEYARAMAN)[1], seed=7).order)
    _, labels = read_screening_csv(JEYARAMAN)
    assert sorted(labels[row] for row in rows[:2]) == [False, True], "priors first: one exclude, one include"
