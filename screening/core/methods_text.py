"""A methods paragraph for the paper, from the facts of a review (pure: no Django).

It covers what PRISMA 2020 item 8 (selection process), PRISMA-S (databases, platforms, dates,
deduplication) and RAISE (the automation used, its role and how its output was checked) ask to
report. Every number comes from the caller; nothing is invented: a fact that is missing is left
out of the text rather than guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Search:
    database: str
    platform: str = ""
    searched_on: date | None = None


@dataclass(frozen=True)
class StopFacts:
    screened: int
    unscreened: int
    includes_found: int
    recall_estimate: float | None
    recall_low: float | None
    recall_high: float | None
    recall_lower_bound: float | None
    target_recall: int
    confidence: int
    target_met: bool
    method: str
    count_unscreened_as_automation: bool


@dataclass(frozen=True)
class MethodsFacts:
    searches: list[Search] = field(default_factory=list)
    records_identified: int = 0
    duplicates_removed: int = 0
    records_screened: int = 0
    reviewers_per_record: int = 2
    blind: bool = True
    pilot_size: int | None = None
    kappa: float | None = None
    kappa_low: float | None = None
    kappa_high: float | None = None
    lead_resolved: int = 0
    priority: bool = False
    stop: StopFacts | None = None
    second_look_excluded: int | None = None
    second_look_included: int = 0
    second_look_kept: int = 0
    app_name: str = "reviewapp"


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _searches(searches: list[Search]) -> str:
    parts = []
    for s in searches:
        text = s.database + (f" via {s.platform}" if s.platform else "")
        if s.searched_on:
            text += f" (searched {s.searched_on.isoformat()})"
        parts.append(text)
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def methods_paragraph(f: MethodsFacts) -> str:
    """Return the paragraph as plain text: sentences joined by spaces."""
    out = []
    if f.searches:
        out.append(f"We searched {_searches(f.searches)}.")
    if f.records_identified:
        out.append(f"The {f.records_identified} records retrieved were deduplicated in {f.app_name}, which "
                   f"flags likely duplicates by identifiers and normalised bibliographic fields for a reviewer to "
                   f"confirm; {f.duplicates_removed} duplicate{'s were' if f.duplicates_removed != 1 else ' was'} "
                   f"removed.")
    who = {1: "one reviewer", 2: "two reviewers", 3: "three reviewers"}.get(f.reviewers_per_record,
                                                                          f"{f.reviewers_per_record} reviewers")
    blinding = ", each blinded to the others' decisions," if f.blind and f.reviewers_per_record > 1 else ""
    screened = f"{f.records_screened} records were" if f.records_screened else "Records were"
    out.append(f"{screened} screened on title and abstract by {who}{blinding} in {f.app_name}.")
    if f.pilot_size:
        out.append(f"The team first screened a pilot set of {f.pilot_size} records and discussed disagreements "
                   "before screening the rest.")
    if f.kappa is not None:
        interval = (f" (95 % CI {f.kappa_low:.2f} to {f.kappa_high:.2f})"
                    if f.kappa_low is not None and f.kappa_high is not None else "")
        out.append(f"Agreement between reviewers was Cohen's κ = {f.kappa:.2f}{interval}.")
    if f.reviewers_per_record > 1:
        out.append("Disagreements were resolved by the review lead"
                   + (f" ({f.lead_resolved} record{'s' if f.lead_resolved != 1 else ''})." if f.lead_resolved
                      else "."))
    if f.priority:
        out.append(f"Records were presented in priority order (RAISE: screening prioritisation): {f.app_name} "
                   "ranks the unscreened records with a linear support vector machine on TF-IDF word and "
                   "two-word features, retrained as decisions accrue; each reviewer's ranking is trained only on "
                   "their own decisions and resolved outcomes, so it does not reveal other reviewers' votes. "
                   "Every record shown was screened by the reviewers; the model made no decision.")
    if f.stop is not None:
        s = f.stop
        text = (f"Screening stopped after {s.screened} records, with {s.unscreened} not screened, by the "
                f"review lead's decision, with a target of {s.target_recall} % recall at {s.confidence} % "
                f"confidence, using a {s.method}.")
        if s.recall_estimate is not None:
            text += (f" At stopping, {s.includes_found} includes had been found; estimated recall was "
                     f"{_pct(s.recall_estimate)} (95 % interval {_pct(s.recall_low)} to {_pct(s.recall_high)}), "
                     f"and at least {_pct(s.recall_lower_bound)} at {s.confidence} % confidence: the target was "
                     f"{'met' if s.target_met else 'not met'}.")
        if s.count_unscreened_as_automation:
            text += (f" The {s.unscreened} unscreened records are reported in the PRISMA flow diagram as excluded "
                     "by automation tools.")
        out.append(text)
    if f.second_look_excluded is not None:
        looked = f.second_look_included + f.second_look_kept
        text = (f"As a check on exclusions, the lead re-examined {looked} of the {f.second_look_excluded} excluded "
                f"record{'s' if f.second_look_excluded != 1 else ''}, those ranked most likely relevant by a "
                f"cross-validated model (each record scored by a model not trained on its own label); ")
        if f.second_look_included:
            text += (f"{f.second_look_included} record{'s were' if f.second_look_included != 1 else ' was'} "
                     "included as a result")
        else:
            text += "no record was included as a result"
        if f.second_look_kept:
            text += f" and {f.second_look_kept} kept excluded"
        out.append(text + ".")
    return " ".join(out)
