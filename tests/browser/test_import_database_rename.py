"""A lead renames the database of an import from the import list, on a phone and a desktop."""
import os

import pytest

from screening.models import Import
from screening.services.imports import import_file_now

from ..conftest import password_of
from ..helpers.imports import EXPORTS
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR", "")


@pytest.mark.parametrize("width", [375, 1366])
def test_a_lead_renames_an_imports_database_and_the_list_shows_the_new_name(browser, live_server, review, carol,
                                                                            width):
    import_ = import_file_now(review=review, path=EXPORTS / "endnote-xml/RefLib__blue-light.xml", database="",
                           platform="EndNote")
    assert import_.database == ""  # "NLM" is the provider, not a database: the lead names it
    Import.objects.filter(pk=import_.pk).update(database="Medline")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, "carol", password_of(carol))
        page.goto(f"{live_server.url}/reviews/{review.pk}/imports/")
        page.get_by_text("Rename database").click()
        field = page.get_by_label("Database", exact=True)
        field.fill("pubmed")
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/import-rename-{width}.png", full_page=True)
        page.get_by_role("button", name="Rename").click()
        page.get_by_text("database is now PubMed").wait_for()
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/import-renamed-{width}.png", full_page=True)
        assert Import.objects.get(pk=import_.pk).database == "PubMed"
    finally:
        context.close()
