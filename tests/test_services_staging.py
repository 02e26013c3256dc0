"""The child process that checks the second half of a large file (no database involved)."""
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from screening.formats import open_export

from .helpers.imports import EXPORTS

REPO_ROOT = Path(__file__).resolve().parent.parent
RIS = EXPORTS / "psycinfo-ebsco" / "CiteSource__gambling-harms_psycinfo_124.ris"


def run_child(tmp_path, start):
    out = tmp_path / "later.copy"
    arguments = {"path": str(RIS), "filename": RIS.name, "format": "ris", "encoding": "utf-8", "start": start,
                 "out_path": str(out), "parent": os.getpid()}
    done = subprocess.run([sys.executable, "-m", "screening.services.staging", json.dumps(arguments)],
                          cwd=REPO_ROOT, capture_output=True, check=True)
    return pickle.loads(done.stdout), out


def test_the_child_stages_its_half_without_the_first_columns_and_tallies_it(tmp_path):
    with RIS.open("rb") as binary:
        whole = open_export(binary, filename=RIS.name)
        first, second = whole.split()
        expected = list(second.records())
    (state, tally), out = run_child(tmp_path, second.start)
    assert state == "ok" and tally.record_count == len(expected) > 0
    assert [line for _number, line in tally.untitled] == [record.line for record in expected if not record.title]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(expected)
    assert [line.split("\t")[0] for line in lines] == [record.title for record in expected]


def test_the_child_reports_a_file_error_with_its_reason(tmp_path):
    (state, (reason, line)), _ = run_child(tmp_path, RIS.stat().st_size)
    assert state == "error" and reason.startswith("expected RIS records") and line is None
