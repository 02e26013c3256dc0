"""Rule names in words: every rule the engine can emit reads as a reason, not an id."""
import re
from pathlib import Path

import pytest

from screening.dedup import scoring
from screening.dedup.records import NOTICE_KINDS
from screening.dedup.reasons import KIND_WORDS, is_rule_in_words, rule_in_words

SCORING_SOURCE = Path(scoring.__file__).read_text()
# Every rule compare() returns: result(<outcome>, "rule") and Comparison(<outcome>, "rule", ...).
EMITTED_RULES = sorted(set(re.findall(r'(?:result|Comparison)\([^()]*?, "([a-z_]+)"', SCORING_SOURCE, re.S)))


def test_the_scoring_module_emits_rules_the_test_can_see():
    # Guards the regular expression above: if it found nothing, the next test would pass vacuously.
    assert len(EMITTED_RULES) >= 25
    assert {"same_pages_volume_year", "veto_pages", "identifier_and_title", "weak_evidence"} <= set(EMITTED_RULES)


@pytest.mark.parametrize("rule", EMITTED_RULES)
def test_every_rule_the_scoring_emits_has_words(rule):
    words = rule_in_words(rule)
    assert is_rule_in_words(rule)
    assert "_" not in words and words != rule


@pytest.mark.parametrize("first", ["article", *NOTICE_KINDS])
@pytest.mark.parametrize("second", ["article", *NOTICE_KINDS])
def test_a_kind_veto_names_both_kinds(first, second):
    words = rule_in_words(f"veto_kind_{first}_{second}")
    assert words.startswith(f"{KIND_WORDS[first]} and {KIND_WORDS[second]}")
    assert "_" not in words


def test_the_engines_chain_guard_wraps_the_inner_rule():
    words = rule_in_words("chain_guard:identifier_and_title")
    assert words.startswith("same DOI or PMID and a similar title (")
    assert "veto keeps apart" in words


def test_a_pair_joining_two_groups_says_so_after_its_rule():
    assert rule_in_words("joins_groups:veto_pages") == "different pages (would join two groups)"


def test_rules_set_by_a_person_or_an_undo_read_as_words():
    assert rule_in_words("lead") == "the lead said they are the same work"
    assert rule_in_words("undone_merge") == "a merge undone by a lead"


def test_an_unknown_rule_shows_itself_rather_than_nothing():
    assert rule_in_words("future_rule_name") == "future rule name"
    assert not is_rule_in_words("future_rule_name")
    assert rule_in_words("") == "no reason recorded"
