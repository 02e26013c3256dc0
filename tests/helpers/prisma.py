"""A review walked through every stage with known numbers, through the app's own services:
imports from databases, a register and other methods, duplicates, removals before screening,
blinded title/abstract screening with conflicts the lead resolves, retrieval, full-text
screening with reasons, and reports linked to studies."""
from django.core.files.uploadedfile import SimpleUploadedFile

from screening.models import IdentifiedVia, Import, Record, Report
from screening.services import decisions, fulltext, records as record_services
from screening.services import queue as queue_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_import(review, count, *, identified_via=IdentifiedVia.DATABASE, database="MEDLINE", is_update=False,
               status=Import.Status.IMPORTED, label=""):
    """Create one import of `count` records with distinct titles; return the records."""
    import_ = Import.objects.create(review=review, identified_via=identified_via, database=database,
                                    is_update=is_update, status=status, record_count=count)
    label = label or database
    return Record.objects.bulk_create(
        Record(review=review, source_import=import_, source_index=i, title=f"{label} report {i}: blue light and sleep",
               abstract="Adults wore amber glasses.", authors=["Shechter A"], year=2018 + i % 5,
               doi=f"10.1000/{label.lower().replace(' ', '')}.{review.pk}.{i}")
        for i in range(count))


def screen_all(review, stage, reviewer, plan):
    """Let `reviewer` screen every record the queue gives them, voting as `plan[record id]`
    says: (verdict, reason)."""
    while True:
        record, _ = queue_services.screening_next(reviewer=reviewer, review=review, stage=stage)
        if record is None:
            return
        verdict, reason = plan[record.pk]
        decisions.decision_record(reviewer=reviewer, review=review, record=record, stage=stage,
                                  verdict=verdict, reason=reason)


def walk_review(review, *, alice, bob, carol):
    """Walk `review` through every stage; return its records by name. Expected numbers are
    in EXPECTED."""
    review.exclusion_reasons = ["Wrong population", "Wrong intervention", "Wrong outcome", "Wrong study design"]
    review.save()
    medline = add_import(review, 10, database="MEDLINE")
    embase = add_import(review, 6, database="Embase")
    trials = add_import(review, 3, identified_via=IdentifiedVia.REGISTER, database="ClinicalTrials.gov")
    citations = add_import(review, 2, identified_via=IdentifiedVia.CITATION, database="Reference lists")
    website = add_import(review, 1, identified_via=IdentifiedVia.WEBSITE, database="WHO website")
    add_import(review, 2, database="Scopus", status=Import.Status.FAILED)  # counts nowhere

    # Duplicates (as deduplication will mark them) and removals before screening.
    for duplicate, primary in zip(embase[:3], medline[:3]):
        Record.objects.filter(pk=duplicate.pk).update(duplicate_of=primary)
    record_services.records_remove(review=review, record_ids=[medline[9].pk, embase[5].pk],
                                   reason="RobotSearch: not an RCT", by_automation=True, removed_by=carol)
    record_services.records_remove(review=review, record_ids=[trials[2].pk], reason="Retracted",
                                   by_automation=False, removed_by=carol)

    # Title and abstract: 13 records, two votes each.
    include, exclude, maybe = ("include", ""), ("exclude", ""), ("maybe", "")
    alice_plan, bob_plan = {}, {}
    for record in medline[:3] + [embase[3]]:
        alice_plan[record.pk] = bob_plan[record.pk] = include
    for record in medline[4:9] + [embase[4], trials[1]]:
        alice_plan[record.pk] = bob_plan[record.pk] = exclude
    alice_plan[trials[0].pk], bob_plan[trials[0].pk] = include, maybe  # conflict -> lead includes
    alice_plan[medline[3].pk], bob_plan[medline[3].pk] = include, exclude  # conflict -> lead excludes
    queue_services.record_stages_sync(review=review)
    screen_all(review, "title_abstract", alice, alice_plan)
    screen_all(review, "title_abstract", bob, bob_plan)
    decisions.outcome_resolve(lead=carol, review=review, record=trials[0], verdict="include")
    decisions.outcome_resolve(lead=carol, review=review, record=medline[3], verdict="exclude",
                              reason="Children")

    # Retrieval: 5 reports sought from databases and registers, 3 from other methods.
    fulltext.report_attach(review=review, record=medline[0], by=alice,
                           file=SimpleUploadedFile("m0.pdf", PDF, content_type="application/pdf"))
    for record in (medline[1], embase[3], trials[0], citations[0], website[0]):
        fulltext.report_attach(review=review, record=record, by=bob, url=f"https://example.org/{record.pk}.pdf")
    fulltext.report_mark_not_retrieved(review=review, record=medline[2], by=carol, note="Paywalled; no reply")
    fulltext.report_mark_not_retrieved(review=review, record=citations[1], by=carol, note="Thesis not online")

    # Full text: different reasons for an exclusion are a conflict the lead resolves.
    alice_plan, bob_plan = {}, {}
    for record in (medline[0], trials[0], citations[0]):
        alice_plan[record.pk] = bob_plan[record.pk] = include
    alice_plan[medline[1].pk] = bob_plan[medline[1].pk] = ("exclude", "Wrong population")
    alice_plan[website[0].pk] = bob_plan[website[0].pk] = ("exclude", "Wrong outcome")
    alice_plan[embase[3].pk], bob_plan[embase[3].pk] = ("exclude", "Wrong population"), ("exclude", "Wrong outcome")
    screen_all(review, "full_text", alice, alice_plan)
    screen_all(review, "full_text", bob, bob_plan)
    decisions.outcome_resolve(lead=carol, review=review, record=embase[3], stage="full_text", verdict="exclude",
                              reason="Wrong study design")

    # Two included reports describe one study.
    reports = {r.record_id: r for r in Report.objects.included_in(review)}
    fulltext.study_link(review=review, report_ids=[reports[medline[0].pk].pk, reports[citations[0].pk].pk],
                        by=carol, label="Shechter 2018")
    return {"medline": medline, "embase": embase, "trials": trials, "citations": citations, "website": website}


EXPECTED = {
    "previous": False, "other_methods": True,
    "previous_studies": 0, "previous_reports": 0,
    "database_results": 16, "database_specific_results": (("Embase", 6), ("MEDLINE", 10)),
    "register_results": 3, "register_specific_results": (("ClinicalTrials.gov", 3),),
    "duplicates": 3, "excluded_automatic": 2, "excluded_other": 1, "excluded_other_reasons": (),
    "records_screened": 13, "records_excluded": 8, "records_excluded_human": 8, "records_excluded_automation": 0,
    "dbr_sought_reports": 5, "dbr_notretrieved_reports": 1, "dbr_assessed": 4,
    "dbr_excluded": (("Wrong population", 1), ("Wrong study design", 1)), "dbr_included_reports": 2,
    "website_results": 1, "organisation_results": 0, "citations_results": 2,
    "other_sought_reports": 3, "other_notretrieved_reports": 1, "other_assessed": 2,
    "other_excluded": (("Wrong outcome", 1),), "other_included_reports": 1,
    "new_studies": 2, "new_reports": 3, "total_studies": 2, "total_reports": 3,
}
