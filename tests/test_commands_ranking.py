import io

from django.core.management import call_command

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
