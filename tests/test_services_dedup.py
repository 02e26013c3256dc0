"""Deduplication stored in the app: groups, the lead's queue, undo, and the counts."""
import pytest
from django.db.models import Q

from screening.models import DuplicateCandidate, Import, Job, Merge, Record
from screening.selectors import dedup as dedup_selectors
from screening.services import dedup, imports, jobs, merges

from .helpers.dedup import EMBASE_RIS, MEDLINE_RIS, embase_upload, medline_upload

pytestmark = pytest.mark.django_db


def import_text(review, tmp_path, name, text, database):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return imports.import_file_now(review=review, path=path, database=database)


@pytest.fixture
def two_databases(review, tmp_path):
    """Both files imported; nothing deduplicated yet."""
    medline = import_text(review, tmp_path, "medline.ris", MEDLINE_RIS, "MEDLINE")
    embase = import_text(review, tmp_path, "embase.ris", EMBASE_RIS, "Embase")
    return medline, embase


def record(review, database, title_start):
    return Record.objects.get(review=review, source_import__database=database, title__startswith=title_start)


def test_it_merges_the_duplicate_into_the_most_complete_record_and_deletes_nothing(review, two_databases):
    summary = dedup.dedup_review(review=review)
    assert (summary.new_records, summary.merged, summary.candidates) == (6, 1, 1)
    assert Record.objects.filter(review=review).count() == 6
    medline, embase = record(review, "MEDLINE", "Blue"), record(review, "Embase", "Blue")
    # Equally complete: the earlier import is kept, and gains the DOI it lacked.
    assert embase.duplicate_of == medline and medline.duplicate_of is None
    assert medline.doi == "10.1000/blue.1"
    merge = Merge.objects.get(record=embase)
    assert (merge.rule, merge.automatic, merge.primary, merge.linked_to) == (
        "same_pages_volume_year", True, medline, medline)
    assert merge.scores["title"] == 1.0 and merge.filled == {"doi": "10.1000/blue.1"}
    assert merge.previous == {"doi": ""}


def test_the_database_preference_chooses_the_primary_among_equals(review, two_databases):
    review.database_preference = ["Embase", "MEDLINE"]
    review.save()
    dedup.dedup_review(review=review)
    medline, embase = record(review, "MEDLINE", "Blue"), record(review, "Embase", "Blue")
    assert medline.duplicate_of == embase
    assert embase.abstract.startswith("Shift workers wore")


def test_the_unsure_pair_goes_to_the_queue_with_its_differences(review, two_databases):
    dedup.dedup_review(review=review)
    [candidate] = review.duplicate_candidates.queue()
    assert candidate.rule == "similar_title" and 0.8 < candidate.score < 0.9
    assert candidate.difference_fields == {"title"}
    assert {candidate.record_a.source_import.database, candidate.record_b.source_import.database} == {"MEDLINE",
                                                                                                      "Embase"}


def test_running_again_changes_nothing(review, two_databases):
    dedup.dedup_review(review=review)
    before = list(Record.objects.order_by("pk").values_list("pk", "duplicate_of_id", "doi"))
    summary = dedup.dedup_review(review=review)
    assert summary.new_records == 0
    assert list(Record.objects.order_by("pk").values_list("pk", "duplicate_of_id", "doi")) == before
    assert (Merge.objects.count(), DuplicateCandidate.objects.count()) == (1, 1)


def test_a_later_import_joins_the_existing_group_without_changing_its_primary(review, two_databases, tmp_path):
    dedup.dedup_review(review=review)
    primary = record(review, "MEDLINE", "Blue")
    again = import_text(review, tmp_path, "psycinfo.ris", EMBASE_RIS.split("ER  - ")[0] + "ER  - \n", "PsycInfo")
    summary = dedup.dedup_review(review=review)
    assert summary.new_records == 1 and summary.merged == 1
    newcomer = Record.objects.get(source_import=again)
    assert newcomer.duplicate_of == primary
    assert Record.objects.filter(duplicate_of=primary).count() == 2


def test_undo_puts_the_record_back_and_restores_the_primary_exactly(review, two_databases, carol):
    dedup.dedup_review(review=review)
    merge = Merge.objects.get()
    merges.merge_undo(merge=merge, undone_by=carol)
    medline, embase = record(review, "MEDLINE", "Blue"), record(review, "Embase", "Blue")
    assert embase.duplicate_of is None and medline.doi == ""
    merge.refresh_from_db()
    assert merge.undone_by == carol and merge.is_undone
    # The pair stays apart: a new run (here: a further import) does not merge it again.
    kept = review.duplicate_candidates.kept_apart().get()
    assert {kept.record_a, kept.record_b} == {medline, embase}
    Import.objects.update(deduplicated_at=None)
    dedup.dedup_review(review=review)
    embase.refresh_from_db()
    assert embase.duplicate_of is None


def test_undo_twice_is_harmless(review, two_databases, carol):
    dedup.dedup_review(review=review)
    merge = Merge.objects.get()
    merges.merge_undo(merge=merge, undone_by=carol)
    merges.merge_undo(merge=merge, undone_by=carol)
    assert DuplicateCandidate.objects.kept_apart().count() == 1


def test_deciding_same_merges_the_pair_by_the_lead(review, two_databases, carol):
    dedup.dedup_review(review=review)
    candidate = review.duplicate_candidates.queue().get()
    merges.candidate_decide(candidate=candidate, verdict="same", decided_by=carol)
    merge = Merge.objects.get(automatic=False)
    assert merge.decided_by == carol and merge.rule == "similar_title"
    a, b = Record.objects.filter(pk__in=[candidate.record_a_id, candidate.record_b_id]).order_by("pk")
    assert b.duplicate_of == a  # the MEDLINE record has journal, volume and pages
    assert (a.journal, a.pages) == ("Sleep Medicine", "88-95")
    assert review.duplicate_candidates.queue().count() == 0


def test_deciding_different_keeps_the_pair_apart_and_skipping_asks_again_last(review, two_databases, carol):
    dedup.dedup_review(review=review)
    candidate = review.duplicate_candidates.queue().get()
    merges.candidate_decide(candidate=candidate, verdict="skipped", decided_by=carol)
    assert review.duplicate_candidates.queue().get() == candidate
    merges.candidate_decide(candidate=candidate, verdict="different", decided_by=carol)
    assert review.duplicate_candidates.queue().count() == 0
    assert Merge.objects.filter(automatic=False).count() == 0


def test_bulk_accept_takes_only_pairs_at_or_above_the_score(review, two_databases, carol):
    dedup.dedup_review(review=review)
    ids = list(review.duplicate_candidates.values_list("pk", flat=True))
    assert merges.candidates_accept(review=review, candidate_ids=ids, min_score=0.9, decided_by=carol) is None
    batch = merges.candidates_accept(review=review, candidate_ids=ids, min_score=0.8, decided_by=carol)
    assert batch.merges.count() == 1
    assert Merge.objects.filter(automatic=False, decided_by=carol).count() == 1


def test_the_overview_counts_records_per_database_before_and_after_and_the_overlap(review, two_databases, carol):
    dedup.dedup_review(review=review)
    merges.candidate_decide(candidate=review.duplicate_candidates.get(), verdict="same", decided_by=carol)
    overview = dedup_selectors.dedup_overview(review)
    assert (overview.records, overview.duplicates_removed, overview.kept) == (6, 2, 4)
    rows = {row.database: (row.before, row.after, row.only_here) for row in overview.databases}
    assert rows == {"Embase": (3, 1, 1), "MEDLINE": (3, 3, 1)}
    assert overview.overlap == [("Embase", [3, 2]), ("MEDLINE", [2, 3])]
    assert (overview.merges_automatic, overview.merges_by_lead, overview.queue) == (1, 1, 0)
    assert dedup_selectors.duplicates_removed(review) == 2 == Record.objects.filter(review=review).duplicates().count()


def test_a_finished_import_job_starts_a_dedup_job_once_committed(review, carol, django_capture_on_commit_callbacks):
    check = imports.imports_upload(review=review, files=[medline_upload(), embase_upload()], uploaded_by=carol)
    jobs.job_run(job_id=check.pk)
    with django_capture_on_commit_callbacks(execute=False):
        for import_ in Import.objects.filter(review=review):
            import_ = imports.import_confirm(import_=import_, database=import_.filename.split(".")[0],
                                             confirmed_by=carol)
            jobs.job_run(job_id=import_.job_id)
    # Two imports, one waiting dedup job: it will see both files.
    [dedup_job] = Job.objects.filter(kind="dedup")
    jobs.job_run(job_id=dedup_job.pk)
    dedup_job.refresh_from_db()
    assert dedup_job.status == Job.Status.SUCCEEDED, dedup_job.error
    assert dedup_job.result["merged"] == 1 and dedup_job.result["candidates"] == 1
    assert "1 merged as duplicates, 1 pairs to review" in dedup_job.message


def test_a_new_record_matching_two_groups_a_lead_kept_apart_goes_to_the_queue(review, two_databases, carol, tmp_path):
    dedup.dedup_review(review=review)
    merges.merge_undo(merge=Merge.objects.get(), undone_by=carol)
    third = import_text(review, tmp_path, "psycinfo.ris", EMBASE_RIS.split("ER  - ")[0] + "ER  - \n", "PsycInfo")
    summary = dedup.dedup_review(review=review)
    newcomer = Record.objects.get(source_import=third)
    assert summary.merged == 0 and newcomer.duplicate_of is None
    pairs = review.duplicate_candidates.queue().filter(Q(record_a=newcomer) | Q(record_b=newcomer))
    assert pairs.count() == 2 and all(p.rule.startswith("joins_groups:") for p in pairs)


def test_the_run_reports_each_phase_with_numbers(review, two_databases):
    calls = []
    dedup.dedup_review(review=review, progress=lambda done, total=None, message=None, force=False:
                       calls.append((done, total, message)))
    messages = [m for _, _, m in calls]
    assert messages[0] == "Reading records…" and messages[-1] == "Saving the duplicate groups…"
    assert "Comparing records…" in messages
    done, total, _ = calls[-1]
    assert total and done == total


def test_an_orphaned_dedup_job_is_taken_over_and_finishes(review, two_databases):
    from datetime import timedelta

    from django.utils import timezone

    job = Job.objects.create(kind="dedup", review=review, status=Job.Status.RUNNING,
                             heartbeat_at=timezone.now() - timedelta(minutes=5))
    # The dead worker stored nothing: its transaction was rolled back.
    job = jobs.job_run(job_id=job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.result["merged"] == 1
    assert job.attempts == 1
