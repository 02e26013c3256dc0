"""The five labelled screening sets the benchmarks read (../shared/data/screening), in one place."""
import csv
from pathlib import Path

SCREENING_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "screening"
SCREENING_SETS = [
    "nagtegaal_2019/Nagtegaal_2019.csv",
    "cohen_2006_ppi/Cohen_2006_ProtonPumpInhibitors.csv",
    "kitchenham_2010/Kitchenham_2010.csv",
    "bannach_brown_2019/Bannach-Brown_2019.csv",
    "jeyaraman_2020/Jeyaraman_2020.csv",
]


def real_records(count):
    """Return `count` (title, abstract, included) rows: the sets in turn, again from the first
    when they run out (so a larger count repeats real texts)."""
    rows = []
    while len(rows) < count:
        for name in SCREENING_SETS:
            with open(SCREENING_DATA / name, newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    rows.append((row.get("title") or "", row.get("abstract") or "", row.get("label_included") == "1"))
                    if len(rows) == count:
                        return rows
    return rows
