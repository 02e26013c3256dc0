"""Screening reads: a reviewer's own progress, the lead's screening numbers, and agreement per
pair of reviewers. Decisions are read only through Decision.objects.visible_to (blinding)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, F

from ..core.agreement import CATEGORIES, EXCLUDE, INCLUDE, agreement_from_table
from ..core.rules import share_of
from ..models import Decision, Outcome, Pilot, RecordStage, Stage
from ..models.reviews import Membership, Role
from ..services import queue as queue_services

TA = Stage.TITLE_ABSTRACT


def my_counts(user, review, role, stage=TA):
    """Return my decided records at `stage` by verdict: {verdict: count}."""
    return dict(Decision.objects.visible_to(user, review, role=role).decided().filter(reviewer=user, stage=stage)
                .values_list("verdict").order_by().annotate(n=Count("id")))


def my_progress(user, review, role, stage=TA):
    return progress_from(my_counts(user, review, role, stage), review, stage)


def progress_from(counts, review, stage=TA):
    """Return my progress from my counts by verdict: records done, my share, and how many are left."""
    done = sum(counts.values())
    total = queue_services.records_in_stage_count(review, stage)
    share = share_of(total, review.reviewers_per_record, reviewer_count(review))
    return {"done": done, "share": share, "left": max(share - done, 0)}


def reviewer_count(review):
    """The review's active reviewers (cached a minute: every screening card needs it)."""
    return cache.get_or_set(
        f"screening-reviewers:{review.pk}",
        lambda: Membership.objects.active().filter(review=review, role=Role.REVIEWER).count(), 60)


def screening_dashboard(review, membership):
    """Return the screening numbers for the dashboard: for a reviewer, their own progress only
    (review-wide counts such as open conflicts move when their partner votes, and would tell
    them how); for a lead, everything, with agreement per reviewer pair."""
    user = membership.user
    total = queue_services.records_in_stage_count(review, TA)
    if membership.role != Role.LEAD:
        return {"screening": {"total": total, "progress": my_progress(user, review, membership.role)}}
    outcome_counts = {o: 0 for o in Outcome.values}
    for row in (RecordStage.objects.for_stage(review, TA).in_screening()
                .values("outcome").order_by().annotate(n=Count("id"))):
        outcome_counts[row["outcome"]] = row["n"]
    per_reviewer = list(
        Decision.objects.visible_to(user, review, role=membership.role).decided().filter(stage=TA)
        .values("reviewer__username", "reviewer__first_name", "reviewer__last_name")
        .order_by("reviewer__username").annotate(n=Count("id")))
    pilot = Pilot.objects.filter(review=review, stage=TA).order_by("-created_at").first()
    return {"screening": {
        "total": total,
        "outcomes": outcome_counts,
        "resolved": outcome_counts[Outcome.INCLUDED] + outcome_counts[Outcome.EXCLUDED],
        "per_reviewer": per_reviewer,
        "pairs": agreement_per_pair(review, user, membership.role),
        "pilot": pilot,
        "pilot_pairs": agreement_per_pair(review, user, membership.role, pilot=pilot) if pilot else [],
        "pilot_conflicts": (RecordStage.objects.filter(pilot=pilot, outcome=Outcome.CONFLICT).count()
                            if pilot else 0),
        "stale_claims": queue_services.stale_claims_count(review, TA),
        "claim_expires_minutes": settings.SCREENING_CLAIM_EXPIRES_MINUTES,
    }}


def agreement_per_pair(review, user, role, *, pilot=None, stage=TA, unblinded_only=False):
    """Return one row per pair of reviewers who voted on the same records: their names and
    the agreement over those records, with Maybe as its own category and with Maybe counted
    as include. Within the pilot's records when `pilot` is given; only over votes whose
    blinding is over with `unblinded_only` (exports). One grouped self-join of the visible
    decisions, so it stays fast with 100,000 records."""
    visible = (Decision.objects.visible_to(user, review, role=role, unblinded_only=unblinded_only)
               .decided().filter(stage=stage))
    pairs = visible.filter(
        record__decisions__stage=stage, record__decisions__reviewer__gt=F("reviewer"),
        record__decisions__verdict__isnull=False, record__decisions__in=visible,
    )
    if pilot is not None:
        pairs = pairs.filter(record__stages__pilot=pilot)
    rows = (pairs.values_list("reviewer", "record__decisions__reviewer", "verdict", "record__decisions__verdict")
            .order_by().annotate(n=Count("id")))
    index = {c: i for i, c in enumerate(CATEGORIES)}
    tables = {}
    for a, b, va, vb, n in rows:
        tables.setdefault((a, b), [[0] * 3 for _ in range(3)])[index[va]][index[vb]] += n
    User = get_user_model()
    names = {u.pk: u.get_full_name() or u.username
             for u in User.objects.filter(pk__in={pk for pair in tables for pk in pair})}
    result = []
    for (a, b), t in sorted(tables.items(), key=lambda item: (names[item[0][0]], names[item[0][1]])):
        # Maybe as include: rows and columns "include" and "maybe" merge.
        collapsed = [[t[0][0] + t[0][2] + t[2][0] + t[2][2], t[0][1] + t[2][1]],
                     [t[1][0] + t[1][2], t[1][1]]]
        result.append({"a": names[a], "b": names[b], "views": [
            ("as its own category", agreement_from_table(t, CATEGORIES)),
            ("counted as include", agreement_from_table(collapsed, (INCLUDE, EXCLUDE), maybe_as_include=True)),
        ]})
    return result
