"""Screening decisions: who judged which record at which stage, the record's outcome, pilots and
the append-only history.

Blinding lives here, in one place: `Decision.objects.visible_to(user, review)` is the only read
that views and exports use to show decisions.
"""
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


class Stage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", "Title and abstract"
    FULL_TEXT = "full_text", "Full text"


class Verdict(models.TextChoices):
    INCLUDE = "include", "Include"
    EXCLUDE = "exclude", "Exclude"
    MAYBE = "maybe", "Maybe"


class Outcome(models.TextChoices):
    PENDING = "pending", "Awaiting votes"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    CONFLICT = "conflict", "Conflict"


RESOLVED_OUTCOMES = (Outcome.INCLUDED, Outcome.EXCLUDED)


class Pilot(models.Model):
    """A pilot round: K random records that every reviewer screens before the rest."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="pilots")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.TITLE_ABSTRACT)
    size = models.PositiveIntegerField()
    # How many votes a pilot record needs: every reviewer at the time the pilot started.
    reviewers_needed = models.PositiveSmallIntegerField()
    holds_back_screening = models.BooleanField(
        default=True, help_text="Full screening opens only when the lead closes the pilot."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "stage"], condition=Q(closed_at__isnull=True),
                                    name="one_open_pilot_per_stage"),
        ]

    def __str__(self):
        return f"Pilot of {self.size} records in {self.review}"

    @property
    def is_open(self):
        return self.closed_at is None


class RecordStageQuerySet(models.QuerySet):
    def for_stage(self, review, stage):
        return self.filter(review=review, stage=stage)

    def in_screening(self):
        """Record stages of records in screening (Record.objects.in_screening): from a
        finished import, and neither a duplicate, a linked notice nor removed before screening."""
        return self.filter(record__duplicate_of__isnull=True, record__removed_reason="",
                           record__notice_of__isnull=True, record__source_import__status="imported")

    def open_conflicts(self, review, stage=None):
        """Open conflicts of the review, at `stage` or at every stage: the one definition the
        conflicts page, the dashboard and the navigation count from, so their numbers agree."""
        conflicts = self.filter(review=review, outcome=Outcome.CONFLICT).in_screening()
        return conflicts if stage is None else conflicts.filter(stage=stage)

    def open_conflict_counts(self, review):
        """Return {stage: number of open conflicts} for every stage (0 where none)."""
        counts = dict.fromkeys(Stage.values, 0)
        counts.update(self.open_conflicts(review).values_list("stage").order_by().annotate(n=models.Count("id")))
        return counts


class RecordStage(models.Model):
    """One record at one stage: its position in the screening order, how many reviewers have
    claimed it, and its outcome. Created for every record of the review (in_screening or not;
    the queue filters) when its import finishes (`record_stages_add_import`)."""

    class Resolution(models.TextChoices):
        NONE = "", "Not resolved"
        AGREEMENT = "agreement", "Reviewers agreed"
        LEAD_RESOLVED = "lead_resolved", "Conflict resolved by the lead"
        LEAD_ALONE = "lead_alone", "Decided by the lead alone"

    # Neither has an index of its own: the indexes below begin with review, one_record_stage
    # with record (each index is work for every row an import adds).
    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="stages", db_index=False)
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # A random, stable number (md5 of the record id and the review): the shuffled order every
    # reviewer walks from their own seeded starting point.
    order_key = models.IntegerField()
    # Reviewers who claimed this record (decision rows, decided or not). Raised only by a
    # conditional claim, so it never passes the number of reviewers per record.
    claims = models.PositiveSmallIntegerField(default=0)
    pilot = models.ForeignKey(Pilot, on_delete=models.SET_NULL, null=True, blank=True, related_name="record_stages",
                              db_index=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, default="", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", db_index=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.CharField(max_length=300, blank=True)

    objects = RecordStageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="one_record_stage"),
        ]
        indexes = [
            # The screening view's claim (Record.objects.screening_queue): walk pending records in
            # shuffled order from the reviewer's cursor; resolved and conflicting ones drop out.
            models.Index(fields=["review", "stage", "order_key"], name="recordstage_queue",
                         condition=Q(outcome="pending")),
            # Import order (the same walk by record id) and record_stages_sync's max(record id).
            models.Index(fields=["review", "stage", "record"], name="recordstage_review_record"),
            # Conflicts queue and lead dashboard counts.
            models.Index(fields=["review", "stage", "outcome"], name="recordstage_outcome"),
            # Only the rows that have one (a new record has neither).
            models.Index(fields=["pilot"], name="recordstage_pilot", condition=Q(pilot__isnull=False)),
            models.Index(fields=["resolved_by"], name="recordstage_resolved_by",
                         condition=Q(resolved_by__isnull=False)),
        ]

    def __str__(self):
        return f"{self.record_id} at {self.stage}: {self.outcome}"

    @property
    def is_resolved(self):
        return self.outcome in RESOLVED_OUTCOMES


def _blinded_for(user, review, role, unblinded_only):
    """Return None when `user` may see nothing of the review (not a member), False when they
    may see every reviewer's votes, True when others' votes on unresolved records are hidden."""
    from .reviews import Membership, Role

    if role is None and user.is_authenticated:
        role = (Membership.objects.active().filter(review=review, user=user)
                .values_list("role", flat=True).first())
    if role is None:
        return None
    return review.blind and (role != Role.LEAD or unblinded_only)


def _blinding_over():
    """The rows (with a record and a stage) whose record is resolved at that stage: blinding
    is over there for every member."""
    return Exists(RecordStage.objects.filter(record=OuterRef("record"), stage=OuterRef("stage"),
                                             outcome__in=RESOLVED_OUTCOMES))


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user, review, *, role=None, unblinded_only=False):
        """Return the decisions in `review` that `user` may see. The one place blinding is
        decided: every view and export reads decisions through this.

        A lead sees every decision. A reviewer sees their own, and another reviewer's only once
        the record is resolved (included or excluded) at that stage, or when the lead has
        lifted blind mode. A conflict is not resolved. A non-member sees nothing. Views pass
        the `role` the access check already found; without it, it is looked up.

        With `unblinded_only`, everyone, the lead included, gets only the decisions whose
        blinding is over for every member: on records resolved at that stage (or all, once
        blind mode is off). Exports use it, since a file outlives the page it came from and
        may be passed on to reviewers.
        """
        decisions = self.filter(review=review)
        blinded = _blinded_for(user, review, role, unblinded_only)
        if blinded is None:
            return decisions.none()
        if blinded is False:
            return decisions
        if unblinded_only:
            return decisions.filter(_blinding_over())
        return decisions.filter(Q(reviewer=user) | _blinding_over())

    def decided(self):
        return self.filter(verdict__isnull=False)

    def open_claims(self):
        return self.filter(verdict__isnull=True)


class Decision(models.Model):
    """One reviewer's judgement of one record at one stage. The row is created when the
    record is claimed for the reviewer (verdict empty) and carries the verdict once given;
    undo empties it again. Every change is also written to DecisionEvent."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions")
    verdict = models.CharField(max_length=10, choices=Verdict.choices, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        constraints = [
            # A double submit or two tabs never create two decisions.
            models.UniqueConstraint(fields=["record", "stage", "reviewer"], name="one_decision_per_reviewer"),
        ]
        indexes = [
            # The screening view: my cursor, my progress, my decisions list. The cursor is my
            # latest claim by (claimed_at, id): with the id in the index it is the first entry of
            # a backward scan, whatever the planner's statistics say (before the first ANALYZE
            # it read and sorted all my decisions).
            models.Index(fields=["reviewer", "review", "stage", "claimed_at", "id"], name="decision_reviewer_queue"),
            # The screening view's first question (Record.objects.screening_queue): my open
            # claims. Partial, so it stays tiny and the planner starts from it.
            models.Index(fields=["reviewer", "review", "stage", "claimed_at"], name="decision_open_claims",
                         condition=Q(verdict__isnull=True)),
            # Outcome and agreement: every vote on one record.
            models.Index(fields=["record", "stage"], name="decision_record_stage"),
        ]

    def __str__(self):
        return f"{self.reviewer} on {self.record_id} at {self.stage}: {self.verdict or 'claimed'}"


class DecisionEventQuerySet(models.QuerySet):
    def visible_to(self, user, review, *, role=None, unblinded_only=False):
        """Return the history entries of `review` that `user` may see, by the rule of
        Decision.objects.visible_to: a reviewer's vote, change or undo (with its verdicts,
        reason and note) is a vote, shown to others only once its record is resolved at that
        stage or blind mode is off; `unblinded_only` as there (every export uses it). Entries
        that are no reviewer's vote (the lead's decisions, pilots, removals, retrieval) are
        shown to every member who may see the review."""
        events = self.filter(review=review)
        blinded = _blinded_for(user, review, role, unblinded_only)
        if blinded is None:
            return events.none()
        if blinded is False:
            return events
        not_a_vote = ~Q(kind__in=DecisionEvent.VOTE_KINDS)
        if unblinded_only:
            return events.filter(not_a_vote | _blinding_over())
        return events.filter(not_a_vote | Q(actor=user) | _blinding_over())


class DecisionEvent(models.Model):
    """The append-only history: every vote, change, undo and resolution. The database refuses
    UPDATE and DELETE on this table (a trigger, migration 0004)."""

    class Kind(models.TextChoices):
        VOTE = "vote", "Vote"
        CHANGE = "change", "Vote changed"
        UNDO = "undo", "Vote undone"
        RESOLVE = "resolve", "Conflict resolved by the lead"
        LEAD_ALONE = "lead_alone", "Decided by the lead alone"
        PILOT_START = "pilot_start", "Pilot started"
        PILOT_CLOSE = "pilot_close", "Pilot closed"
        REMOVE = "remove", "Removed before screening"
        RESTORE = "restore", "Returned to screening"
        RETRIEVAL = "retrieval", "Full text attached or marked not retrieved"
        SECOND_LOOK_KEEP = "second_look_keep", "Kept excluded after a second look"

    # A reviewer's votes: blinded like their Decision (DecisionEventQuerySet.visible_to).
    VOTE_KINDS = (Kind.VOTE, Kind.CHANGE, Kind.UNDO)

    # PROTECT: the history outlives nothing; deleting a review or user with history fails
    # loudly in Django instead of at the trigger.
    review = models.ForeignKey("screening.Review", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("screening.Record", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_verdict = models.CharField(max_length=10, blank=True)
    new_verdict = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    objects = DecisionEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["review", "at"], name="decisionevent_review_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.kind} {self.old_verdict}->{self.new_verdict}"
