"""Read the facts of a review that its methods paragraph reports (screening.core.methods_text)."""
from ..core.methods_text import MethodsFacts, Search, StopFacts, methods_paragraph
from ..models import Import, Outcome, Pilot, Record, RecordStage, Review, Role, Stage
from ..models import StopDecision
from ..selectors.stopping import second_look_found
from .stopping import review_screening_sequence

TA = Stage.TITLE_ABSTRACT


def review_methods_facts(review, lead):
    """Return the MethodsFacts of ``review`` as the lead ``lead`` sees it."""
    from ..selectors.screening import agreement_per_pair

    searches = [Search(database, platform, searched_on) for database, platform, searched_on in
                Import.objects.filter(review=review, status=Import.Status.IMPORTED).order_by("database", "searched_on")
                .values_list("database", "platform", "searched_on").distinct()]
    records = Record.objects.filter(review=review)
    pilot = Pilot.objects.filter(review=review, stage=TA).order_by("-created_at").first()
    pairs = agreement_per_pair(review, lead, Role.LEAD)
    kappa = pairs[0]["views"][1][1] if len(pairs) == 1 else None  # Maybe counted as include
    stop = StopDecision.objects.filter(review=review, stage=TA).first()
    second_look_included, second_look_kept = second_look_found(review, TA)
    return MethodsFacts(
        searches=searches,
        records_identified=records.imported().count(),
        duplicates_removed=records.duplicates().count(),
        records_screened=len(review_screening_sequence(review, lead)[0]),
        reviewers_per_record=review.reviewers_per_record,
        blind=review.blind,
        pilot_size=pilot.size if pilot else None,
        kappa=kappa.kappa if kappa else None,
        kappa_low=kappa.kappa_ci_low if kappa else None,
        kappa_high=kappa.kappa_ci_high if kappa else None,
        lead_resolved=RecordStage.objects.for_stage(review, TA)
        .filter(resolution=RecordStage.Resolution.LEAD_RESOLVED).count(),
        priority=review.order == Review.Order.PRIORITY,
        stop=StopFacts(
            screened=stop.screened, unscreened=stop.unscreened, includes_found=stop.includes_found,
            recall_estimate=stop.recall_estimate, recall_low=stop.recall_low, recall_high=stop.recall_high,
            recall_lower_bound=stop.recall_lower_bound, target_recall=stop.target_recall,
            confidence=stop.confidence, target_met=stop.target_met, method=stop.method,
            count_unscreened_as_automation=stop.count_unscreened_as_automation,
        ) if stop else None,
        second_look_excluded=(RecordStage.objects.for_stage(review, TA).filter(outcome=Outcome.EXCLUDED).count()
                              + second_look_included) if second_look_included or second_look_kept else None,
        second_look_included=second_look_included,
        second_look_kept=second_look_kept,
    )


def review_methods_paragraph(review, lead):
    return methods_paragraph(review_methods_facts(review, lead))
