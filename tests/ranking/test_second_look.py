"""The second look at exclusions: cross-validated scores and seeded label noise, without a database."""
import pytest

from screening.ranking import featurize
from screening.core.second_look import cross_validated_scores, flip_includes, second_look_order

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
]
MORE_ON_TOPIC = [
    "Stem cell injections for knee osteoarthritis: two year follow-up",
    "Knee osteoarthritis treated with mesenchymal stem cells versus hyaluronic acid",
    "Randomised trial of stem cells in knee osteoarthritis cartilage",
]
MORE_OFF_TOPIC = [
    "Tax policy and small business growth",
    "Agile methods in large software projects",
    "Sleep duration and exam results in students",
    "Urban heat islands and tree cover",
]


def records():
    texts = ON_TOPIC + MORE_ON_TOPIC + OFF_TOPIC + MORE_OFF_TOPIC
    labels = [True] * (len(ON_TOPIC) + len(MORE_ON_TOPIC)) + [False] * (len(OFF_TOPIC) + len(MORE_OFF_TOPIC))
    return texts, labels


def test_a_relevant_record_wrongly_excluded_comes_first_in_the_second_look():
    texts, labels = records()
    wrongly_excluded = 2
    labels[wrongly_excluded] = False
    order = second_look_order(featurize(texts), dict(enumerate(labels)), folds=4, seed=0)
    assert order[0] == wrongly_excluded
    assert sorted(order) == [i for i, included in enumerate(labels) if not included]


def test_every_labelled_record_is_scored_by_a_model_that_did_not_see_its_label():
    texts, labels = records()
    labels[0] = False  # on topic, wrongly excluded
    scores = cross_validated_scores(featurize(texts), dict(enumerate(labels)), folds=4, seed=0)
    assert set(scores) == set(range(len(texts)))
    off_topic = range(len(ON_TOPIC) + len(MORE_ON_TOPIC), len(texts))
    assert scores[0] > max(scores[row] for row in off_topic)


def test_label_noise_flips_the_stated_share_of_includes_and_is_seeded():
    labels = [True] * 20 + [False] * 80
    noisy, flipped = flip_includes(labels, 0.1, seed=3)
    assert len(flipped) == 2 and all(labels[row] and not noisy[row] for row in flipped)
    assert sum(noisy) == 18
    assert flip_includes(labels, 0.1, seed=3) == (noisy, flipped)
    assert flip_includes(labels, 0.0, seed=3) == (labels, [])


def test_label_noise_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        flip_includes([True, False], 1.5, seed=0)
