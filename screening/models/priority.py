"""Priority screening: each reviewer's latest finished ranking of the records they have not
screened, and the bookkeeping of its retraining.

A ranking is per reviewer (and stage) because it is trained on that reviewer's own decisions
plus resolved outcomes only; see services/priority.py for why that keeps blinding intact.
"""
from django.conf import settings
from django.db import models


class PriorityRanking(models.Model):
    """One reviewer's ranking state at one stage. The row carries both the stored ranking's
    summary (when trained, on what, the estimates shown beside it) and the retraining
    debounce: a retrain is requested only when the reviewer's own decision count passes
    `requested_at_decisions` by the review's cadence, by a conditional UPDATE, so two requests
    at once start one job."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20)

    # Debounce: the reviewer's own decision count when a retrain was last requested.
    requested_at_decisions = models.PositiveIntegerField(default=0)
    requested_job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+")

    # The stored ranking (its rows are PriorityRank). Empty until the first training finishes.
    job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    trained_at = models.DateTimeField(null=True, blank=True)
    own_decisions = models.PositiveIntegerField(default=0, help_text="The reviewer's own decisions trained on.")
    resolved_records = models.PositiveIntegerField(default=0, help_text="Resolved outcomes trained on.")
    ranked = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0, help_text="Training + ranking + storing, features cached or not.")

    # Estimates as of the stored ranking (ranking.estimate_remaining_includes, stopping_hint).
    remaining_includes = models.FloatField(null=True, blank=True)
    unscreened = models.PositiveIntegerField(default=0)
    excludes_in_a_row = models.PositiveIntegerField(default=0)
    stop_threshold = models.PositiveIntegerField(default=0)
    may_stop = models.BooleanField(default=False)
    # Recall of the reviewer's own screening so far (screening.core.stopping.ranked_hypergeometric).
    recall_estimate = models.FloatField(null=True, blank=True)
    recall_low = models.FloatField(null=True, blank=True)
    recall_high = models.FloatField(null=True, blank=True)
    recall_lower_bound = models.FloatField(null=True, blank=True)
    recall_target_met = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "reviewer", "stage"], name="one_priority_ranking"),
        ]

    def __str__(self):
        return f"Priority ranking of {self.reviewer} in {self.review} ({self.stage})"

    @property
    def is_trained(self):
        return self.trained_at is not None


class PriorityRank(models.Model):
    """One record's place in one reviewer's ranking: position 0 is the most likely include.
    `words` are the terms that pushed its score up most (stored for the top of the ranking
    only: the reviewer reaches no further before the next retrain)."""

    ranking = models.ForeignKey(PriorityRanking, on_delete=models.CASCADE, related_name="ranks")
    record = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    score = models.FloatField()
    words = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            # Also the index of the screening view's claim in priority order
            # (services.queue._claim_sql): walk my ranking best first, stop at the first
            # record still open for me.
            models.UniqueConstraint(fields=["ranking", "position"], name="priorityrank_walk"),
        ]
        indexes = [
            # The card of a record already claimed for me: its score and words.
            models.Index(fields=["record", "ranking"], name="priorityrank_record"),
        ]

    def __str__(self):
        return f"{self.record_id} at {self.position} ({self.score:.2f})"
