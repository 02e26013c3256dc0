import pytest

from screening.models import Import, Job, Record
from screening.services import jobs

from .helpers.imports import EMBASE_RIS, PUBMED_NBIB, upload, upload_text

pytestmark = pytest.mark.django_db


def upload_files(client, review, *files, identified_via="database"):
    return client.post(f"/reviews/{review.pk}/imports/upload/",
                       {"files": list(files), "identified_via": identified_via})


def run_pending_jobs():
    for job in Job.objects.filter(status=Job.Status.PENDING).order_by("pk"):
        jobs.job_run(job_id=job.pk)


def test_uploading_shows_the_check_report_before_anything_is_stored(client, review, carol):
    client.force_login(carol)
    response = upload_files(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))
    check_url = response["Location"]
    waiting = client.get(check_url)
    assert b"Reading 2 files" in waiting.content
    run_pending_jobs()
    page = client.get(check_url).content.decode()
    assert "asreview__embase.ris" in page and "biopython__pubmed_result2.txt" in page
    assert "Confirm and import" in page
    assert 'class="record-count">6<' in page and 'class="record-count">4<' in page
    assert Record.objects.count() == 0


def test_confirming_imports_and_the_list_shows_counts_per_database(client, review, carol):
    client.force_login(carol)
    check_url = upload_files(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))["Location"]
    run_pending_jobs()
    ris, nbib = Import.objects.order_by("pk")
    response = client.post(check_url, {
        f"i{ris.pk}-include": "on", f"i{ris.pk}-database": "Embase", f"i{ris.pk}-platform": "Embase.com",
        f"i{ris.pk}-identified_via": "database", f"i{ris.pk}-searched_on": "2024-03-01",
        f"i{ris.pk}-search_string": "'blue light'/exp",
        f"i{nbib.pk}-include": "on", f"i{nbib.pk}-database": "MEDLINE", f"i{nbib.pk}-platform": "PubMed",
        f"i{nbib.pk}-identified_via": "database",
    })
    assert response["Location"] == f"/reviews/{review.pk}/imports/"
    run_pending_jobs()
    page = client.get(response["Location"]).content.decode()
    assert "Embase" in page and "MEDLINE" in page
    ris.refresh_from_db()
    assert str(ris.searched_on) == "2024-03-01" and ris.search_string == "'blue light'/exp"
    assert Record.objects.filter(source_import=ris).count() == 6
    assert Record.objects.filter(source_import=nbib).count() == 4


def test_the_lead_marks_an_import_as_a_search_update_from_other_methods(client, review, carol):
    client.force_login(carol)
    check_url = upload_files(client, review, upload(EMBASE_RIS))["Location"]
    run_pending_jobs()
    ris = Import.objects.get()
    client.post(check_url, {f"i{ris.pk}-include": "on", f"i{ris.pk}-database": "Reference lists",
                            f"i{ris.pk}-identified_via": "citation", f"i{ris.pk}-is_update": "on"})
    ris.refresh_from_db()
    assert (ris.identified_via, ris.is_update) == ("citation", True)


def test_unticked_files_are_not_imported(client, review, carol):
    client.force_login(carol)
    check_url = upload_files(client, review, upload(EMBASE_RIS), upload(PUBMED_NBIB))["Location"]
    run_pending_jobs()
    ris, nbib = Import.objects.order_by("pk")
    client.post(check_url, {f"i{ris.pk}-include": "on", f"i{ris.pk}-database": "Embase",
                            f"i{ris.pk}-identified_via": "database",
                            f"i{nbib.pk}-database": "MEDLINE", f"i{nbib.pk}-identified_via": "database"})
    nbib.refresh_from_db()
    assert nbib.status == Import.Status.CANCELLED


def test_re_importing_the_same_content_needs_consent(client, review, carol):
    from screening.services.imports import import_file_now

    import_file_now(review=review, path=EMBASE_RIS, database="Embase")
    client.force_login(carol)
    check_url = upload_files(client, review, upload(EMBASE_RIS, name="again.ris"))["Location"]
    run_pending_jobs()
    again = Import.objects.get(filename="again.ris")
    fields = {f"i{again.pk}-include": "on", f"i{again.pk}-database": "Embase",
              f"i{again.pk}-identified_via": "database"}
    refused = client.post(check_url, fields)
    assert b"was imported into this review before" in refused.content
    again.refresh_from_db()
    assert again.status == Import.Status.CHECKED
    client.post(check_url, fields | {f"i{again.pk}-import_again": "on"})
    again.refresh_from_db()
    assert again.status == Import.Status.QUEUED


def test_an_unreadable_upload_says_which_file_and_why(client, review, carol):
    client.force_login(carol)
    check_url = upload_files(client, review, upload_text("scan.png", "\x89PNG\r\n\x1a\n....IHDR"))["Location"]
    run_pending_jobs()
    page = client.get(check_url).content.decode()
    assert "This file cannot be imported" in page and "scan.png" in page


def test_an_empty_upload_is_refused_with_a_message(client, review, carol):
    client.force_login(carol)
    response = upload_files(client, review, upload_text("empty.ris", ""))
    assert response.status_code == 302
    assert Import.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "empty.ris: the file is empty" in page


def test_records_export_as_ris_and_csv_for_a_lead(client, review, carol):
    from screening.services.imports import import_file_now

    import_file_now(review=review, path=PUBMED_NBIB, database="MEDLINE")
    client.force_login(carol)
    ris = b"".join(client.get(f"/reviews/{review.pk}/export/records.ris").streaming_content).decode()
    csv_text = b"".join(client.get(f"/reviews/{review.pk}/export/records.csv").streaming_content).decode()
    assert ris.count("ER  -") == 4
    assert csv_text.splitlines()[0].startswith("title,abstract,authors")
    assert len([line for line in csv_text.splitlines() if line]) >= 5
    assert client.get(f"/reviews/{review.pk}/export/records.exe").status_code == 404
