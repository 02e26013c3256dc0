"""Import -> dedup -> queue -> undo, with a real Celery worker on PostgreSQL."""
import pytest

from screening.models import DuplicateCandidate, Import, Job, Merge, Record
from screening.services import imports, merges

from .helpers.dedup import embase_upload, medline_upload
from .helpers.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_each_import_is_followed_by_a_dedup_job_whose_merges_a_lead_can_undo(review, carol):
    with celery_worker():
        check = imports.imports_upload(review=review, files=[medline_upload(), embase_upload()], uploaded_by=carol)

        def checked():
            return Job.objects.get(pk=check.pk).is_finished

        wait_for(checked, timeout=90)
        for import_ in Import.objects.filter(review=review).order_by("pk"):
            imports.import_confirm(import_=import_, database="MEDLINE" if "medline" in import_.filename else "Embase",
                                   confirmed_by=carol)

        def deduplicated():
            done = not Import.objects.filter(review=review, deduplicated_at__isnull=True).exists()
            idle = not Job.objects.filter(kind="dedup").exclude(status__in=Job.FINISHED).exists()
            return done and idle

        wait_for(deduplicated, timeout=120)
    dedup_jobs = list(Job.objects.filter(kind="dedup"))
    assert dedup_jobs and all(job.status == Job.Status.SUCCEEDED for job in dedup_jobs), [j.error for j in dedup_jobs]
    assert sum(job.result["merged"] for job in dedup_jobs) == 1

    merge = Merge.objects.get()
    primary, duplicate = merge.primary, merge.record
    assert (primary.source_import.database, duplicate.source_import.database) == ("MEDLINE", "Embase")
    assert primary.doi == "10.1000/blue.1" and merge.automatic
    assert review.duplicate_candidates.queue().count() == 1
    assert Record.objects.filter(review=review).in_screening().count() == 5

    merges.merge_undo(merge=merge, undone_by=carol)
    primary.refresh_from_db()
    assert primary.doi == "" and Record.objects.filter(review=review).in_screening().count() == 6
    assert DuplicateCandidate.objects.kept_apart().count() == 1
