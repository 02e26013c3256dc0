"""The full-text stage: reports sought for retrieval, their full texts, and the studies they
report (several reports can describe one study, and PRISMA counts both)."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class Study(models.Model):
    """One study, which the lead links one or more included reports to."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="studies")
    label = models.CharField(max_length=300, help_text="e.g. first author and year of the main report")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label", "id"]
        verbose_name_plural = "studies"

    def __str__(self):
        return self.label


class ReportQuerySet(models.QuerySet):
    def included_in(self, review):
        """Reports of `review` included at full text (and still sought: a lead may since have
        excluded the record at title/abstract). The ones the lead links to studies."""
        from .decisions import Outcome, Stage
        from .records import Record

        return self.filter(review=review, status=self.model.Status.RETRIEVED,
                           record__stages__stage=Stage.FULL_TEXT, record__stages__outcome=Outcome.INCLUDED,
                           record__in=Record.objects.sought_for_retrieval())

    def study_count(self):
        """Return how many studies these reports describe: one per linked study, and one
        per report not linked to any (it is a study of its own)."""
        counts = self.aggregate(studies=models.Count("study", distinct=True),
                                unlinked=models.Count("id", filter=models.Q(study__isnull=True)))
        return counts["studies"] + counts["unlinked"]


class Report(models.Model):
    """A record sought for retrieval: its full text (an uploaded PDF or a link) or a note why
    it could not be retrieved. Only a retrieved report is screened at full text."""

    class Status(models.TextChoices):
        RETRIEVED = "retrieved", "Full text attached"
        NOT_RETRIEVED = "not_retrieved", "Not retrieved"

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField("screening.Record", on_delete=models.CASCADE, related_name="report")
    status = models.CharField(max_length=20, choices=Status.choices)
    file = models.FileField(upload_to="fulltext/%Y/%m/", blank=True)
    url = models.URLField(max_length=1000, blank=True)
    note = models.TextField(blank=True)
    # Null until the lead links it: an included report without a study counts as a study of its own.
    study = models.ForeignKey(Study, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ReportQuerySet.as_manager()

    LINK_SCHEMES = ("http", "https")

    class Meta:
        indexes = [
            # PRISMA counts and the full-text list: reports of a review by status.
            models.Index(fields=["review", "status"], name="report_review_status"),
        ]

    def __str__(self):
        return f"Report of record {self.record_id} ({self.status})"

    @property
    def is_retrieved(self):
        return self.status == self.Status.RETRIEVED

    @property
    def web_link(self):
        """The link, only if it is an http(s) one: a link stored before links were checked is
        never rendered as a link."""
        scheme, _, rest = self.url.partition(":")
        return self.url if scheme.lower() in self.LINK_SCHEMES and rest.startswith("//") else ""
