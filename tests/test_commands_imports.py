import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.models import Record, Review

from .imports_helpers import EMBASE_RIS, PUBMED_NBIB

SAMPLES = Path(__file__).parent / "formats" / "samples"


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_inspect_export_prints_the_check_report():
    out = run("inspect_export", str(EMBASE_RIS))
    assert "Records:   6" in out and "(ris)" in out and "title" in out


def test_inspect_export_json_prints_one_object_per_record():
    lines = run("inspect_export", str(PUBMED_NBIB), "--json").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 4
    assert {"title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
            "database"} <= set(records[0])


def test_inspect_export_fails_clearly_on_unreadable_input(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    with pytest.raises(CommandError, match="notes.pdf"):
        run("inspect_export", str(path))


@pytest.mark.django_db
def test_import_export_imports_in_the_foreground(review):
    out = run("import_export", str(review.pk), str(EMBASE_RIS), "--database", "Embase", "--searched-on", "2024-02-01")
    assert "Imported 6 records" in out
    assert Record.objects.filter(review=review).count() == 6


@pytest.mark.django_db
def test_import_export_refuses_a_missing_review():
    with pytest.raises(CommandError, match="no review 999"):
        run("import_export", "999", str(EMBASE_RIS), "--database", "Embase")


@pytest.mark.django_db
def test_seed_demo_without_files_builds_a_labelled_synthetic_review():
    out = run("seed_demo").splitlines()
    review = Review.objects.get(pk=int(out[-1]))
    titles = list(review.records.values_list("title", flat=True))
    assert len(titles) == 95
    assert all(title.startswith("[SYNTHETIC DEMO]") for title in titles)
    assert review.memberships.count() == 3
    assert sum("password:" in line for line in out) == 3


@pytest.mark.django_db
def test_seed_demo_imports_the_given_files():
    out = run("seed_demo", str(EMBASE_RIS), str(PUBMED_NBIB)).splitlines()
    review = Review.objects.get(pk=int(out[-1]))
    assert review.records.count() == 10


ENDNOTE_TAGGED = SAMPLES / "endnote_desktop_pubmed.enw"  # 2 records
CSL_JSON = SAMPLES / "mendeley_pubmed.json"  # 3 records


@pytest.mark.parametrize(("path", "format_name", "count"), [(ENDNOTE_TAGGED, "endnote_tagged", 2),
                                                           (CSL_JSON, "csl_json", 3)])
def test_inspect_export_reads_endnote_tagged_and_csl_json(path, format_name, count):
    out = run("inspect_export", str(path))
    assert f"Records:   {count}" in out and f"({format_name})" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "count"), [(ENDNOTE_TAGGED, 2), (CSL_JSON, 3)])
def test_import_export_stores_endnote_tagged_and_csl_json_records(review, path, count):
    out = run("import_export", str(review.pk), str(path), "--database", "PubMed")
    assert f"Imported {count} records" in out
    assert set(Record.objects.filter(review=review).values_list("pmid", flat=True)) >= {"15301568"}
