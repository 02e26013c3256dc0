from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A background job. Its state lives on this row, so a retried or duplicated task is harmless:
    a task claims the row (PENDING -> RUNNING) before doing anything and returns if it cannot."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    review = models.ForeignKey(
        "screening.Review", on_delete=models.CASCADE, related_name="jobs", null=True, blank=True
    )
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Refreshed every JOB_HEARTBEAT_SECONDS by the running worker (and with every progress
    # report). A RUNNING job whose heartbeat is older than JOB_STALE_SECONDS was left by a
    # worker that died: a redelivered task takes it over, and the page offers Retry and Cancel.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["review", "kind", "status"], name="job_review_kind_status")]

    def __str__(self):
        return f"{self.kind} job {self.pk} ({self.status})"

    @staticmethod
    def stale_after():
        return timedelta(seconds=settings.JOB_STALE_SECONDS)

    @property
    def is_finished(self):
        return self.status in self.FINISHED

    @property
    def is_stalled(self):
        """Running, but its worker has stopped reporting: it died, or lost the database."""
        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > self.stale_after()

    @property
    def percent(self):
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))
