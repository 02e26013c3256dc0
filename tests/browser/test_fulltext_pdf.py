"""A keyboard-only full-text session with the PDF shown: pdf.js draws the report's PDF
beside the decision bar, under the Content-Security-Policy, and keys alone screen it."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.services import decisions, fulltext

from ..conftest import password_of
from ..helpers.screening import make_records
from .conftest import open_screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def small_pdf(title: str, pages: int = 2) -> bytes:
    """A real PDF written by hand: each page a black bar and a line of Helvetica text."""
    objects = []
    page_ids = [3 + 2 * i for i in range(pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids)
                   + b"] /Count %d >>" % pages)
    font_id = 3 + 2 * pages
    for number in range(1, pages + 1):
        text = f"{title}, page {number}".encode("ascii")
        stream = b"0 0 0 rg 72 680 300 40 re f BT /F1 18 Tf 72 640 Td (" + text + b") Tj ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>"
                       b" /Contents %d 0 R >>" % (font_id, page_ids[number - 1] + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def dark_pixels(page, selector):
    """How many near-black pixels the first canvas in `selector` holds (the drawn bar)."""
    return page.evaluate("""(selector) => {
        const canvas = document.querySelector(selector);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] < 60 && data[i + 3] > 200) dark += 1;
        return dark;
    }""", selector)


@pytest.mark.parametrize("width", [1366, 375])
def test_a_reviewer_screens_full_texts_by_keyboard_with_the_pdf_shown(
        browser, live_server, review, alice, carol, settings, tmp_path, width):
    settings.MEDIA_ROOT = tmp_path
    review.order = "import"
    review.exclusion_reasons = ["Wrong population", "Wrong outcome"]
    review.save()
    records = make_records(review, 2)
    for record in records:
        decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
        pdf = SimpleUploadedFile(f"report-{record.pk}.pdf", small_pdf(f"Report {record.pk}"),
                                 content_type="application/pdf")
        fulltext.report_attach(review=review, record=record, by=carol, file=pdf)

    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) => console.error("
                         "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    sign_in(page, live_server, alice.username, password_of(alice))
    open_screen(page, f"{live_server.url}/reviews/{review.pk}/fulltext/screen/")

    first = page.locator("#record-card").get_attribute("data-record-id")
    canvas = page.locator(".pdf-view canvas.pdf-page").first
    canvas.wait_for(state="visible")
    page.get_by_text("2 pages.").wait_for()
    assert page.locator(".pdf-view canvas.pdf-page").count() == 2
    assert canvas.bounding_box()["width"] > 200
    assert dark_pixels(page, ".pdf-view canvas.pdf-page") > 100  # the black bar was drawn
    assert page.get_by_role("link", name="Open the PDF").get_attribute("href").endswith(f"/{first}/pdf/")
    if width > 1200:
        # Beside the decision bar, not above it.
        pdf_box = page.locator(".pdf-view").bounding_box()
        bar_box = page.locator(".decision-bar").bounding_box()
        assert pdf_box["x"] + pdf_box["width"] <= bar_box["x"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Keys only from here: include the first report, then choose reason 2 and exclude the second.
    page.keyboard.press("i")
    page.locator(f'#record-card[data-record-id]:not([data-record-id="{first}"])').wait_for()
    second = page.locator("#record-card").get_attribute("data-record-id")
    page.get_by_text("2 pages.").wait_for()  # the next report's PDF, drawn after the htmx swap
    assert dark_pixels(page, ".pdf-view canvas.pdf-page") > 100
    page.keyboard.press("2")
    assert page.locator("#reason").input_value() == "Wrong outcome"
    page.keyboard.press("e")
    page.get_by_role("heading", name="Nothing left to screen").wait_for()

    from screening.models import Decision
    votes = dict(Decision.objects.filter(reviewer=alice, stage="full_text").values_list("record_id", "verdict"))
    assert votes == {int(first): "include", int(second): "exclude"}
    assert problems == []
    context.close()
