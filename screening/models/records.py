from django.conf import settings
from django.db import models
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.utils import timezone


class IdentifiedVia(models.TextChoices):
    """How an import's records were identified, as PRISMA 2020 counts them: through a database
    or a register, or through one of the other methods."""

    DATABASE = "database", "Database"
    REGISTER = "register", "Register (e.g. ClinicalTrials.gov)"
    WEBSITE = "website", "Website"
    ORGANISATION = "organisation", "Organisation"
    CITATION = "citation", "Citation searching"


# PRISMA's two identification arms. Records from other methods skip title/abstract screening:
# the template has no "records screened" box for them, they go straight to retrieval.
DATABASES_AND_REGISTERS = (IdentifiedVia.DATABASE, IdentifiedVia.REGISTER)
OTHER_METHODS = (IdentifiedVia.WEBSITE, IdentifiedVia.ORGANISATION, IdentifiedVia.CITATION)


class Import(models.Model):
    """One file (or one PubMed search run) imported into a review, with its provenance."""

    class Status(models.TextChoices):
        CHECKED = "checked", "Checked, awaiting confirmation"
        QUEUED = "queued", "Queued"
        IMPORTING = "importing", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="imports")
    job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    # Provenance, as PRISMA-S asks for it.
    identified_via = models.CharField(max_length=20, choices=IdentifiedVia.choices, default=IdentifiedVia.DATABASE)
    database = models.CharField(max_length=200, help_text="e.g. MEDLINE, Embase, APA PsycInfo")
    platform = models.CharField(max_length=200, blank=True, help_text="e.g. PubMed, Ovid, EBSCOhost")
    searched_on = models.DateField(null=True, blank=True)
    search_string = models.TextField(blank=True)
    is_update = models.BooleanField(default=False, help_text="Records from a search update.")

    # The file.
    filename = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    format = models.CharField(max_length=40, blank=True)
    encoding = models.CharField(max_length=40, blank=True)
    column_map = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKED)
    check_report = models.JSONField(default=dict, blank=True)
    record_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # Set in the same transaction that stores the dedup result for this file's records:
    # records of an import without it are the "new" ones the next dedup run compares.
    deduplicated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.database or self.filename} ({self.record_count} records)"


class RecordQuerySet(models.QuerySet):
    def imported(self):
        """Records of finished imports. A PubMed import stores its records batch by batch
        as it downloads them; until the whole import has finished they count nowhere."""
        return self.filter(source_import__status=Import.Status.IMPORTED)

    def in_screening(self):
        """Records that reach title/abstract screening: from a finished import, and not
        removed as duplicates, as notices linked to their article, or for another reason
        before screening."""
        return self.imported().filter(duplicate_of__isnull=True, removed_reason="", notice_of__isnull=True)

    def sought_for_retrieval(self):
        """Reports sought for retrieval: records in screening that were included at
        title/abstract (by agreement or by the lead), and every record found by other
        methods (which skip title/abstract screening)."""
        from .decisions import Outcome, RecordStage, Stage

        included = RecordStage.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT,
                                              outcome=Outcome.INCLUDED)
        return self.in_screening().filter(Q(Exists(included)) | Q(source_import__identified_via__in=OTHER_METHODS))

    def with_outcomes(self):
        """Annotate each record with its outcome and final reason at title/abstract
        (ta_outcome, ta_reason) and at full text (ft_outcome, ft_reason), its report's
        retrieval status (report_status) and its study (study_id, study_label); None where
        the record has not got that far. Left joins, not subqueries: PRISMA's counts filter
        on these many times over and a subquery would run for every filter and row."""
        from .decisions import Stage

        return self.annotate(
            ta=FilteredRelation("stages", condition=Q(stages__stage=Stage.TITLE_ABSTRACT)),
            ft=FilteredRelation("stages", condition=Q(stages__stage=Stage.FULL_TEXT)),
        ).annotate(
            ta_outcome=F("ta__outcome"), ta_reason=F("ta__resolution_reason"),
            ft_outcome=F("ft__outcome"), ft_reason=F("ft__resolution_reason"),
            report_status=F("report__status"), study_id=F("report__study_id"),
            study_label=F("report__study__label"),
        )

    def removable_before_screening(self):
        """Records the lead may still remove before screening: in screening, with no vote
        given at title/abstract and no full text sought."""
        from .decisions import Decision

        voted = Decision.objects.filter(record=OuterRef("pk"), verdict__isnull=False)
        return self.in_screening().filter(~Exists(voted), report__isnull=True)

    def screening_queue(self, reviewer, review, stage):
        """Return the records waiting for `reviewer`'s verdict at `stage`: the ones claimed
        for them and not yet decided, oldest claim first (an undone vote comes back first).
        The only way a view gets work; new records are claimed by
        services.queue.screening_next, which reads this first (after a vote, only when
        the vote found the reviewer holding an open claim)."""
        return (
            self.in_screening()
            .filter(review=review, decisions__reviewer=reviewer, decisions__stage=stage,
                    decisions__verdict__isnull=True)
            .order_by("decisions__claimed_at", "decisions__id")
        )

    def duplicates(self):
        """Records removed as duplicates (PRISMA 2020 "duplicate records removed")."""
        return self.filter(duplicate_of__isnull=False)

    def linked_notices(self):
        """Notices linked to their article, and so out of screening (PRISMA 2020 counts them
        under "records removed for other reasons"). A duplicate or a record the lead removed
        counts there, not here."""
        return self.filter(duplicate_of__isnull=True, removed_reason="", notice_of__isnull=False)

    def with_retraction(self):
        """Annotate `is_retracted`: the record is flagged retracted itself, a duplicate merged
        into it is, or a retraction notice in effect is linked to it or to such a duplicate."""
        from .dedup import NoticeLink

        flagged_duplicate = self.model.objects.filter(duplicate_of=OuterRef("pk"), retracted=True)
        retraction = NoticeLink.objects.active().filter(kind=NoticeLink.Kind.RETRACTION).filter(
            Q(article=OuterRef("pk")) | Q(article__duplicate_of=OuterRef("pk")))
        return self.annotate(is_retracted=Q(retracted=True) | Exists(flagged_duplicate) | Exists(retraction))

    def with_notices(self):
        """with_retraction(), and `notice_kinds`: the kinds of the notices in effect about the
        record or a duplicate merged into it (notices that are duplicates themselves left
        out: their primary counts). Record.notice_summary says them in words."""
        from django.contrib.postgres.expressions import ArraySubquery

        from .dedup import NoticeLink

        kinds = NoticeLink.objects.active().filter(
            Q(article=OuterRef("pk")) | Q(article__duplicate_of=OuterRef("pk")), notice__duplicate_of__isnull=True,
        ).order_by("id").values("kind")
        return self.with_retraction().annotate(notice_kinds=ArraySubquery(kinds))


class Record(models.Model):
    """One bibliographic record as imported. Nothing is ever deleted: a duplicate points at its
    group's primary record, and a record removed before screening keeps its reason."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="records")
    # No index of its own: record_once_per_import_position begins with it.
    source_import = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="records", db_index=False)
    source_index = models.PositiveIntegerField(help_text="Position in the imported file, from 0.")

    title = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    authors = models.JSONField(default=list, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    journal = models.TextField(blank=True)
    volume = models.CharField(max_length=100, blank=True)
    issue = models.CharField(max_length=100, blank=True)
    pages = models.CharField(max_length=100, blank=True)
    doi = models.CharField(max_length=300, blank=True)
    pmid = models.CharField(max_length=20, blank=True)
    pmcid = models.CharField(max_length=20, blank=True)
    identifiers = models.JSONField(default=list, blank=True)
    issn = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    subject_terms = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=100, blank=True)
    publication_type = models.CharField(max_length=200, blank=True)
    urls = models.JSONField(default=list, blank=True)
    database = models.CharField(max_length=200, blank=True)
    # The record's own id in the file it came from (an accession number, an EndNote record
    # number, a BibTeX key), when the file gives one.
    id_in_file = models.CharField(max_length=200, blank=True)
    # The record's source text, kept only for MEDLINE and PubMed XML, whose every publication
    # type and citing fields the dedup run reads from it (staging.FORMATS_WITH_RAW); "" for
    # other formats: the import keeps its file, where source_index and line place the record.
    raw = models.TextField(blank=True)
    line = models.PositiveIntegerField(default=0)

    # Deduplication: null for a primary or unique record.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", db_index=False
    )
    # Removed before screening (PRISMA "records removed for other reasons" or "marked as
    # ineligible by automation tools").
    removed_reason = models.CharField(max_length=300, blank=True)
    removed_by_automation = models.BooleanField(default=False)
    # A notice (erratum, comment, retraction notice ...) linked to the article it is about:
    # out of screening, its outcome is the article's (NoticeLink says why).
    notice_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="linked_notices", db_index=False
    )
    # Flagged retracted by the record itself (publication type "Retracted Publication", a
    # title starting "RETRACTED"), as the last dedup run found. A linked retraction notice
    # flags its article through the link instead (Record.objects.with_retraction). A
    # database default, since imports COPY rows without this column.
    retracted = models.BooleanField(default=False, db_default=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        constraints = [
            # Re-running an import inserts nothing twice.
            models.UniqueConstraint(fields=["source_import", "source_index"], name="record_once_per_import_position"),
        ]
        indexes = [
            models.Index(fields=["review", "doi"], name="record_review_doi", condition=~Q(doi="")),
            models.Index(fields=["review", "pmid"], name="record_review_pmid", condition=~Q(pmid="")),
            models.Index(fields=["review", "id"], name="record_review_primary",
                         condition=Q(duplicate_of__isnull=True, removed_reason="")),
            # Only the few records that are duplicates or notices: an import, whose records are
            # neither, adds nothing to these. A lookup by value (duplicate_of=x) implies the
            # condition, so the planner and the foreign-key checks still use them.
            models.Index(fields=["duplicate_of"], name="record_duplicate_of", condition=Q(duplicate_of__isnull=False)),
            models.Index(fields=["notice_of"], name="record_notice_of", condition=Q(notice_of__isnull=False)),
        ]

    def __str__(self):
        return self.title[:80] or f"Record {self.pk}"

    @property
    def is_duplicate(self):
        return self.duplicate_of_id is not None

    @property
    def notice_summary(self):
        """"1 erratum, 1 comment": the notices about this record, when read with with_notices()."""
        from .dedup import notice_summary

        return notice_summary(getattr(self, "notice_kinds", None) or ())

    @property
    def is_notice(self):
        return self.notice_of_id is not None

    @property
    def first_author(self):
        return self.authors[0] if self.authors else ""
