import pytest

from screening.models import DuplicateCandidate, Merge, Record
from screening.services import dedup, imports

from ..conftest import REPO_ROOT, password_of
from ..helpers.dedup import EMBASE_RIS, MEDLINE_RIS
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue_of_two(review, tmp_path):
    """The amber-lens pair from the engine (score 0.83) and a weaker pair put in by hand."""
    for name, text, database in (("medline.ris", MEDLINE_RIS, "MEDLINE"), ("embase.ris", EMBASE_RIS, "Embase")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        imports.import_file_now(review=review, path=path, database=database)
    dedup.dedup_review(review=review)
    pair = Record.objects.filter(title__startswith="Evening") | Record.objects.filter(title__startswith="Mindfulness")
    a, b = sorted(pair, key=lambda r: r.pk)
    weak = DuplicateCandidate.objects.create(review=review, record_a=a, record_b=b, score=0.61, rule="similar_title",
                                             differences=[["title", a.title, b.title]])
    amber = DuplicateCandidate.objects.exclude(pk=weak.pk).get()
    return amber, weak


def test_a_lead_works_through_the_queue_by_keyboard(page, live_server, review, carol, queue_of_two):
    amber, weak = queue_of_two
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/queue/")
    status = page.locator(".queue-status")
    assert status.inner_text() == "2 pairs left."
    heading = page.locator("#pair-h")
    assert heading.inner_text().startswith("Score 0.83")
    assert page.locator("tr.differs mark").first.inner_text() in ("randomized", "randomised")

    # A key typed into a form field is not a decision.
    page.get_by_label("Merge every pair still to decide scoring at least").press("s")
    assert status.inner_text() == "2 pairs left."

    def next_pair_ready():
        # Keys pressed while the next pair settles in are ignored (the container is busy).
        page.locator('#candidate-card[aria-busy="false"]').wait_for()
        assert page.evaluate("document.activeElement.id") == "pair-h"

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("k")
    page.get_by_text("Skipped: it comes back after the others.").wait_for()
    next_pair_ready()
    assert heading.inner_text().startswith("Score 0.61")
    page.keyboard.press("d")
    page.get_by_text("Kept apart: different works. 1 pair left.").wait_for()
    next_pair_ready()
    assert heading.inner_text().startswith("Score 0.83")
    page.keyboard.press("s")
    page.get_by_text("Merged: the same work. No pairs left to check.").wait_for()

    amber.refresh_from_db()
    weak.refresh_from_db()
    assert (amber.status, weak.status) == ("same", "different")
    assert Merge.objects.get(automatic=False).decided_by == carol


def test_the_pair_fits_a_phone_screen(phone_page, live_server, review, carol, queue_of_two):
    sign_in(phone_page, live_server, "carol", password_of(carol))
    phone_page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/queue/")
    phone_page.locator("#pair-h").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.get_by_role("button", name="Same work", exact=True).click()
    phone_page.get_by_text("Merged: the same work.").wait_for()


def test_a_lead_links_a_queued_pair_as_an_erratum_by_keyboard(page, live_server, review, carol, tmp_path):
    from ..test_dedup_notice_link import ARTICLE_AND_UNLABELLED_ERRATUM
    path = tmp_path / "embase.ris"
    path.write_text(ARTICLE_AND_UNLABELLED_ERRATUM, encoding="utf-8")
    imports.import_file_now(review=review, path=path, database="Embase")
    dedup.dedup_review(review=review)
    erratum = Record.objects.get(review=review, pages__startswith="2205")
    sign_in(page, live_server, "carol", password_of(carol))
    page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/queue/")
    shots = REPO_ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"dedup-queue-link-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The one-page item is preselected as the notice; the lead picks the kind and presses L.
    page.get_by_label("Kind").select_option("erratum")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("l")
    page.get_by_text("Linked (erratum)").wait_for()
    page.get_by_text("No pairs left to check.").wait_for()
    erratum.refresh_from_db()
    assert erratum.notice_of is not None
    for width in (1366, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/reviews/{review.pk}/duplicates/notices/")
        card = page.locator(".notice-link", has_text="from the duplicates queue")
        assert "Erratum" in card.locator(".badge").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
