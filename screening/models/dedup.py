"""Deduplication: why records were merged, the pairs a lead decides by hand, and notices
linked to the article they are about.

Nothing here deletes a record. A duplicate points at its group's primary record
(``Record.duplicate_of``); a ``Merge`` row says why, what it filled into the primary,
and lets a lead undo it. A ``DuplicateCandidate`` is a pair the engine was unsure about.
A notice (erratum, comment, reply, retraction notice, expression of concern) is not a
duplicate: a ``NoticeLink`` ties it to its article (``Record.notice_of``), and it leaves
screening with that article.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone


class MergeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(undone_at__isnull=True)


class MergeBatch(models.Model):
    """Pairs a lead accepted together ("Accept many at once"): the exact pairs shown on the
    preview, merged as one step and undone as one step."""

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="merge_batches")
    min_score = models.FloatField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"batch {self.pk} of review {self.review_id} (score >= {self.min_score})"

    @property
    def is_undone(self):
        return self.undone_at is not None


class Merge(models.Model):
    """One record put into a duplicate group, with the reason and what it changed.

    ``primary`` is the record it was merged into: the one that received ``filled`` (field
    -> value copied from this group) and whose ``previous`` values undo restores. The
    group's current primary is ``record.duplicate_of``; it differs from ``primary`` only
    after the lead joined two groups by hand.
    """

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="merges")
    record = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="merges")
    primary = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="+")
    # The record whose match justified the merge (the primary, or another group member).
    linked_to = models.ForeignKey("screening.Record", on_delete=models.SET_NULL, null=True, related_name="+")
    rule = models.CharField(max_length=100)
    score = models.FloatField(null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(default=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    batch = models.ForeignKey(MergeBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges")
    created_at = models.DateTimeField(default=timezone.now)
    filled = models.JSONField(default=dict, blank=True)
    previous = models.JSONField(default=dict, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")

    objects = MergeQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]  # newest first; ids follow creation, and one run stamps one time
        constraints = [
            # A record is in at most one group at a time.
            models.UniqueConstraint(fields=["record"], condition=Q(undone_at__isnull=True),
                                    name="merge_one_active_per_record"),
        ]
        # The merge list (views/dedup.py merge_list) pages through a review's merges, newest first.
        indexes = [models.Index(fields=["review", "-id"], name="merge_review_recent")]

    def __str__(self):
        return f"record {self.record_id} into {self.primary_id} ({self.rule})"

    @property
    def is_undone(self):
        return self.undone_at is not None


class CandidateQuerySet(models.QuerySet):
    def with_roots(self):
        return self.annotate(
            root_a=Coalesce("record_a__duplicate_of_id", "record_a_id"),
            root_b=Coalesce("record_b__duplicate_of_id", "record_b_id"),
        )

    def queue(self):
        """Pairs still to decide, best score first; skipped pairs come back after the rest.
        Pairs whose records have meanwhile landed in one group are left out, and so are a
        notice and the article it is linked to, and two linked notices: both are out of
        screening whatever the answer (undoing a link brings its pairs back)."""
        return (
            self.filter(status__in=[DuplicateCandidate.Status.PENDING, DuplicateCandidate.Status.SKIPPED])
            .with_roots().exclude(root_a=models.F("root_b"))
            .exclude(record_a__notice_of=models.F("record_b_id")).exclude(record_b__notice_of=models.F("record_a_id"))
            .exclude(record_a__notice_of__isnull=False, record_b__notice_of__isnull=False)
            # "pending" sorts before "skipped".
            .order_by("status", "-score", "id")
        )

    def kept_apart(self):
        """Pairs a lead said are different works (or split by undoing a merge)."""
        return self.filter(status=DuplicateCandidate.Status.DIFFERENT)


class DuplicateCandidate(models.Model):
    """A pair the engine could not decide (or refused to chain), for the lead's queue.

    ``record_a_id < record_b_id`` always. A DIFFERENT decision keeps the two records'
    groups apart in every later run.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "To decide"
        SAME = "same", "Same work"
        DIFFERENT = "different", "Different works"
        SKIPPED = "skipped", "Skipped"

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="duplicate_candidates")
    record_a = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="+")
    record_b = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    rule = models.CharField(max_length=100, blank=True)
    scores = models.JSONField(default=dict, blank=True)
    differences = models.JSONField(default=list, blank=True)  # [field, value_a, value_b]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # The bulk accept that decided "same", so that undoing it puts the pair back in the queue.
    batch = models.ForeignKey(MergeBatch, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="candidates")
    job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_a", "record_b"], name="candidate_once_per_pair"),
            models.CheckConstraint(condition=Q(record_a__lt=models.F("record_b")), name="candidate_ordered_pair"),
        ]
        # The review queue (views/dedup.py dedup_queue) reads by review and status, best score first.
        indexes = [models.Index(fields=["review", "status", "-score"], name="candidate_queue")]

    def __str__(self):
        return f"{self.record_a_id} ~ {self.record_b_id} ({self.status})"

    @property
    def difference_fields(self):
        return {row[0] for row in self.differences}


class NoticeLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(undone_at__isnull=True)


class NoticeLink(models.Model):
    """A notice and the article it is about, with the evidence for the link.

    The notice leaves screening with its article (``notice.notice_of`` = the article) and
    its outcome is the article's. Made by a dedup run (``job``) or by a lead
    (``created_by``); a lead may undo it, which returns the notice to screening and keeps
    later runs from linking the two again.
    """

    class Kind(models.TextChoices):
        ERRATUM = "erratum", "erratum"
        COMMENT = "comment", "comment"
        REPLY = "reply", "reply"
        RETRACTION = "retraction", "retraction notice"
        EXPRESSION_OF_CONCERN = "expression_of_concern", "expression of concern"

    review = models.ForeignKey("screening.Review", on_delete=models.CASCADE, related_name="notice_links")
    notice = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="notice_links")
    article = models.ForeignKey("screening.Record", on_delete=models.CASCADE, related_name="notices_about")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Why, in words: the kind's evidence and the reference's ("title starts 'Erratum'", "cites its DOI").
    evidence = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("screening.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+")

    objects = NoticeLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A notice follows one article at a time.
            models.UniqueConstraint(fields=["notice"], condition=Q(undone_at__isnull=True),
                                    name="notice_one_active_link"),
            models.CheckConstraint(condition=~Q(notice=models.F("article")), name="notice_not_its_own_article"),
        ]
        indexes = [
            # The notices list (views/dedup.py notice_list), newest first.
            models.Index(fields=["review", "-id"], name="notice_review_recent"),
            # The card's "1 erratum, 1 comment" and the retraction flag: a work's links in effect.
            models.Index(fields=["article"], name="notice_active_article", condition=Q(undone_at__isnull=True)),
        ]

    def __str__(self):
        return f"record {self.notice_id}: {self.kind} of {self.article_id}"

    @property
    def is_undone(self):
        return self.undone_at is not None

    @property
    def is_automatic(self):
        return self.created_by_id is None


def notice_summary(kinds):
    """Return "1 erratum, 2 comments" for a list of notice kinds, in NOTICE order."""
    plural = {"erratum": "errata", "reply": "replies", "retraction notice": "retraction notices",
              "expression of concern": "expressions of concern"}
    parts = []
    for kind, label in NoticeLink.Kind.choices:
        count = sum(1 for k in kinds if k == kind)
        if count:
            parts.append(f"{count} {label if count == 1 else plural.get(label, label + 's')}")
    return ", ".join(parts)


def notices_attach(review, records):
    """Set `is_retracted` and `notice_kinds` (see RecordQuerySet.with_notices) on these record
    objects, in one query; none at all in a review where no notice or retraction was ever
    found, which is most of them."""
    from .records import Record

    records = [record for record in records if record is not None]
    if not review.has_notices or not records:
        return records
    found = {row[0]: row[1:] for row in Record.objects.filter(pk__in=[r.pk for r in records]).with_notices()
             .values_list("pk", "is_retracted", "notice_kinds")}
    for record in records:
        record.is_retracted, record.notice_kinds = found.get(record.pk, (False, []))
    return records
