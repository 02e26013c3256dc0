"""The PRISMA page, its downloads and the prisma_export command, on the review walked through
every stage (tests/helpers/prisma.py)."""
import csv
import io
import json
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

from screening.prisma.counts import LIST_FIELDS
from screening.prisma.template_csv import TEMPLATE_ROWS

from .helpers.prisma import EXPECTED, add_import

pytestmark = pytest.mark.django_db


def download(client, review, file_format):
    response = client.get(f"/reviews/{review.pk}/prisma/diagram.{file_format}")
    assert response.status_code == 200, file_format
    assert "attachment" in response["Content-Disposition"]
    return response


def every_number():
    """Every number of the walked review's diagram, as the diagram prints it."""
    numbers = set()
    for box, value in EXPECTED.items():
        if box in LIST_FIELDS:
            numbers.update(n for _, n in value)
        elif isinstance(value, int) and not isinstance(value, bool) and not box.startswith(("previous", "total")):
            numbers.add(value)
    return numbers


def test_the_lead_sees_the_diagram_and_that_every_sum_adds_up(client, review, walked, carol):
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/prisma/").content.decode()
    assert "<svg" in html and "PRISMA 2020 flow diagram" in html
    assert "Every sum of the diagram adds up." in html
    for reason in ("Wrong population", "Wrong study design", "Wrong outcome", "MEDLINE", "Embase",
                   "ClinicalTrials.gov"):
        assert reason in html
    for fmt in ("svg", "png", "pdf", "csv", "json"):
        assert f"/prisma/diagram.{fmt}" in html
    assert "Records identified from citation searching" in html  # other methods: shown
    assert "Total studies included in review" not in html  # a new review: no updated-review arm


def test_a_sum_that_does_not_add_up_is_shown_on_the_page(client, review, walked, carol):
    add_import(review, 2, database="MEDLINE", label="Late")  # not screened yet
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/prisma/").content.decode()
    assert 'role="alert"' in html and 'data-box="dbr_sought_reports"' in html
    assert "Reports sought for retrieval (databases and registers) is 5, but records screened (15)" in html
    assert "2 records awaiting a title/abstract decision" in html


def test_the_csv_reads_back_key_by_key_as_the_template(client, review, walked, carol):
    client.force_login(carol)
    rows = list(csv.DictReader(io.StringIO(download(client, review, "csv").content.decode())))
    assert [row["data"] for row in rows] == [template[0] for template in TEMPLATE_ROWS]
    n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    for box, expected in EXPECTED.items():
        if box not in n:
            continue  # not a template field (the human/automation split, included reports) or a flag
        if box in LIST_FIELDS:
            assert n[box] == "; ".join(f"{name}, {count}" for name, count in expected), box
        elif box.startswith(("previous", "total")):
            assert n[box] == "NA", box  # a new review: the updated-review arm is off
        else:
            assert n[box] == str(expected), box


def test_the_svg_is_valid_xml_and_holds_every_number(client, review, walked, carol):
    client.force_login(carol)
    svg = download(client, review, "svg").content.decode()
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(root.itertext())
    for number in every_number():
        assert f"(n = {number:,})" in text or f", {number:,}" in text or f"n = {number:,}" in text, number


def test_png_pdf_and_json_downloads(client, review, walked, carol):
    client.force_login(carol)
    assert download(client, review, "png").content.startswith(b"\x89PNG")
    assert download(client, review, "pdf").content.startswith(b"%PDF")
    data = json.loads(download(client, review, "json").content)
    assert data["records_screened"] == 13 and data["new_studies"] == 2
    assert client.get(f"/reviews/{review.pk}/prisma/diagram.docx").status_code == 404


def test_the_lead_enters_the_previous_version_and_the_diagram_becomes_an_update(client, review, walked, carol):
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/prisma/previous/", {"previous_studies": "7", "previous_reports": "9"})
    assert response.status_code == 302
    data = json.loads(download(client, review, "json").content)
    assert data["previous"] is True and data["total_studies"] == 7  # no search update imported yet
    assert client.post(f"/reviews/{review.pk}/prisma/previous/", {"previous_studies": "-1"}).status_code == 302
    review.refresh_from_db()
    assert review.previous_studies == 7


def test_the_command_writes_each_format(review, walked, tmp_path, capsys):
    call_command("prisma_export", str(review.pk), "--format", "csv")
    assert "records_screened" in capsys.readouterr().out
    call_command("prisma_export", str(review.pk), "--format", "json", "--output", str(tmp_path / "p.json"))
    assert json.loads((tmp_path / "p.json").read_text())["dbr_assessed"] == 4
    call_command("prisma_export", str(review.pk), "--format", "svg")
    ElementTree.fromstring(capsys.readouterr().out)


def test_the_command_reports_sums_that_do_not_add_up(review, walked, capsys):
    add_import(review, 1, database="MEDLINE", label="Late")
    call_command("prisma_export", str(review.pk), "--format", "json")
    assert "Does not add up" in capsys.readouterr().err


def test_the_dashboard_shows_the_lead_the_headline_numbers(client, review, walked, carol, alice):
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "2 studies (3 reports) included" in html and "Every sum adds up." in html
    client.force_login(alice)
    html = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "studies (3 reports)" not in html and "8 reports sought" in html
