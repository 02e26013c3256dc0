"""PubMed searches run from inside a review.

A PubMedSearch is what the lead typed, saved on the review; each PubMedRun is one time it
was run, with what PubMed answered (count, translation, warnings) and the Import its records
went into. A run documents the search as PRISMA-S asks: query, date run, count, limits.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone


class PubMedSearch(models.Model):
    """A PubMed query saved on a review, so it can be documented and run again for updates."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="pubmed_searches")
    query = models.TextField()
    # Publication-date limits as the lead set them (both inclusive); empty means no limit.
    mindate = models.DateField(null=True, blank=True)
    maxdate = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "PubMed search"
        verbose_name_plural = "PubMed searches"

    def __str__(self):
        return self.query[:80]


class PubMedRun(models.Model):
    """One run of a saved search and the import it feeds.

    ``plan`` is the download's SearchPlan as JSON (slices and position). It is saved in the
    same transaction as each batch's records, so a job that is stopped and resumed carries on
    after the last stored batch. ``stored`` is the number of records stored so far, and so
    also the source_index of the next one.
    """

    search = models.ForeignKey(PubMedSearch, on_delete=models.CASCADE, related_name="runs")
    source_import = models.OneToOneField("screening.Import", on_delete=models.CASCADE, related_name="pubmed_run")
    ran_at = models.DateTimeField(default=timezone.now)
    # An update limited to records PubMed added since an earlier run (entry date, [edat]).
    entered_since = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True, help_text="Hits PubMed reported for this run.")
    query_translation = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    plan = models.JSONField(default=dict, blank=True)
    stored = models.PositiveIntegerField(default=0)
    # PubMed answered with fewer records than a batch's position promised: records deleted
    # between the search and the download. No PMIDs are known for these.
    missing = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self):
        return f"{self.search} ({self.ran_at:%Y-%m-%d})"

    @property
    def term(self):
        """Return the query sent to PubMed: the saved query, narrowed for an update."""
        if self.entered_since is None:
            return self.search.query
        return f"({self.search.query}) AND {self.entered_since:%Y/%m/%d}:3000/12/31[edat]"

    @property
    def position_text(self):
        """Say where the download stands, for a run that stopped part-way."""
        plan = self.plan or {}
        if not plan:
            return "before anything was downloaded"
        slices = len(plan.get("slices", []))
        at = plan.get("position", {})
        if slices <= 1:
            return f"after {self.stored:,} of {self.count or 0:,} records"
        return (f"after {self.stored:,} of {self.count or 0:,} records "
                f"(date range {min(at.get('slice', 0) + 1, slices)} of {slices})")


class PubMedSkip(models.Model):
    """A hit of a run that was not imported, and why: the imported count plus these adds up
    to the hit count, record by record."""

    class Reason(models.TextChoices):
        IN_REVIEW = "in_review", "Already in the review"

    run = models.ForeignKey(PubMedRun, on_delete=models.CASCADE, related_name="skips")
    pmid = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # The import that already holds this PMID.
    existing_import = models.ForeignKey("screening.Import", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "pmid"], name="pubmed_skip_once_per_run")]

    def __str__(self):
        return f"PMID {self.pmid}: {self.get_reason_display()}"
