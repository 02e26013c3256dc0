"""The methods paragraph for the paper, from a review's facts (pure, no database)."""
from datetime import date

from screening.core.methods_text import MethodsFacts, Search, StopFacts, methods_paragraph

STOP = StopFacts(screened=1200, unscreened=800, includes_found=95, recall_estimate=0.98, recall_low=0.93,
                 recall_high=1.0, recall_lower_bound=0.95, target_recall=95, confidence=95, target_met=True,
                 method="hypergeometric test on the last records screened (Callaghan & Müller-Hansen 2020)",
                 count_unscreened_as_automation=True)


def test_the_paragraph_names_the_databases_dates_deduplication_screening_and_agreement():
    text = methods_paragraph(MethodsFacts(
        searches=[Search("MEDLINE", "PubMed", date(2026, 3, 1)), Search("Embase", "Ovid")],
        records_identified=2100, duplicates_removed=100, records_screened=2000, pilot_size=25,
        kappa=0.71, kappa_low=0.62, kappa_high=0.80, lead_resolved=12))
    assert "We searched MEDLINE via PubMed (searched 2026-03-01) and Embase via Ovid." in text
    assert "The 2100 records retrieved were deduplicated" in text and "100 duplicates were removed" in text
    assert "2000 records were screened on title and abstract by two reviewers, each blinded" in text
    assert "pilot set of 25 records" in text
    assert "Cohen's κ = 0.71 (95 % CI 0.62 to 0.80)" in text
    assert "resolved by the review lead (12 records)" in text


def test_the_paragraph_reports_priority_screening_the_stopping_rule_and_the_estimate_at_stopping():
    text = methods_paragraph(MethodsFacts(priority=True, stop=STOP))
    assert "priority order (RAISE" in text and "the model made no decision" in text
    assert "Screening stopped after 1200 records, with 800 not screened" in text
    assert "target of 95 % recall at 95 % confidence" in text and "Callaghan & Müller-Hansen 2020" in text
    assert "estimated recall was 98 % (95 % interval 93 % to 100 %)" in text and "the target was met" in text
    assert "reported in the PRISMA flow diagram as excluded by automation tools" in text


def test_what_did_not_happen_is_not_claimed():
    text = methods_paragraph(MethodsFacts(reviewers_per_record=1, blind=True))
    for absent in ("priority", "stopped", "κ", "pilot", "blinded", "second", "Disagreements", "searched"):
        assert absent not in text, absent
    assert "by one reviewer in reviewapp." in text


def test_the_second_look_says_what_it_found():
    assert "2 records were included as a result" in methods_paragraph(
        MethodsFacts(second_look_excluded=500, second_look_included=2))
    text = methods_paragraph(MethodsFacts(second_look_excluded=500, second_look_included=2, second_look_kept=1))
    assert "re-examined 3 of the 500 excluded records" in text
    assert "2 records were included as a result and 1 kept excluded." in text
    assert "no record was included as a result and 4 kept excluded." in methods_paragraph(
        MethodsFacts(second_look_excluded=500, second_look_kept=4))
    not_counted = StopFacts(**{**STOP.__dict__, "count_unscreened_as_automation": False})
    automated = methods_paragraph(MethodsFacts(stop=not_counted))
    assert "automation tools" not in automated
