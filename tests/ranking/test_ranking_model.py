"""Training, ranking, explanations, cold start, purity and the stopping hint."""
import pytest

from screening.ranking import (
    Ranking,
    can_rank,
    estimate_remaining_includes,
    explain,
    explain_rows,
    featurize,
    rank,
    simulate,
    stopping_hint,
    svm_scores,
    train,
)

ON_TOPIC = [
    "Mesenchymal stem cells injected into the knee for osteoarthritis: a randomised trial",
    "Adipose derived stem cells for knee osteoarthritis cartilage repair",
    "Bone marrow stem cell injection improves knee cartilage in osteoarthritis patients",
    "Umbilical cord mesenchymal stem cells and knee osteoarthritis pain",
    "Intra-articular stem cell therapy for osteoarthritis of the knee",
]
OFF_TOPIC = [
    "Statins and cardiovascular outcomes in elderly patients",
    "Nudging physicians to prescribe generic drugs",
    "Software defect prediction with machine learning",
    "Depression in rodent models after chronic stress",
    "Proton pump inhibitors for gastro-oesophageal reflux disease",
    "Hand hygiene compliance among nurses",
    "Aspirin for the prevention of stroke in atrial fibrillation",
    "Exercise therapy for chronic low back pain",
]
# Rows 0-4 on topic, 5-12 off topic.
TEXTS = ON_TOPIC + OFF_TOPIC
LABELS = {0: True, 1: True, 5: False, 6: False, 7: False}


def test_it_needs_one_include_and_one_exclude_before_ranking():
    assert can_rank({}) is False
    assert can_rank({3: True}) is False
    assert can_rank({3: True, 4: True}) is False
    assert can_rank({3: False, 4: False}) is False
    assert can_rank({3: True, 4: False}) is True


def test_training_without_both_classes_raises():
    with pytest.raises(ValueError):
        train(TEXTS, {0: True, 1: True})


def test_it_ranks_only_unlabelled_records_with_on_topic_ones_first():
    ranking = rank(TEXTS, LABELS, seed=0)
    assert sorted(ranking.order) == sorted(set(range(len(TEXTS))) - set(LABELS))
    assert set(ranking.order[:3]) == {2, 3, 4}
    assert list(ranking.scores) == sorted(ranking.scores, reverse=True)


def test_the_same_inputs_give_identical_rankings():
    assert rank(TEXTS, LABELS, seed=3) == rank(list(TEXTS), dict(LABELS), seed=3)
    features = featurize(TEXTS)
    assert rank(features, LABELS, seed=3) == rank(TEXTS, LABELS, seed=3)


def test_the_order_labels_were_given_in_changes_nothing():
    reordered = dict(reversed(list(LABELS.items())))
    assert rank(TEXTS, reordered) == rank(TEXTS, LABELS)


def test_labels_not_passed_in_change_nothing():
    before = rank(TEXTS, LABELS, seed=0)
    # Another reviewer's decisions, ranked in between, must leave no trace.
    other_reviewer = {**LABELS, 2: True, 8: False, 9: False}
    other = rank(TEXTS, other_reviewer, seed=0)
    after = rank(TEXTS, LABELS, seed=0)
    assert after == before
    assert other != before
    assert LABELS == {0: True, 1: True, 5: False, 6: False, 7: False}


def test_a_ranking_gives_a_score_per_index():
    ranking = rank(TEXTS, LABELS)
    assert isinstance(ranking, Ranking)
    assert set(ranking.score_of()) == set(ranking.order)


def test_explain_returns_words_present_in_the_text_that_raise_its_score():
    model = train(TEXTS, LABELS, seed=0)
    text = TEXTS[3]
    words_in_text = set(text.lower().replace(":", " ").split())
    terms = explain(model, text, k=5)
    assert 0 < len(terms) <= 5
    for term, weight in terms:
        assert weight > 0
        assert set(term.split()) <= words_in_text
    assert [w for _, w in terms] == sorted((w for _, w in terms), reverse=True)
    assert any(term in {"stem", "knee", "osteoarthritis", "cells", "mesenchymal"} for term, _ in terms)


def test_explain_rows_gives_the_same_words_as_explain_without_the_vectorizer():
    features = featurize(TEXTS)
    model = train(features, LABELS, seed=0)
    rows = [3, 0, len(TEXTS) - 1]
    assert explain_rows(model, rows, k=3) == [[term for term, _ in explain(model, TEXTS[row], k=3)] for row in rows]
    assert explain_rows(model, [3], k=3)[0]


def test_explain_finds_nothing_in_a_text_without_known_words():
    model = train(TEXTS, LABELS, seed=0)
    assert explain(model, "zzz qqq") == []


def test_the_remaining_estimate_needs_both_kinds_of_decision():
    assert estimate_remaining_includes([False] * 10, 100) is None
    assert estimate_remaining_includes([True, False], 2) is None


def test_the_remaining_estimate_falls_as_includes_dry_up():
    early = [True, False, True, True, False, True, False, False, True, False] * 3
    late = early + [False] * 60
    first = estimate_remaining_includes(early, 1000)
    second = estimate_remaining_includes(late, 1000)
    assert first.n_unscreened == 970 and second.n_unscreened == 910
    assert second.expected < first.expected
    assert second.include_rate_slope < 0


def test_the_stopping_hint_waits_for_a_long_run_of_excludes():
    decisions = [True] * 5 + [False] * 49
    hint = stopping_hint(decisions, n_records=200)
    assert hint.excludes_in_a_row == 49
    assert hint.threshold == 50
    assert hint.may_stop is False
    hint = stopping_hint(decisions + [False], n_records=200)
    assert hint.may_stop is True
    assert "No include in the last 50 decisions" in hint.message


def test_the_stopping_hint_holds_back_while_many_includes_are_estimated():
    decisions = [True] * 5 + [False] * 60
    estimate = estimate_remaining_includes([True, False] * 15, 5000)
    hint = stopping_hint(decisions, n_records=5000, estimate=estimate, threshold=50)
    assert estimate.expected >= 1
    assert hint.may_stop is False
    assert "estimate" in hint.message


def test_a_simulation_follows_the_scorer_it_is_given():
    import numpy as np

    labels = [i < 5 for i in range(len(TEXTS))]

    def newest_first(matrix, indices, y, seed):  # the opposite of what the SVM would do here
        return np.arange(matrix.shape[0], dtype=float)

    result = simulate(TEXTS, labels, seed=0, scorer=newest_first)
    after_priors = [row for row in reversed(range(len(TEXTS))) if row not in result.order[:2]]
    assert list(result.order[2:]) == after_priors


def test_the_default_scorer_is_the_ranking_svm():
    labels = [i < 5 for i in range(len(TEXTS))]
    features = featurize(TEXTS)
    assert simulate(features, labels, seed=0) == simulate(features, labels, seed=0, scorer=svm_scores)
