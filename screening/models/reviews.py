import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


# PRISMA's "records removed for other reasons", broken down.
NOTICES_LINKED = "Notices linked to their article (errata, comments, retractions)"
REMOVED_BY_LEAD = "Removed by a lead, with the reason given"


class Role(models.TextChoices):
    LEAD = "lead", "Lead"
    REVIEWER = "reviewer", "Reviewer"


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user):
        """Return the reviews the user is an active member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__user=user, memberships__removed_at__isnull=True
        ).distinct()


class Review(models.Model):
    class Order(models.TextChoices):
        RANDOM = "random", "Random (stable per reviewer)"
        IMPORT = "import", "Import order"
        PRIORITY = "priority", "Priority (predicted relevance)"

    title = models.CharField(max_length=300)
    question = models.TextField("review question", blank=True)
    inclusion_criteria = models.TextField(blank=True)
    exclusion_criteria = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Screening settings, changed by a lead.
    reviewers_per_record = models.PositiveSmallIntegerField(
        default=2, choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    blind = models.BooleanField(
        default=True, help_text="Reviewers cannot see each other's decisions until a record is resolved."
    )
    order = models.CharField(max_length=10, choices=Order.choices, default=Order.RANDOM)
    # Priority order: each reviewer's own model, retrained in the background.
    priority_retrain_every = models.PositiveSmallIntegerField(
        "retrain the ranking after every", default=10,
        help_text="Decisions of a reviewer between two retrainings of their ranking.")
    priority_min_includes = models.PositiveSmallIntegerField(
        "includes before ranking", default=1,
        help_text="Random order until a reviewer has made this many includes (Maybe counts as include)…")
    priority_min_excludes = models.PositiveSmallIntegerField(
        "excludes before ranking", default=1, help_text="…and this many excludes.")
    priority_show_estimates = models.BooleanField(
        "show relevance estimates", default=True,
        help_text="With priority order, show each record's predicted relevance and the words behind it, "
                  "the estimated includes remaining and a stopping hint.")
    stop_target_recall = models.PositiveSmallIntegerField(
        "target recall (%)", default=95, validators=[MinValueValidator(50), MaxValueValidator(99)],
        help_text="The share of includes screening must have found before the stopping rule says the team may stop.")
    stop_confidence = models.PositiveSmallIntegerField(
        "confidence (%)", default=95, validators=[MinValueValidator(50), MaxValueValidator(99)],
        help_text="How sure the stopping rule must be that the target recall is reached.")
    include_keywords = models.TextField(blank=True, help_text="One per line; highlighted green.")
    exclude_keywords = models.TextField(blank=True, help_text="One per line; highlighted red.")
    exclusion_reasons = models.JSONField(default=list, blank=True)
    reason_required_at_title_abstract = models.BooleanField(default=False)
    show_authors = models.BooleanField(default=True)
    show_journal = models.BooleanField(default=True)
    database_preference = models.JSONField(
        default=list, blank=True, help_text="Source databases preferred for a duplicate group's primary record."
    )
    # Set once a dedup run has linked a notice to its article or flagged a retracted record:
    # only then do the screening card and the lead's pages look notices and retractions up,
    # so a review without any pays no query for them.
    has_notices = models.BooleanField(default=False, editable=False)
    # An updated review (PRISMA's "previous studies" arm): what the previous version included,
    # entered by the lead. Null for a new review.
    previous_studies = models.PositiveIntegerField(null=True, blank=True)
    previous_reports = models.PositiveIntegerField(null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def is_update(self):
        """True for an updated review: its PRISMA diagram has the previous-studies arm and
        counts only records from search updates as new."""
        return self.previous_studies is not None or self.previous_reports is not None

    def role_of(self, user):
        """Return the user's role in this review, or None for a non-member."""
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user=user, removed_at__isnull=True).first()
        return membership.role if membership else None


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True)

    def leads(self):
        return self.active().filter(role=Role.LEAD)


class Membership(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REVIEWER)
    created_at = models.DateTimeField(default=timezone.now)
    # Removing a member keeps the row, so their past decisions stay attributed.
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="one_membership_per_user")
        ]
        indexes = [
            # access_check() runs this lookup on every review page.
            models.Index(fields=["user", "review"], name="membership_user_review",
                         condition=Q(removed_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.user} ({self.role}) in {self.review}"

    @property
    def is_active(self):
        return self.removed_at is None


def _invitation_token():
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REVIEWER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "email"],
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self):
        return f"Invitation of {self.email} to {self.review}"

    @property
    def expires_at(self):
        return self.created_at + timedelta(days=settings.INVITATION_EXPIRES_DAYS)

    @property
    def is_expired(self):
        return timezone.now() >= self.expires_at

    @property
    def is_open(self):
        """An invitation can be accepted once, before it expires."""
        return self.accepted_at is None and not self.is_expired

    def is_for(self, user):
        """Only the account with the invited address may accept: the link is a message to that
        address, not a key anyone holding it may use."""
        return bool(user.email) and user.email.strip().lower() == self.email.strip().lower()
