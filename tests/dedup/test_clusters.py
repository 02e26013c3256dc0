"""Union-find clustering and the guard against chaining."""
import pytest

from screening.dedup.clusters import connected_components, constrained_clusters


def never(i, j):
    return False


@pytest.mark.parametrize("edges, expected", [
    ([], []),
    ([(0, 1)], [[0, 1]]),
    ([(0, 1), (1, 2), (3, 4)], [[0, 1, 2], [3, 4]]),
    ([(3, 4), (1, 2), (0, 1)], [[0, 1, 2], [3, 4]]),
])
def test_connected_components_join_every_linked_record(edges, expected):
    assert connected_components(5, edges) == expected


def test_constrained_clusters_join_in_rank_order():
    clusters, refused = constrained_clusters([(0, 1), (1, 2)], never, max_size=10)
    assert clusters == [[0, 1, 2]]
    assert refused == []


def test_constrained_clusters_refuse_a_chain_across_a_veto():
    def apart(i, j):
        return {i, j} == {0, 2}

    clusters, refused = constrained_clusters([(0, 1), (1, 2)], apart, max_size=10)
    assert clusters == [[0, 1]]
    assert refused == [(1, 2)]


def test_constrained_clusters_refuse_to_grow_past_the_size_limit():
    clusters, refused = constrained_clusters([(0, 1), (1, 2), (2, 3)], never, max_size=3)
    assert clusters == [[0, 1, 2]]
    assert refused == [(2, 3)]
