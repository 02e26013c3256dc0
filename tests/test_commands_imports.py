import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.models import Record, Review

from .helpers.imports import EMBASE_RIS, PUBMED_NBIB

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


def test_inspect_export_refuses_a_file_cut_off_inside_a_record(tmp_path):
    path = tmp_path / "savedrecs.txt"
    path.write_text("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Blue light and sleep\nER\n\n"
                    "PT J\nTI Amber lenses for insomnia\nAB Forty adults were rand")
    with pytest.raises(CommandError, match=r"^savedrecs.txt, line 7: the file ends inside the record starting at "
                                           r"line 7 \(“Amber lenses for insomnia”\)"):
        run("inspect_export", str(path))


def test_inspect_export_lists_records_with_nothing_to_screen(tmp_path):
    path = tmp_path / "zotero.bib"
    path.write_text("@article{a, title={Blue light and sleep}}\n@article{b, author={Smith, Anna}, year={2020}}\n")
    out = run("inspect_export", str(path))
    assert "1 record(s) with neither a title nor an abstract, nothing a reviewer could screen (line 2)" in out


@pytest.mark.django_db
def test_import_export_prints_the_warnings_and_refuses_unscreenable_files(review, tmp_path):
    mixed = tmp_path / "mixed.ris"
    mixed.write_text("TY  - JOUR\nTI  - Blue light and sleep\nER  - \nTY  - JOUR\nAU  - Smith, A\nER  - \n")
    err = io.StringIO()
    call_command("import_export", str(review.pk), str(mixed), "--database", "Embase", stdout=io.StringIO(), stderr=err)
    expected = "1 record(s) with neither a title nor an abstract, nothing a reviewer could screen (line 4)"
    assert expected in err.getvalue()
    junk = tmp_path / "junk.ris"
    junk.write_text("TY  - " + "z" * 2_000_000 + "\nER  - \n")
    with pytest.raises(CommandError, match="junk.ris, line 1: none of the 1 record"):
        call_command("import_export", str(review.pk), str(junk), "--database", "Embase", stdout=io.StringIO())
    assert Record.objects.filter(review=review).count() == 2


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
