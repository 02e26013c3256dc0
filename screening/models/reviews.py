import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
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


    def prisma_counts(self, review):
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
        from ..prisma import PrismaCounts
        from .fulltext import Report
        from .records import DATABASES_AND_REGISTERS, Source

        records = _prisma_records(review).with_outcomes()
        c = records.aggregate(**{name: Count("id", filter=q) for name, q in _prisma_filters().items()},
                              automation=Count("id", filter=_unscreened_counted_as_automation(review)))
        identified = {}
        per_database = {Source.DATABASE: {}, Source.REGISTER: {}}
        for row in (_prisma_records(review).values("source_import__source", "source_import__database")
                    .order_by().annotate(n=Count("id"))):
            source, name, n = row["source_import__source"], row["source_import__database"], row["n"]
            identified[source] = identified.get(source, 0) + n
            if source in per_database:
                key = name or "Unnamed database"
                per_database[source][key] = per_database[source].get(key, 0) + n
        reasons = {"dbr": {}, "other": {}}
        for row in (records.filter(_prisma_filters()["dbr_excluded"] | _prisma_filters()["other_excluded"])
                    .values("source_import__source", "ft_reason").order_by().annotate(n=Count("id"))):
            arm = "dbr" if row["source_import__source"] in DATABASES_AND_REGISTERS else "other"
            reason = row["ft_reason"] or "No reason given"
            reasons[arm][reason] = reasons[arm].get(reason, 0) + row["n"]
        included = records.filter(_prisma_filters()["dbr_included"] | _prisma_filters()["other_included"])
        new_studies = Report.objects.filter(record__in=included.values("pk")).study_count()
        new_reports = c["dbr_included"] + c["other_included"]
        other_methods = any(identified.get(s) for s in (Source.WEBSITE, Source.ORGANISATION, Source.CITATION))
        order = {reason: i for i, reason in enumerate(review.exclusion_reasons or [])}

        def ordered(counts):
            return tuple(sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))

        previous_studies, previous_reports = review.previous_studies or 0, review.previous_reports or 0
        automation = c["automation"]
        return PrismaCounts(
            previous=review.is_update, other_methods=other_methods,
            previous_studies=previous_studies, previous_reports=previous_reports,
            database_results=identified.get(Source.DATABASE, 0),
            database_specific_results=tuple(sorted(per_database[Source.DATABASE].items())),
            register_results=identified.get(Source.REGISTER, 0),
            register_specific_results=tuple(sorted(per_database[Source.REGISTER].items())),
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
            website_results=identified.get(Source.WEBSITE, 0),
            organisation_results=identified.get(Source.ORGANISATION, 0),
            citations_results=identified.get(Source.CITATION, 0),
            other_sought_reports=c["other_sought"], other_notretrieved_reports=c["other_notretrieved"],
            other_assessed=c["other_assessed"], other_excluded=ordered(reasons["other"]),
            other_included_reports=c["other_included"],
            new_studies=new_studies, new_reports=new_reports,
            total_studies=previous_studies + new_studies, total_reports=previous_reports + new_reports,
        )

    def prisma_open_work(self, review):
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
    from .decisions import Decision, Stage
    from .stopping import StopDecision

    counted = StopDecision.objects.filter(pk__in=Subquery(
        StopDecision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).order_by("-decided_at", "-id")
        .values("pk")[:1]), count_unscreened_as_automation=True)
    voted = Decision.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, verdict__isnull=False)
    return (_prisma_filters()["records_screened"] & ~Q(ta_outcome__in=["included", "excluded"])
            & ~Q(Exists(voted)) & Q(Exists(counted)))


def _prisma_records(review):
    """The records PRISMA counts: all imported ones, or in an updated review those from
    search updates."""
    from .records import Record

    records = Record.objects.imported().filter(review=review)
    if review.is_update:
        records = records.filter(source_import__is_update=True)
    return records


def _prisma_filters():
    """One filter per PRISMA count, over _prisma_records."""
    from .records import DATABASES_AND_REGISTERS, OTHER_METHODS

    dbr = Q(source_import__source__in=DATABASES_AND_REGISTERS)
    other = Q(source_import__source__in=OTHER_METHODS)
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
    # Priority order (issue 8): each reviewer's own model, retrained in the background.
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
