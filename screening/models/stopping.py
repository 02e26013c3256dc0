"""The lead's recorded decision to stop screening before every record was screened, with the
recall estimate it rested on (screening.core.stopping). Rows are never edited: a later decision is a
new row, so the table is the history."""
from django.conf import settings
from django.db import models
from django.utils import timezone


class StopDecision(models.Model):
    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="stop_decisions")
    stage = models.CharField(max_length=20)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    # The estimate at the time, as the dashboard showed it.
    screened = models.PositiveIntegerField()
    unscreened = models.PositiveIntegerField()
    includes_found = models.PositiveIntegerField()
    recall_estimate = models.FloatField(null=True, blank=True)
    recall_low = models.FloatField(null=True, blank=True)
    recall_high = models.FloatField(null=True, blank=True)
    recall_lower_bound = models.FloatField(null=True, blank=True)
    target_recall = models.PositiveSmallIntegerField(help_text="%")
    confidence = models.PositiveSmallIntegerField(help_text="%")
    target_met = models.BooleanField()
    method = models.CharField(max_length=200)
    count_unscreened_as_automation = models.BooleanField(
        default=False, help_text="Count the unscreened records in PRISMA as excluded by automation tools.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"Stop at {self.screened} screened in {self.review} by {self.decided_by}"
