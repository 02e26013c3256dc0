"""Uploads left at the check: the lead discards them, and a day later they go by themselves."""
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from screening.models import Import, Record
from screening.services.imports import import_file_now, imports_discard_stale, staged_rows_path

from .helpers.imports import EMBASE_RIS, PUBMED_NBIB, TWO_RIS_RECORDS, upload, upload_text
from .test_views_imports import run_pending_jobs, upload_files

pytestmark = pytest.mark.django_db


def checked_upload(client, review, *files):
    check_url = upload_files(client, review, *files)["Location"]
    run_pending_jobs()
    return check_url


def test_the_lead_discards_an_upload_at_the_check_and_its_file_is_deleted(client, review, carol):
    client.force_login(carol)
    check_url = checked_upload(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))
    ris, nbib = Import.objects.order_by("pk")
    stored, staged = Path(ris.file.path), staged_rows_path(ris)
    assert stored.exists() and staged.exists()
    response = client.post(f"/reviews/{review.pk}/imports/{ris.pk}/discard/", {"job_id": response_job(check_url)},
                           follow=True)
    page = response.content.decode()
    assert "asreview__embase.ris was discarded: the upload and its stored file are deleted." in page
    assert response.redirect_chain[-1][0] == check_url
    assert "biopython__pubmed_result2.txt" in page and 'id="check-%d"' % ris.pk not in page
    assert not Import.objects.filter(pk=ris.pk).exists() and not stored.exists() and not staged.exists()
    assert Import.objects.filter(pk=nbib.pk, status=Import.Status.CHECKED).exists()
    assert Record.objects.count() == 0


def response_job(check_url):
    return check_url.rstrip("/").rsplit("/", 1)[-1]


def test_the_import_list_offers_discard_for_an_upload_awaiting_confirmation(client, review, carol):
    client.force_login(carol)
    checked_upload(client, review, upload(EMBASE_RIS))
    import_ = Import.objects.get()
    page = client.get(f"/reviews/{review.pk}/imports/").content.decode()
    assert "Awaiting confirmation" in page and f"/imports/{import_.pk}/discard/" in page
    response = client.post(f"/reviews/{review.pk}/imports/{import_.pk}/discard/", follow=True)
    assert response.redirect_chain[-1][0] == f"/reviews/{review.pk}/imports/"
    assert "was discarded" in response.content.decode() and not Import.objects.exists()


def test_a_confirmed_import_cannot_be_discarded_and_the_lead_is_told(client, review, carol):
    imported = import_file_now(review=review, path=EMBASE_RIS, database="Embase")
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/imports/{imported.pk}/discard/", follow=True)
    assert "was not discarded: it is no longer awaiting confirmation" in response.content.decode()
    assert Record.objects.filter(source_import=imported).count() == 6


def test_a_reviewer_cannot_discard_and_a_get_deletes_nothing(client, review, carol, alice):
    client.force_login(carol)
    checked_upload(client, review, upload(EMBASE_RIS))
    import_ = Import.objects.get()
    assert client.get(f"/reviews/{review.pk}/imports/{import_.pk}/discard/").status_code == 405
    client.force_login(alice)
    assert client.post(f"/reviews/{review.pk}/imports/{import_.pk}/discard/").status_code == 403
    assert Import.objects.filter(pk=import_.pk).exists()


def test_uploads_left_unconfirmed_for_a_day_are_discarded_and_newer_ones_kept(review, carol, client):
    client.force_login(carol)
    checked_upload(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))
    old, recent = Import.objects.order_by("pk")
    Import.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    Import.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(hours=23))
    imported = import_file_now(review=review, path=EMBASE_RIS, database="Embase")
    Import.objects.filter(pk=imported.pk).update(created_at=timezone.now() - timedelta(days=30))
    assert imports_discard_stale() == 1
    assert set(Import.objects.values_list("pk", flat=True)) == {recent.pk, imported.pk}
    assert not Path(old.file.path).exists()


def test_a_new_upload_discards_the_stale_ones(client, review, carol):
    client.force_login(carol)
    checked_upload(client, review, upload(EMBASE_RIS))
    Import.objects.update(created_at=timezone.now() - timedelta(days=2))
    checked_upload(client, review, upload_text("two.ris", TWO_RIS_RECORDS))
    assert list(Import.objects.values_list("filename", flat=True)) == ["two.ris"]


def test_the_discard_stale_uploads_command_says_how_many_it_discarded(client, review, carol):
    client.force_login(carol)
    checked_upload(client, review, upload(EMBASE_RIS))
    Import.objects.update(created_at=timezone.now() - timedelta(hours=3))
    out = StringIO()
    call_command("discard_stale_uploads", stdout=out)
    assert out.getvalue().strip() == "Discarded 0 unconfirmed uploads."
    call_command("discard_stale_uploads", "--hours", "2", stdout=out)
    assert "Discarded 1 unconfirmed upload." in out.getvalue()
    assert not Import.objects.exists()


def test_import_it_again_anyway_shows_only_for_a_file_imported_before(client, review, carol):
    import_file_now(review=review, path=EMBASE_RIS, database="Embase")
    client.force_login(carol)
    check_url = checked_upload(client, review, upload(EMBASE_RIS, name="again.ris"), upload(PUBMED_NBIB))
    again, fresh = Import.objects.filter(status=Import.Status.CHECKED).order_by("pk")
    page = client.get(check_url).content.decode()
    assert f'name="i{again.pk}-import_again"' in page
    assert f'name="i{fresh.pk}-import_again"' not in page
    assert page.count("Import it again anyway") == 1


def test_the_check_page_is_one_card_per_file_with_coverage_folded(client, review, carol):
    client.force_login(carol)
    check_url = checked_upload(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))
    page = client.get(check_url).content.decode()
    assert page.count('class="panel check-card"') == 2
    assert page.count('<details class="coverage">') == 2 and "<details class=\"coverage\" open" not in page
    assert page.count("Confirm and import") == 1


def test_the_import_list_stacks_on_a_phone_with_labelled_cells(client, review, carol):
    import_file_now(review=review, path=EMBASE_RIS, database="Embase")
    client.force_login(carol)
    page = client.get(f"/reviews/{review.pk}/imports/").content.decode()
    assert 'class="table stack" id="imports"' in page and 'data-label="Status"' in page
