"""python manage.py pubmed_search, against the fake E-utilities server."""
import io
import os
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.formats.pubmed_xml import parse_pubmed_xml
from screening.models import Import, Record

from .conftest import REPO_ROOT
from .pubmed.fake_eutils import FakeEutils
from .helpers.pubmed import QUERY, days

MARCH_2021 = days(date(2021, 3, 1), date(2021, 3, 31), 3)  # 93 records


def run(*args):
    out = io.StringIO()
    call_command("pubmed_search", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_the_count_and_translation_and_stores_nothing(ncbi):
    ncbi.add_corpus(QUERY, MARCH_2021)
    out = run(QUERY, "--mindate", "2021/03/10", "--maxdate", "2021/03/19")
    assert "count:       30" in out
    assert f"translation: {QUERY}[All Fields]" in out
    assert Import.objects.count() == 0


def test_it_prints_pubmed_s_warnings(ncbi):
    out = run("nosuchphrasezz")
    assert "count:       0" in out and "nosuchphrasezz" in out.split("warning:", 1)[1]


def test_it_saves_every_record_into_one_pubmed_xml_file(ncbi, tmp_path, monkeypatch):
    from screening.services import pubmed

    monkeypatch.setattr(pubmed, "BATCH_SIZE", 40)
    corpus = ncbi.add_corpus(QUERY, MARCH_2021)
    path = tmp_path / "search.xml"

    out = run(QUERY, "--save", str(path))

    assert "saved:       93 records" in out
    records = list(parse_pubmed_xml(io.StringIO(path.read_text()), filename=path.name))
    assert sorted(r.pmid for r in records) == sorted(str(pmid) for pmid in corpus.published)
    assert not (tmp_path / "search.xml.part").exists()


def test_a_failed_download_leaves_no_file_under_the_name_asked_for(ncbi, tmp_path):
    ncbi.add_corpus(QUERY, MARCH_2021)
    ncbi.fail("efetch.fcgi", "500", times=5)
    with pytest.raises(CommandError, match="PubMed could not be reached"):
        run(QUERY, "--save", str(tmp_path / "search.xml"))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_it_imports_into_a_review_like_the_web_page(ncbi, review):
    ncbi.add_corpus(QUERY, MARCH_2021)
    out = run(QUERY, "--review", str(review.pk))
    assert "imported:    93 records into review" in out
    import_ = Import.objects.get()
    assert (import_.status, import_.database, import_.platform) == (
        Import.Status.IMPORTED, "PubMed", "NCBI E-utilities")
    assert import_.job is None
    assert Record.objects.in_screening().count() == 93


@pytest.mark.django_db
def test_it_fails_clearly(ncbi, review):
    with pytest.raises(CommandError, match="opens a parenthesis"):
        run("(sleep")
    with pytest.raises(CommandError, match="no review 999"):
        run(QUERY, "--review", "999")
    with pytest.raises(CommandError, match="found no records"):
        run("nothingatall", "--review", str(review.pk))
    with pytest.raises(CommandError, match="not a date"):
        run(QUERY, "--mindate", "soon")


def test_the_command_line_reaches_the_server_named_in_ncbi_eutils_url():
    """What `make live-pubmed-check` runs, pointed at the fake server instead of NCBI."""
    server = FakeEutils().start()
    try:
        server.add_corpus('"systematic review"[ti]', {date(2020, 1, 1): 4})
        env = dict(os.environ, NCBI_EUTILS_URL=server.base_url, DEBUG="1")
        result = subprocess.run(
            [sys.executable, "manage.py", "pubmed_search", '"systematic review"[ti]',
             "--mindate", "2020/01/01", "--maxdate", "2020/01/02"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert "count:       4" in result.stdout
    assert [r.params["tool"] for r in server.logged()] == ["reviewapp"]
