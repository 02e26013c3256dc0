"""PRISMA and full text in a real browser: reviewers attach and screen full texts, the lead
opens the PRISMA page, sees the diagram and downloads the SVG and the template CSV."""
import csv
import io
from xml.etree import ElementTree

import pytest

from screening.models import RecordStage
from screening.services import decisions

from ..conftest import password_of
from ..helpers.prisma import walk_review
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_lead_opens_the_prisma_page_sees_the_diagram_and_downloads_svg_and_csv(
        page, live_server, review, alice, bob, carol, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    walk_review(review, alice=alice, bob=bob, carol=carol)
    sign_in(page, live_server, carol.username, password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    page.get_by_role("link", name="PRISMA 2020 diagram").click()
    page.get_by_role("heading", name="PRISMA 2020 flow diagram").wait_for()
    diagram = page.locator("#prisma-diagram svg")
    assert diagram.is_visible() and diagram.bounding_box()["width"] > 300
    text = " ".join(diagram.text_content().split())
    assert "Records screened (n = 13)" in text and "Wrong study design (n = 1)" in text
    assert page.get_by_role("status").inner_text() == "Every sum of the diagram adds up."

    with page.expect_download() as svg_download:
        page.get_by_role("link", name="SVG").click()
    svg = open(svg_download.value.path(), encoding="utf-8").read()
    assert ElementTree.fromstring(svg).tag.endswith("svg") and "(n = 16)" in svg
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV (PRISMA2020 template)").click()
    assert csv_download.value.suggested_filename.endswith("-prisma2020.csv")
    rows = {row["data"]: row["n"] for row in csv.DictReader(io.StringIO(open(csv_download.value.path()).read()))}
    assert rows["records_screened"] == "13" and rows["dbr_excluded"] == "Wrong population, 1; Wrong study design, 1"


def test_reviewers_attach_and_screen_full_texts_and_the_diagram_follows(
        browser, live_server, review, alice, bob, carol):
    review.order = "import"
    review.exclusion_reasons = ["Wrong population", "Wrong outcome"]
    review.save()
    records = make_records(review, 3)
    for record in records[:2]:
        decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
    decisions.outcome_resolve(lead=carol, review=review, record=records[2], verdict="exclude")

    for user in (alice, bob):
        context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        context.set_default_timeout(10_000)
        page = context.new_page()
        sign_in(page, live_server, user.username, password_of(user))
        if user == alice:
            page.goto(f"{live_server.url}/reviews/{review.pk}/fulltext/")
            item = page.locator(f"#report-{records[0].pk}")
            item.locator("summary").click()  # the forms stay folded until used
            item.get_by_label("or a link to the full text").fill("https://example.org/first.pdf")
            item.get_by_role("button", name="Attach full text").click()
            page.get_by_text("Full text attached to").wait_for()
            item = page.locator(f"#report-{records[1].pk}")
            item.locator("summary").click()
            item.get_by_label("Why it could not be retrieved").fill("No library access; author did not reply")
            item.get_by_role("button", name="Mark not retrieved").click()
            page.get_by_text("marked as not retrieved").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        open_screen(page, f"{live_server.url}/reviews/{review.pk}/fulltext/screen/")
        assert page.get_by_role("link", name="Open the full text (link)").get_attribute("href") == \
            "https://example.org/first.pdf"
        page.get_by_label("Reason (required to exclude)").select_option("Wrong outcome")
        page.get_by_role("button", name="Exclude").click()
        page.get_by_role("heading", name="Nothing left to screen").wait_for()
        context.close()
    stage = RecordStage.objects.get(record=records[0], stage="full_text")
    assert (stage.outcome, stage.resolution_reason) == ("excluded", "Wrong outcome")

    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_server, carol.username, password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/prisma/")
    assert page.get_by_role("status").inner_text() == "Every sum of the diagram adds up."
    text = " ".join(page.locator("#prisma-diagram svg").text_content().split())
    assert "Wrong outcome (n = 1)" in text and "Reports not retrieved (n = 1)" in text
    context.close()
