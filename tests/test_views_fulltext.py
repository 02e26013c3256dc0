"""Full-text pages: retrieval, the PDF, full-text screening on the shared screening views,
the lead's conflicts and studies, and removal before screening."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import Record, RecordStage, Report
from screening.services import decisions, fulltext
from screening.services import queue as queue_services

from .helpers.html import text_of
from .helpers.prisma import PDF
from .helpers.screening import make_records, open_screen

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sought(review, carol, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    review.order = "import"
    review.save()
    records = make_records(review, 4)
    for record in records[:3]:
        decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
    return records


def test_a_reviewer_attaches_a_pdf_and_members_can_open_it(client, review, sought, alice):
    client.force_login(alice)
    page = client.get(f"/reviews/{review.pk}/fulltext/").content.decode()
    assert "3 reports sought" in page and sought[3].title not in page
    response = client.post(f"/reviews/{review.pk}/fulltext/reports/{sought[0].pk}/attach/",
                           {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                            "next": f"/reviews/{review.pk}/fulltext/?status=awaiting"})
    assert response.status_code == 302 and response["Location"].endswith("?status=awaiting")
    pdf = client.get(f"/reviews/{review.pk}/fulltext/reports/{sought[0].pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content) == PDF
    assert client.get(f"/reviews/{review.pk}/fulltext/reports/{sought[1].pk}/pdf/").status_code == 404


def test_a_reviewer_marks_a_report_not_retrieved_with_a_note(client, review, sought, alice):
    client.force_login(alice)
    client.post(f"/reviews/{review.pk}/fulltext/reports/{sought[1].pk}/not-retrieved/", {"note": ""})
    assert not Report.objects.exists()
    response = client.post(f"/reviews/{review.pk}/fulltext/reports/{sought[1].pk}/not-retrieved/",
                           {"note": "Library has no access"}, follow=True)
    assert "marked as not retrieved" in response.content.decode()
    assert Report.objects.get().status == "not_retrieved"
    not_retrieved = client.get(f"/reviews/{review.pk}/fulltext/?status=not_retrieved")
    assert "Library has no access" in not_retrieved.content.decode()


def test_full_text_screening_shows_the_full_text_and_requires_a_reason(client, review, sought, alice):
    fulltext.report_attach(review=review, record=sought[0], by=alice, url="https://example.org/full.pdf")
    client.force_login(alice)
    html = open_screen(client, review, "full_text").content.decode()
    assert sought[0].title in html and "https://example.org/full.pdf" in html
    assert "(required to exclude)" in html and f"/fulltext/screen/records/{sought[0].pk}/decide/" in html
    response = client.post(f"/reviews/{review.pk}/fulltext/screen/records/{sought[0].pk}/decide/",
                           {"verdict": "exclude"}, **HTMX)
    assert response.status_code == 422 and "full-text exclusions need one" in response.content.decode()
    response = client.post(f"/reviews/{review.pk}/fulltext/screen/records/{sought[0].pk}/decide/",
                           {"verdict": "exclude", "reason": "Wrong outcome"}, **HTMX)
    assert response.status_code == 200 and "Nothing left to screen" in response.content.decode()
    mine = client.get(f"/reviews/{review.pk}/fulltext/screen/mine/").content.decode()
    assert "Wrong outcome" in mine and "at full text" in mine


def test_the_lead_resolves_a_reason_conflict_and_links_studies(client, review, sought, alice, bob, carol):
    for record in sought[:2]:
        fulltext.report_attach(review=review, record=record, by=alice, url=f"https://example.org/{record.pk}")
    for reviewer, reasons in ((alice, ("Wrong outcome", None)), (bob, ("Wrong population", None))):
        for reason in reasons:
            record, _ = queue_services.screening_next(reviewer=reviewer, review=review, stage="full_text")
            decisions.decision_record(reviewer=reviewer, review=review, record=record, stage="full_text",
                                      verdict="exclude" if reason else "include", reason=reason or "")
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/fulltext/conflicts/").content.decode()
    assert "1 open conflict" in html and "Wrong outcome" in html and "Wrong population" in html
    client.post(f"/reviews/{review.pk}/fulltext/records/{sought[0].pk}/resolve/",
                {"verdict": "exclude", "reason": "Wrong population"})
    assert RecordStage.objects.get(record=sought[0], stage="full_text").resolution_reason == "Wrong population"
    assert "No open conflicts" in client.get(f"/reviews/{review.pk}/fulltext/conflicts/").content.decode()
    assert sought[1].title in client.get(f"/reviews/{review.pk}/fulltext/records/?outcome=included").content.decode()

    report = Report.objects.get(record=sought[1])
    client.post(f"/reviews/{review.pk}/studies/", {"report": [report.pk], "label": "Kim 2019", "action": "link"})
    html = client.get(f"/reviews/{review.pk}/studies/").content.decode()
    assert "1 included report of 1 study" in html and "Kim 2019" in html


def test_the_lead_removes_records_before_screening_on_the_removal_page(client, review, carol):
    records = make_records(review, 3)
    client.force_login(carol)
    html = client.get(f"/reviews/{review.pk}/records/removal/").content.decode()
    assert all(r.title in html for r in records)
    client.post(f"/reviews/{review.pk}/records/removal/",
                {"action": "remove", "record": [records[0].pk, records[1].pk], "reason": "Conference abstract only",
                 "by_automation": "on"})
    client.post(f"/reviews/{review.pk}/records/removal/",
                {"action": "remove", "record": [records[2].pk], "reason": "Retracted"})
    html = client.get(f"/reviews/{review.pk}/records/removal/").content.decode()
    assert "2 marked ineligible by automation tools · 1 removed for other reasons" in html
    client.post(f"/reviews/{review.pk}/records/removal/", {"action": "restore", "record": [records[2].pk]})
    assert Record.objects.in_screening().filter(review=review).count() == 1


def test_the_dashboard_shows_retrieval_to_everyone_and_outcomes_to_the_lead(client, review, sought, alice, carol):
    fulltext.report_attach(review=review, record=sought[0], by=alice, url="https://example.org/x")
    client.force_login(alice)
    html = text_of(client.get(f"/reviews/{review.pk}/"))
    assert "3 reports sought: 1 with full text, 0 not retrieved, 2 awaiting retrieval." in html
    assert "At full text:" not in html
    client.force_login(carol)
    assert "At full text: 0 included" in text_of(client.get(f"/reviews/{review.pk}/"))


@pytest.mark.parametrize("link", [
    "javascript:alert(document.domain)", "JavaScript:alert(1)", " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x.pdf",
])
def test_only_http_links_are_accepted_as_full_texts(client, review, sought, alice, link):
    client.force_login(alice)
    response = client.post(f"/reviews/{review.pk}/fulltext/reports/{sought[0].pk}/attach/", {"url": link},
                           follow=True)
    assert "Only http:// and https:// links to the full text are accepted" in response.content.decode()
    assert not Report.objects.exists()


def test_a_link_stored_before_links_were_checked_is_not_rendered_as_a_link(client, review, sought, alice):
    fulltext.report_attach(review=review, record=sought[0], by=alice, url="https://example.org/full.pdf")
    Report.objects.update(url="javascript:alert(document.domain)")
    client.force_login(alice)
    page = client.get(f"/reviews/{review.pk}/fulltext/").content.decode()
    assert 'href="javascript:' not in page and "Link not shown" in page


def attach_pdf(client, review, record, content=PDF, **fields):
    return client.post(f"/reviews/{review.pk}/fulltext/reports/{record.pk}/attach/",
                       {"file": SimpleUploadedFile("a.pdf", content, content_type="application/pdf"), **fields},
                       follow=True)


def test_replacing_a_full_text_keeps_the_previous_file_and_records_who_replaced_what(client, review, sought, alice,
                                                                                      bob):
    from screening.models import DecisionEvent

    client.force_login(alice)
    attach_pdf(client, review, sought[0])
    first = Report.objects.get().file.name
    client.force_login(bob)
    attach_pdf(client, review, sought[0], content=PDF + b"% second version\n")
    report = Report.objects.get()
    assert report.file.name != first and report.file.storage.exists(first)
    event = DecisionEvent.objects.filter(record=sought[0], reason__startswith="full text replaced").get()
    assert event.actor == bob and event.at >= report.updated_at.replace(microsecond=0)
    assert event.note == f"before: file {first}; link (none)\nafter: file {report.file.name}; link (none)"


def test_after_a_vote_only_the_lead_replaces_a_full_text_and_must_say_why(client, review, sought, alice, carol):
    from screening.models import DecisionEvent

    fulltext.report_attach(review=review, record=sought[0], by=alice, url="https://example.org/v1.pdf")
    record, _ = queue_services.screening_next(reviewer=alice, review=review, stage="full_text")
    decisions.decision_record(reviewer=alice, review=review, record=record, stage="full_text", verdict="include")
    client.force_login(alice)
    refused = attach_pdf(client, review, sought[0], url="https://example.org/v1.pdf").content.decode()
    assert "only a lead can replace it" in refused
    assert not Report.objects.get().file
    client.force_login(carol)
    assert "say why you replace it" in attach_pdf(client, review, sought[0]).content.decode()
    assert not Report.objects.get().file
    attach_pdf(client, review, sought[0], reason="v1 was the conference abstract")
    assert Report.objects.get().file
    event = DecisionEvent.objects.get(record=sought[0], reason__startswith="full text replaced")
    assert event.actor == carol and event.reason == "full text replaced: v1 was the conference abstract"
    assert event.note.startswith("before: file (none); link https://example.org/v1.pdf\nafter: file fulltext/")
