"""Full text: retrieval, required reasons, reason conflicts, the lead's resolution, studies;
and records removed before screening."""
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import Decision, DecisionEvent, IdentifiedVia, Record, RecordStage, Report
from screening.services import decisions, fulltext, records as record_services
from screening.services import queue as queue_services

from .helpers.prisma import PDF, add_import
from .helpers.screening import make_records

pytestmark = pytest.mark.django_db
FT = "full_text"


@pytest.fixture
def included(review, carol):
    """Three records the lead included at title/abstract, and two she excluded."""
    records = make_records(review, 5)
    for record in records[:3]:
        decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="include")
    for record in records[3:]:
        decisions.outcome_resolve(lead=carol, review=review, record=record, verdict="exclude")
    return records


def attach(review, record, by):
    return fulltext.report_attach(review=review, record=record, by=by, url=f"https://example.org/{record.pk}")


def test_it_puts_a_report_in_the_full_text_queue_once_its_full_text_is_attached(review, included, alice):
    assert queue_services.screening_next(reviewer=alice, review=review, stage=FT)[0] is None
    attach(review, included[1], alice)
    record, _ = queue_services.screening_next(reviewer=alice, review=review, stage=FT)
    assert record.pk == included[1].pk


def test_it_stores_an_uploaded_pdf_under_media_root(review, included, alice, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = fulltext.report_attach(review=review, record=included[0], by=alice,
                                    file=SimpleUploadedFile("paper.pdf", PDF, content_type="application/pdf"))
    assert report.file.path.startswith(str(tmp_path)) and open(report.file.path, "rb").read() == PDF


def test_it_refuses_a_file_that_is_not_a_pdf(review, included, alice):
    with pytest.raises(ValidationError, match="not a PDF"):
        fulltext.report_attach(review=review, record=included[0], by=alice,
                               file=SimpleUploadedFile("paper.pdf", b"<html>login</html>"))
    assert not Report.objects.exists()


def test_it_refuses_a_record_excluded_at_title_abstract(review, included, alice):
    with pytest.raises(ValidationError, match="not sought"):
        attach(review, included[3], alice)
    with pytest.raises(ValidationError, match="not sought"):
        fulltext.report_mark_not_retrieved(review=review, record=included[4], by=alice, note="no")


def test_records_found_by_other_methods_skip_title_abstract_and_are_sought(review, alice):
    citation = add_import(review, 1, identified_via=IdentifiedVia.CITATION, database="Reference lists")[0]
    queue_services.record_stages_sync(review=review)
    assert not RecordStage.objects.filter(record=citation, stage="title_abstract").exists()
    assert list(Record.objects.sought_for_retrieval().filter(review=review)) == [citation]
    attach(review, citation, alice)
    assert queue_services.screening_next(reviewer=alice, review=review, stage=FT)[0].pk == citation.pk


def screen(review, reviewer, verdict, reason=""):
    record, _ = queue_services.screening_next(reviewer=reviewer, review=review, stage=FT)
    return decisions.decision_record(reviewer=reviewer, review=review, record=record, stage=FT, verdict=verdict,
                                     reason=reason)


def outcome(record):
    stage = RecordStage.objects.get(record=record, stage=FT)
    return stage.outcome, stage.resolution_reason


def test_an_exclusion_at_full_text_needs_a_reason_from_the_reviews_list(review, included, alice):
    attach(review, included[0], alice)
    with pytest.raises(ValidationError, match="reason"):
        screen(review, alice, "exclude")
    with pytest.raises(ValidationError, match="not one of this review's"):
        screen(review, alice, "exclude", "Too long")
    screen(review, alice, "exclude", "Wrong population")


def test_the_same_reason_excludes_and_different_reasons_are_a_conflict(review, included, alice, bob):
    review.order = "import"
    review.save()
    attach(review, included[0], alice)
    attach(review, included[1], alice)
    for reviewer, reasons in ((alice, ("Wrong population", "Wrong population")),
                              (bob, ("Wrong population", "Wrong outcome"))):
        for reason in reasons:
            screen(review, reviewer, "exclude", reason)
    assert outcome(included[0]) == ("excluded", "Wrong population")
    assert outcome(included[1]) == ("conflict", "")


def test_the_lead_resolves_a_full_text_conflict_with_a_required_reason(review, included, alice, bob, carol):
    attach(review, included[0], alice)
    screen(review, alice, "include")
    screen(review, bob, "exclude", "Wrong outcome")
    assert outcome(included[0]) == ("conflict", "")
    with pytest.raises(ValidationError, match="reason"):
        decisions.outcome_resolve(lead=carol, review=review, record=included[0], stage=FT, verdict="exclude")
    decisions.outcome_resolve(lead=carol, review=review, record=included[0], stage=FT, verdict="exclude",
                              reason="Wrong study design")
    assert outcome(included[0]) == ("excluded", "Wrong study design")


def test_the_lead_cannot_decide_on_a_report_without_its_full_text(review, included, carol):
    with pytest.raises(ValidationError, match="Attach the full text"):
        decisions.outcome_resolve(lead=carol, review=review, record=included[0], stage=FT, verdict="include")


def test_not_retrieved_needs_a_note_releases_open_claims_and_is_refused_after_a_vote(review, included, alice, bob):
    with pytest.raises(ValidationError, match="why"):
        fulltext.report_mark_not_retrieved(review=review, record=included[0], by=alice, note=" ")
    attach(review, included[0], alice)
    queue_services.screening_next(reviewer=bob, review=review, stage=FT)  # Bob's open claim
    fulltext.report_mark_not_retrieved(review=review, record=included[0], by=alice, note="Wrong PDF; no other copy")
    assert not Decision.objects.filter(record=included[0], stage=FT).exists()
    assert not RecordStage.objects.filter(record=included[0], stage=FT).exists()
    attach(review, included[0], alice)
    screen(review, alice, "include")
    with pytest.raises(ValidationError, match="already assessed"):
        fulltext.report_mark_not_retrieved(review=review, record=included[0], by=alice, note="changed my mind")
    assert DecisionEvent.objects.filter(kind="retrieval").count() == 3


def test_the_lead_links_reports_to_studies_and_an_unlinked_report_is_its_own_study(review, included, alice, carol):
    for record in included:
        if record in included[:3]:
            attach(review, record, alice)
            decisions.outcome_resolve(lead=carol, review=review, record=record, stage=FT, verdict="include")
    reports = list(Report.objects.included_in(review).order_by("record_id"))
    assert Report.objects.included_in(review).study_count() == 3
    study = fulltext.study_link(review=review, report_ids=[reports[0].pk, reports[1].pk], by=carol, label="Kim 2019")
    assert Report.objects.included_in(review).study_count() == 2
    with pytest.raises(ValidationError, match="Name the study"):
        fulltext.study_link(review=review, report_ids=[reports[2].pk], by=carol)
    fulltext.study_link(review=review, report_ids=[reports[2].pk], by=carol, study=study)
    assert Report.objects.included_in(review).study_count() == 1
    fulltext.study_unlink(review=review, report_ids=[r.pk for r in reports])
    assert Report.objects.included_in(review).study_count() == 3
    assert not study.__class__.objects.filter(pk=study.pk).exists()  # empty studies go


def test_the_lead_removes_records_before_screening_with_a_reason_automation_kept_apart(review, alice, carol):
    records = make_records(review, 4)
    queue_services.record_stages_sync(review=review)
    voted, _ = queue_services.screening_next(reviewer=alice, review=review)
    decisions.decision_record(reviewer=alice, review=review, record=voted, verdict="include")
    claimed, _ = queue_services.screening_next(reviewer=alice, review=review)
    with pytest.raises(ValidationError, match="reason"):
        record_services.records_remove(review=review, record_ids=[claimed.pk], reason="", by_automation=False,
                                       removed_by=carol)
    removed = record_services.records_remove(review=review, record_ids=[r.pk for r in records], reason="Retracted",
                                             by_automation=True, removed_by=carol)
    assert removed == 3  # not the one Alice voted on
    assert set(Record.objects.filter(removed_by_automation=True).values_list("pk", flat=True)) == {
        r.pk for r in records if r.pk != voted.pk}
    assert RecordStage.objects.get(record=claimed, stage="title_abstract").claims == 0
    assert not Decision.objects.filter(record=claimed).exists()
    assert record_services.records_restore(review=review, record_ids=[claimed.pk], restored_by=carol) == 1
    assert Record.objects.in_screening().filter(review=review).count() == 2
    assert list(DecisionEvent.objects.filter(kind__in=["remove", "restore"]).values_list("kind", flat=True)
                .order_by("id")) == ["remove"] * 3 + ["restore"]
