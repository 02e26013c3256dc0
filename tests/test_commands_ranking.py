import io
import json

import pytest
from django.core.management import CommandError, call_command

from .conftest import SHARED

KITCHENHAM = SHARED / "data" / "screening" / "kitchenham_2010" / "Kitchenham_2010.csv"


def test_simulate_screening_prints_each_seed_and_the_mean_and_writes_the_order(tmp_path):
    out = io.StringIO()
    order = tmp_path / "order.txt"
    call_command("simulate_screening", str(KITCHENHAM), "--seeds", "2", "--seed", "3", "--order-out", str(order),
                 stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[-3:]] == ["3", "4", "mean"]
    wss = float(lines[-1].split()[1].rstrip("%"))
    assert wss > 50, "Kitchenham: priority order saves more than half the screening at 95 % recall"
    rows = [int(line) for line in order.read_text().splitlines()]
    assert sorted(rows) == list(range(len(rows)))


def test_simulate_screening_ends_with_one_json_line_of_runs_stops_and_their_mean():
    out = io.StringIO()
    call_command("simulate_screening", str(KITCHENHAM), "--seeds", "1", "--seed", "1", "--json", stdout=out)
    report = json.loads(out.getvalue().splitlines()[-1])
    assert (report["records"], report["includes"]) == (1704, 45)
    [run] = report["runs"]
    assert set(run) == {"seed", "wss95", "rrf10", "atd", "stop_at", "recall_at_stop"}
    assert run["seed"] == 1
    assert run["stop_at"] is not None and run["stop_at"] < 1704, "the rule stops before the end"
    assert run["recall_at_stop"] >= 0.95
    assert report["mean"]["wss95"] == run["wss95"]


def test_simulate_screening_with_label_noise_writes_the_second_look(tmp_path):
    out = io.StringIO()
    second_look = tmp_path / "second_look.json"
    call_command("simulate_screening", str(KITCHENHAM), "--seeds", "1", "--seed", "1", "--label-noise", "0.1",
                 "--second-look-out", str(second_look), "--json", stdout=out)
    report = json.loads(out.getvalue().splitlines()[-1])
    looked = json.loads(second_look.read_text())
    assert len(looked["flipped"]) == 4 and report["includes"] == 41  # 10 % of Kitchenham's 45 includes
    assert len(looked["excluded_ranked"]) == 1704 - 41
    assert set(looked["flipped"]) <= set(looked["excluded_ranked"])
    first_twentieth = set(looked["excluded_ranked"][:len(looked["excluded_ranked"]) // 20])
    assert sum(row in first_twentieth for row in looked["flipped"]) >= 2, "most mistakes come up for a second look"


def test_simulate_screening_refuses_label_noise_outside_zero_to_one():
    with pytest.raises(CommandError, match="--label-noise"):
        call_command("simulate_screening", str(KITCHENHAM), "--label-noise", "2")
