"""PRISMA 2020 reads: every box of the flow diagram counted from a review's own records, and
what is still open (why the sums do not hold yet). The arithmetic and the checks are pure
(screening.prisma); this module only counts."""
from django.db.models import Count, Exists, OuterRef, Q, Subquery

from ..models import Decision, Record, Report, Stage
from ..models.records import DATABASES_AND_REGISTERS, OTHER_METHODS, IdentifiedVia
from ..models.reviews import NOTICES_LINKED, REMOVED_BY_LEAD
from ..models.stopping import StopDecision
from ..prisma import PrismaCounts, check_sums


def prisma_counts(review):
    """Return the review's PRISMA 2020 flow diagram as a PrismaCounts, every box counted
    from the review's own records (see docs/prisma2020.md for each box and sum).

    Databases and registers: each import's provenance names the arm and the database;
    duplicates (records pointing at a primary) come first, then records removed before
    screening by automation tools or for other reasons; the rest are screened. Records
    included at title/abstract are sought for retrieval; a report is assessed once its
    full text is attached, and counted as excluded (per final reason) or included by its
    full-text outcome. Other methods skip title/abstract screening: every such record
    that is not a duplicate or removed is sought. In an updated review (previous studies
    or reports entered by the lead) only records from search updates are new.

    Records still awaiting a decision are in no "excluded" or "included" box, so the sums
    do not hold until screening is done; prisma_open_work says what is still open.
    """
    records = _prisma_records(review).with_outcomes()
    c = records.aggregate(**{name: Count("id", filter=q) for name, q in _prisma_filters().items()},
                          automation=Count("id", filter=_unscreened_counted_as_automation(review)))
    identified = {}
    per_database = {IdentifiedVia.DATABASE: {}, IdentifiedVia.REGISTER: {}}
    for row in (_prisma_records(review).values("source_import__identified_via", "source_import__database")
                .order_by().annotate(n=Count("id"))):
        via, name, n = row["source_import__identified_via"], row["source_import__database"], row["n"]
        identified[via] = identified.get(via, 0) + n
        if via in per_database:
            key = name or "Unnamed database"
            per_database[via][key] = per_database[via].get(key, 0) + n
    reasons = {"dbr": {}, "other": {}}
    for row in (records.filter(_prisma_filters()["dbr_excluded"] | _prisma_filters()["other_excluded"])
                .values("source_import__identified_via", "ft_reason").order_by().annotate(n=Count("id"))):
        arm = "dbr" if row["source_import__identified_via"] in DATABASES_AND_REGISTERS else "other"
        reason = row["ft_reason"] or "No reason given"
        reasons[arm][reason] = reasons[arm].get(reason, 0) + row["n"]
    included = records.filter(_prisma_filters()["dbr_included"] | _prisma_filters()["other_included"])
    new_studies = Report.objects.filter(record__in=included.values("pk")).study_count()
    new_reports = c["dbr_included"] + c["other_included"]
    other_methods = any(identified.get(via) for via in OTHER_METHODS)
    order = {reason: i for i, reason in enumerate(review.exclusion_reasons or [])}

    def ordered(counts):
        return tuple(sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))

    previous_studies, previous_reports = review.previous_studies or 0, review.previous_reports or 0
    automation = c["automation"]
    return PrismaCounts(
        previous=review.is_update, other_methods=other_methods,
        previous_studies=previous_studies, previous_reports=previous_reports,
        database_results=identified.get(IdentifiedVia.DATABASE, 0),
        database_specific_results=tuple(sorted(per_database[IdentifiedVia.DATABASE].items())),
        register_results=identified.get(IdentifiedVia.REGISTER, 0),
        register_specific_results=tuple(sorted(per_database[IdentifiedVia.REGISTER].items())),
        duplicates=c["duplicates"], excluded_automatic=c["excluded_automatic"],
        excluded_other=c["excluded_other"],
        # Broken down only when notices are among them, so the label says what they are.
        excluded_other_reasons=tuple(
            (label, count) for label, count in ((NOTICES_LINKED, c["notices_linked"]),
                                                (REMOVED_BY_LEAD, c["excluded_other"] - c["notices_linked"]))
            if count) if c["notices_linked"] else (),
        records_screened=c["records_screened"], records_excluded=c["records_excluded"] + automation,
        # Every title/abstract exclusion is a person's; the records left unscreened when the
        # lead stopped screening count as excluded by automation tools only if the lead said so.
        records_excluded_human=c["records_excluded"], records_excluded_automation=automation,
        dbr_sought_reports=c["dbr_sought"], dbr_notretrieved_reports=c["dbr_notretrieved"],
        dbr_assessed=c["dbr_assessed"], dbr_excluded=ordered(reasons["dbr"]),
        dbr_included_reports=c["dbr_included"],
        website_results=identified.get(IdentifiedVia.WEBSITE, 0),
        organisation_results=identified.get(IdentifiedVia.ORGANISATION, 0),
        citations_results=identified.get(IdentifiedVia.CITATION, 0),
        other_sought_reports=c["other_sought"], other_notretrieved_reports=c["other_notretrieved"],
        other_assessed=c["other_assessed"], other_excluded=ordered(reasons["other"]),
        other_included_reports=c["other_included"],
        new_studies=new_studies, new_reports=new_reports,
        total_studies=previous_studies + new_studies, total_reports=previous_reports + new_reports,
    )

def prisma_open_work(review):
    """Return how many records are still open at each step, which is why the PRISMA
    sums do not hold yet: awaiting a title/abstract outcome, awaiting retrieval (no full
    text attached nor marked not retrieved) and awaiting a full-text outcome."""
    f = _prisma_filters()
    decided = ["included", "excluded"]
    # A record not yet in a stage has no outcome (NULL): open too.
    open_filters = {
        "title_abstract": f["records_screened"] & (Q(ta_outcome__isnull=True) | ~Q(ta_outcome__in=decided)),
        "retrieval": (f["dbr_sought"] | f["other_sought"]) & Q(report_status__isnull=True),
        "full_text": (f["dbr_assessed"] | f["other_assessed"])
        & (Q(ft_outcome__isnull=True) | ~Q(ft_outcome__in=decided)),
    }
    return _prisma_records(review).with_outcomes().aggregate(
        **{name: Count("id", filter=q) for name, q in open_filters.items()})


def _unscreened_counted_as_automation(review):
    """A filter, over _prisma_records with outcomes, for the records nobody has voted on at
    title/abstract when the lead's latest decision to stop screening counts them as excluded by
    automation tools (the ranking and stopping rule); matches nothing otherwise. A condition of
    the main aggregate, so PRISMA's count stays one query."""
    counted = StopDecision.objects.filter(pk__in=Subquery(
        StopDecision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).order_by("-decided_at", "-id")
        .values("pk")[:1]), count_unscreened_as_automation=True)
    voted = Decision.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, verdict__isnull=False)
    return (_prisma_filters()["records_screened"] & ~Q(ta_outcome__in=["included", "excluded"])
            & ~Q(Exists(voted)) & Q(Exists(counted)))


def _prisma_records(review):
    """The records PRISMA counts: all imported ones, or in an updated review those from
    search updates."""
    records = Record.objects.imported().filter(review=review)
    if review.is_update:
        records = records.filter(source_import__is_update=True)
    return records


def _prisma_filters():
    """One filter per PRISMA count, over _prisma_records."""
    dbr = Q(source_import__identified_via__in=DATABASES_AND_REGISTERS)
    other = Q(source_import__identified_via__in=OTHER_METHODS)
    unique = Q(duplicate_of__isnull=True)
    # A notice linked to its article leaves with it: "removed for other reasons", unless it
    # is a duplicate or the lead removed it already (those boxes come first).
    notice = unique & Q(removed_reason="") & Q(notice_of__isnull=False)
    kept = unique & Q(removed_reason="") & Q(notice_of__isnull=True)
    removed = unique & ~Q(removed_reason="")
    f = {
        "duplicates": dbr & ~unique,
        "excluded_automatic": dbr & removed & Q(removed_by_automation=True),
        "excluded_other": dbr & ((removed & Q(removed_by_automation=False)) | notice),
        "notices_linked": dbr & notice,
        "records_screened": dbr & kept,
        "records_excluded": dbr & kept & Q(ta_outcome="excluded"),
    }
    for arm, sought in (("dbr", dbr & kept & Q(ta_outcome="included")), ("other", other & kept)):
        assessed = sought & Q(report_status="retrieved")
        f[f"{arm}_sought"] = sought
        f[f"{arm}_notretrieved"] = sought & Q(report_status="not_retrieved")
        f[f"{arm}_assessed"] = assessed
        f[f"{arm}_excluded"] = assessed & Q(ft_outcome="excluded")
        f[f"{arm}_included"] = assessed & Q(ft_outcome="included")
    return f


def prisma_dashboard(review, membership):
    """The PRISMA section of the dashboard: for the lead, the headline numbers and how many
    sums do not add up yet; nothing for reviewers (review-wide counts move with other
    reviewers' votes)."""
    if membership.role != "lead":
        return {"prisma": None}
    counts = prisma_counts(review)
    return {"prisma": {"counts": counts, "mismatches": len(check_sums(counts))}}
