"""Records removed before screening, for a stated reason (PRISMA's "records removed before
screening": marked ineligible by automation tools, or removed for other reasons)."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from ..models import Decision, DecisionEvent, Record, RecordStage, Stage


@transaction.atomic
def records_remove(*, review, record_ids, reason, by_automation, removed_by):
    """Remove records before screening with `reason`, marked as the work of an automation
    tool or not (PRISMA counts the two apart). Only records nobody has voted on and whose
    full text is not sought may be removed; return how many were. Open claims are released."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise ValidationError("Give the reason these records are removed.")
    records = list(Record.objects.removable_before_screening().filter(review=review, pk__in=record_ids)
                   .select_for_update(of=("self",)))
    if not records:
        raise ValidationError("None of these records can be removed: each is already screened or removed.")
    ids = [r.pk for r in records]
    claims = Decision.objects.open_claims().filter(record_id__in=ids)
    for record_id, stage in claims.values_list("record_id", "stage"):
        RecordStage.objects.filter(record_id=record_id, stage=stage, claims__gt=0).update(claims=F("claims") - 1)
    claims.delete()
    Record.objects.filter(pk__in=ids).update(removed_reason=reason, removed_by_automation=bool(by_automation))
    kind = "automation tool" if by_automation else "lead"
    DecisionEvent.objects.bulk_create(
        DecisionEvent(review=review, record=record, stage=Stage.TITLE_ABSTRACT, actor=removed_by,
                      kind=DecisionEvent.Kind.REMOVE, reason=reason, note=f"by {kind}")
        for record in records)
    return len(records)


@transaction.atomic
def records_restore(*, review, record_ids, restored_by):
    """Return removed records to screening; return how many were."""
    records = list(Record.objects.filter(review=review, pk__in=record_ids).exclude(removed_reason="")
                   .select_for_update())
    Record.objects.filter(pk__in=[r.pk for r in records]).update(removed_reason="", removed_by_automation=False)
    DecisionEvent.objects.bulk_create(
        DecisionEvent(review=review, record=record, stage=Stage.TITLE_ABSTRACT, actor=restored_by,
                      kind=DecisionEvent.Kind.RESTORE, reason=record.removed_reason)
        for record in records)
    return len(records)
