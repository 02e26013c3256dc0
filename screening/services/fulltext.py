"""Full-text writes: attaching a report's full text or marking it not retrieved, and linking
included reports to studies."""
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Decision, DecisionEvent, Outcome, Record, RecordStage, Report, Role, Stage, Study
from .queue import record_stages_sync

MAX_PDF_BYTES = 50 * 1024 * 1024


def _sought(review, record):
    if not Record.objects.sought_for_retrieval().filter(review=review, pk=record.pk).exists():
        raise ValidationError("This record is not sought for retrieval: it was not included at title and abstract.")


def _check_pdf(upload):
    if upload.size > MAX_PDF_BYTES:
        raise ValidationError("The PDF is larger than 50 MB.")
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationError("That file is not a PDF.")


def check_link(url):
    """Refuse any link but an absolute http(s) one: a `javascript:` or `data:` link would run
    in the page of whoever opens the full text."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in Report.LINK_SCHEMES or not parts.netloc:
        shown = f"“{parts.scheme}:”" if parts.scheme else "a link without http:// or https://"
        raise ValidationError(f"Only http:// and https:// links to the full text are accepted, not {shown}.")


def _full_text_of(report):
    return f"file {report.file.name or '(none)'}; link {report.url or '(none)'}"


@transaction.atomic
def report_attach(*, review, record, by, file=None, url="", reason=""):
    """Attach the full text of a report sought for retrieval (a PDF, a link, or both) and
    put it in the full-text screening queue.

    Attaching again replaces the file or link: the previous file stays in storage and the
    history records who replaced what with what. Once a reviewer has voted on the full text,
    only a lead may replace it, and must say why (the votes were cast on the old one)."""
    _sought(review, record)
    url = (url or "").strip()
    reason = (reason or "").strip()
    if file is None and not url:
        raise ValidationError("Upload the PDF or give a link to the full text.")
    if url:
        check_link(url)
    if file is not None:
        _check_pdf(file)
    report = Report.objects.select_for_update().filter(record=record).first() or Report(review=review, record=record)
    was = report.status
    replacing = report.pk is not None and report.is_retrieved
    if replacing and file is None and url == report.url:
        return report  # the same link sent again: nothing to replace
    if replacing and Decision.objects.decided().filter(record=record, stage=Stage.FULL_TEXT).exists():
        if review.role_of(by) != Role.LEAD:
            raise ValidationError("Reviewers have already voted on this full text: only a lead can replace it.")
        if not reason:
            raise ValidationError("Reviewers have already voted on this full text: say why you replace it.")
    before = _full_text_of(report)
    report.status = Report.Status.RETRIEVED
    if file is not None:
        # A new name every time: the storage never overwrites, so a replaced file stays.
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        report.file.save(f"review-{review.pk}-record-{record.pk}-{stamp}.pdf", file, save=False)
    if url:
        report.url = url
    report.updated_by, report.updated_at = by, timezone.now()
    report.save()
    record_stages_sync(review=review, stage=Stage.FULL_TEXT)
    if replacing:
        DecisionEvent.objects.create(
            review=review, record=record, stage=Stage.FULL_TEXT, actor=by, kind=DecisionEvent.Kind.RETRIEVAL,
            reason=("full text replaced" + (f": {reason}" if reason else ""))[:300],
            note=f"before: {before}\nafter: {_full_text_of(report)}")
    elif was != report.status:
        DecisionEvent.objects.create(review=review, record=record, stage=Stage.FULL_TEXT, actor=by,
                                     kind=DecisionEvent.Kind.RETRIEVAL, reason=_change(was, report.status), note=url)
    return report


@transaction.atomic
def report_mark_not_retrieved(*, review, record, by, note):
    """Mark a report sought for retrieval as not retrieved, saying why. Refused once a
    reviewer has voted on its full text; open claims on it are released."""
    _sought(review, record)
    note = (note or "").strip()
    if not note:
        raise ValidationError("Say why the full text could not be retrieved.")
    if Decision.objects.decided().filter(record=record, stage=Stage.FULL_TEXT).exists():
        raise ValidationError("Reviewers have already assessed this report's full text.")
    if RecordStage.objects.filter(record=record, stage=Stage.FULL_TEXT).exclude(outcome=Outcome.PENDING).exists():
        raise ValidationError("This report already has a full-text outcome.")
    report = Report.objects.select_for_update().filter(record=record).first() or Report(review=review, record=record)
    was = report.status
    report.status, report.note = Report.Status.NOT_RETRIEVED, note
    report.updated_by, report.updated_at = by, timezone.now()
    report.save()
    # Out of the full-text queue: only retrieved reports are assessed.
    Decision.objects.open_claims().filter(record=record, stage=Stage.FULL_TEXT).delete()
    RecordStage.objects.filter(record=record, stage=Stage.FULL_TEXT).delete()
    DecisionEvent.objects.create(review=review, record=record, stage=Stage.FULL_TEXT, actor=by,
                                 kind=DecisionEvent.Kind.RETRIEVAL, reason=_change(was, report.status), note=note)
    return report


def _change(was, now):
    # The history's verdict columns are too narrow for retrieval states; the reason says it.
    return f"{was or 'sought'} -> {now}"


@transaction.atomic
def study_link(*, review, report_ids, by, study=None, label=""):
    """Link included reports to one study: an existing one, or a new one named `label`.
    Studies left without reports are deleted."""
    reports = list(Report.objects.included_in(review).filter(pk__in=report_ids).select_for_update(of=("self",)))
    if not reports:
        raise ValidationError("Choose at least one included report.")
    if study is None:
        label = (label or "").strip()[:300]
        if not label:
            raise ValidationError("Name the study (e.g. first author and year).")
        study = Study.objects.create(review=review, label=label, created_by=by)
    elif study.review_id != review.pk:
        raise ValidationError("No such study in this review.")
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(study=study)
    _drop_empty_studies(review)
    return study


@transaction.atomic
def study_unlink(*, review, report_ids):
    """Take reports out of their study (each then counts as a study of its own)."""
    count = Report.objects.filter(review=review, pk__in=report_ids).update(study=None)
    _drop_empty_studies(review)
    return count


def _drop_empty_studies(review):
    Study.objects.filter(review=review, reports__isnull=True).delete()


