"""Blocking: which pairs get compared at all."""
from dataclasses import replace

import pytest

from screening.dedup import DedupRecord
from screening.dedup.blocking import candidate_pairs, rare_tokens
from screening.dedup.keys import record_keys

BASE = DedupRecord(
    id="a",
    title="Intestinal lipoprotein overproduction in insulin-resistant states",
    authors=("Adeli K",),
    year=2008,
    journal="Curr Opin Lipidol",
    volume="19",
    pages="221-8",
    doi="10.1097/MOL.0b013e3282ffaf82",
    pmid="18460911",
)
FILLER = [
    DedupRecord(id=f"f{i}", title=f"Unrelated study number {i} of something else entirely",
                authors=(f"Person{i} A",), year=1990 + i % 30)
    for i in range(30)
]


def pairs_for(a, b, new=(True, True)):
    keys = [record_keys(a), record_keys(b)]
    return candidate_pairs(keys, list(new))


@pytest.mark.parametrize("other", [
    # Each copy keeps only one thing in common with BASE, so exactly one key can find it.
    replace(BASE, id="b", title="Totally different wording", authors=(), pages="", pmid=""),  # DOI
    replace(BASE, id="b", title="Totally different wording", authors=(), pages="", doi=""),  # PMID
    replace(BASE, id="b", title=BASE.title + " revisited", authors=(), pages="", doi="", pmid=""),  # prefix
    replace(BASE, id="b", title="Revisiting " + BASE.title.lower(), authors=(), pages="", doi="", pmid=""),
    # suffix / rare words
    replace(BASE, id="b", title="Another title", authors=("Adeli, K.",), pages="", doi="", pmid=""),  # author + year
    replace(BASE, id="b", title="Another title", authors=(), doi="", pmid="", year=None),  # volume + page
])
def test_a_pair_sharing_any_single_key_is_compared(other):
    assert pairs_for(BASE, other) == [(0, 1)]


def test_unrelated_records_are_not_compared():
    other = DedupRecord(id="b", title="Something else about kidneys", authors=("Smith J",), year=1999)
    assert pairs_for(BASE, other) == []


def test_two_old_records_are_not_compared_again():
    assert pairs_for(BASE, replace(BASE, id="b"), new=(False, False)) == []
    assert pairs_for(BASE, replace(BASE, id="b"), new=(False, True)) == [(0, 1)]


def test_blocks_larger_than_the_limit_are_skipped():
    same_doi = [replace(FILLER[i], doi="10.1000/shared") for i in range(6)]
    keys = [record_keys(r) for r in same_doi]
    assert len(candidate_pairs(keys, [True] * 6, max_block=10)) == 15
    assert candidate_pairs(keys, [True] * 6, max_block=5) == []


def test_rare_tokens_prefer_the_least_frequent_words():
    from collections import Counter
    frequencies = Counter({"insulin": 50, "states": 40, "lipoprotein": 2, "overproduction": 1})
    assert rare_tokens("insulin lipoprotein overproduction states", frequencies, 2) == [
        "overproduction", "lipoprotein",
    ]
