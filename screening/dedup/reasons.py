"""The dedup engine's rule names (see scoring.py) said in words for the lead.

One mapping, used wherever a merge or a pair shows why it was made. A rule may come
wrapped by the engine or the services (``chain_guard:<rule>``, ``joins_groups:<rule>``);
the wrapper adds its own words before the inner rule's.
"""
from __future__ import annotations

RULE_WORDS = {
    # Merged automatically (duplicate).
    "same_pages_volume_year": "same page range, volume and year, and a similar title",
    "identifier_and_title": "same DOI or PMID and a similar title",
    "title_authors_and_details": "same title and authors, and two details agree (pages, volume, journal, year)",
    "close_title_authors_and_details": "close title, same authors and three agreeing details",
    "title_and_details": "identical title and three agreeing details (no authors on one side)",
    "title_authors_venue": "same title, authors and journal or conference, a year apart at most",
    "preprint_and_version": "a preprint and its published version: same title and authors",
    "generic_title_same_identifier": "same generic title (such as “Editorial”) and the same DOI or PMID",
    "same_article_place": "same title and authors at the same volume, issue and page range (journal named differently)",
    # Asked of the lead (maybe).
    "similar_title": "similar title",
    "changed_title": "changed title, but the same authors, journal and year",
    "identifier_weak_title": "same DOI or PMID, but the titles differ",
    "preprint_similar": "a preprint and a similar later version",
    "same_pages_other_title": "same pages, volume, year and authors, but another title",
    # Vetoes (kept apart, or asked when only one detail conflicts).
    "veto_title_numbers": "the titles number different parts (Part 1 / Part 2)",
    "veto_pmid": "different PMIDs",
    "veto_doi": "different DOIs",
    "veto_generic_title": "a generic title (such as “Editorial”) with nothing else in common",
    "veto_authors": "different authors",
    "veto_year": "years more than one apart",
    "veto_pages": "different pages",
    "veto_volume": "different volumes",
    "veto_supplements": "supplements of two journals",
    "veto_recurring": "a recurring title (such as a yearly introduction) from another year or issue",
    "veto_journal_version": "a proceedings paper and a later journal article with other authors",
    "veto_other_title_other_issue": "another title in another issue",
    "low_title": "titles too different",
    "missing_title": "a title missing on one side",
    "weak_evidence": "too little in common beyond the title",
    # Set outside the scoring rules.
    "lead": "the lead said they are the same work",
    "undone_merge": "a merge undone by a lead",
}

WRAPPER_WORDS = {
    "chain_guard": "kept for a person, as it would join records a veto keeps apart",
    "joins_groups": "would join two groups",
}

KIND_WORDS = {
    "article": "an article",
    "erratum": "an erratum",
    "retraction": "a retraction notice",
    "expression_of_concern": "an expression of concern",
    "reply": "a reply",
    "comment": "a comment",
}


def rule_in_words(rule: str) -> str:
    """Return why a pair was merged or asked about, in words ("same DOI or PMID and a
    similar title"). An unknown rule is shown as itself, with its underscores as spaces,
    rather than hidden."""
    rule = (rule or "").strip()
    if not rule:
        return "no reason recorded"
    wrapper, sep, inner = rule.partition(":")
    if sep and wrapper in WRAPPER_WORDS:
        return f"{rule_in_words(inner)} ({WRAPPER_WORDS[wrapper]})"
    if rule in RULE_WORDS:
        return RULE_WORDS[rule]
    if rule.startswith("veto_kind_"):
        return _kinds_in_words(rule.removeprefix("veto_kind_"))
    return rule.replace("_", " ")


def _kinds_in_words(kinds: str) -> str:
    """``erratum_article`` -> "an erratum and an article". Kinds may hold underscores
    themselves (``expression_of_concern``), so match known kinds from the left."""
    for first in sorted(KIND_WORDS, key=len, reverse=True):
        if kinds.startswith(first + "_") and kinds[len(first) + 1:] in KIND_WORDS:
            second = kinds[len(first) + 1:]
            return f"{KIND_WORDS[first]} and {KIND_WORDS[second]}: two kinds of publication"
    return "two kinds of publication"


def is_rule_in_words(rule: str) -> bool:
    """Whether ``rule_in_words`` knows this rule (rather than falling back to the raw name)."""
    wrapper, sep, inner = (rule or "").partition(":")
    if sep and wrapper in WRAPPER_WORDS:
        return is_rule_in_words(inner)
    if rule.startswith("veto_kind_"):
        return rule_in_words(rule) != "two kinds of publication"
    return rule in RULE_WORDS
