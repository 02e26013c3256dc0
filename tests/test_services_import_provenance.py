"""Each canonical database once in PRISMA, whatever layout its files came in; a lead's rename
reaches PRISMA; the records export carries each record's import provenance."""
import csv
import datetime
import io

import pytest

from screening.models import Import
from screening.services.imports import import_file_now
from screening.selectors.prisma import prisma_counts

from .helpers.imports import EXPORTS

pytestmark = pytest.mark.django_db

FILES = {
    "wos-plaintext/revtools__restoration_WoS.ciw": 247,
    "wos-tabdelimited/litsearchr__WoS_corecollection.txt": 163,
    "endnote-xml/RefLib__Dump-Converted_test.xml": 25,
    "cochrane/citation-file-formatting___baseline_cochrane_refman.ris": 3,
}


@pytest.fixture
def mixed_review(review):
    for relative in FILES:
        import_file_now(review=review, path=EXPORTS / relative, database="", searched_on=datetime.date(2024, 3, 1))
    return review


def per_database(review):
    return dict(prisma_counts(review).database_specific_results)


def test_each_database_is_one_prisma_row_whatever_layout_its_files_came_in(mixed_review):
    assert per_database(mixed_review) == {
        "Web of Science Core Collection": 247 + 163, "MEDLINE": 25, "Cochrane CENTRAL": 3}


def test_renaming_an_imports_database_moves_its_records_in_prisma(client, mixed_review, carol):
    medline = Import.objects.get(review=mixed_review, database="MEDLINE")
    client.force_login(carol)

    response = client.post(f"/reviews/{mixed_review.pk}/imports/{medline.pk}/database/", {"database": "pubmed"})

    assert response.status_code == 302
    assert per_database(mixed_review)["PubMed"] == 25 and "MEDLINE" not in per_database(mixed_review)


def test_only_a_lead_may_rename_a_database(client, mixed_review, alice):
    medline = Import.objects.get(review=mixed_review, database="MEDLINE")
    client.force_login(alice)
    response = client.post(f"/reviews/{mixed_review.pk}/imports/{medline.pk}/database/", {"database": "Embase"})
    assert response.status_code == 403
    assert Import.objects.get(pk=medline.pk).database == "MEDLINE"


def test_a_rename_to_nothing_is_refused_and_says_so(client, mixed_review, carol):
    medline = Import.objects.get(review=mixed_review, database="MEDLINE")
    client.force_login(carol)
    response = client.post(f"/reviews/{mixed_review.pk}/imports/{medline.pk}/database/", {"database": "  "},
                           follow=True)
    assert "Name the database." in response.content.decode()
    assert Import.objects.get(pk=medline.pk).database == "MEDLINE"


def test_the_records_export_carries_each_records_import_provenance(client, mixed_review, carol):
    Import.objects.filter(review=mixed_review, database="Cochrane CENTRAL").update(platform="Cochrane Library")
    client.force_login(carol)

    response = client.get(f"/reviews/{mixed_review.pk}/export/records.csv")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == sum(FILES.values())
    assert {row["database"] for row in rows} == {"Web of Science Core Collection", "MEDLINE", "Cochrane CENTRAL"}
    assert all(row["searched_on"] == "2024-03-01" for row in rows)
    assert {row["platform"] for row in rows if row["database"] == "Cochrane CENTRAL"} == {"Cochrane Library"}
