"""Union-find over accepted pairs, with a guard against chaining."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence


class UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            # The smaller index becomes the root, so the result is order-independent.
            self.parent[max(rx, ry)] = min(rx, ry)


def connected_components(size: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Return the components with two or more members, each sorted, in index order."""
    uf = UnionFind(size)
    for i, j in edges:
        uf.union(i, j)
    members: dict[int, list[int]] = defaultdict(list)
    for x in range(size):
        members[uf.find(x)].append(x)
    return sorted((m for m in members.values() if len(m) > 1), key=lambda m: m[0])


def constrained_clusters(
    ranked_edges: Sequence[tuple[int, int]],
    keeps_apart: Callable[[int, int], bool],
    max_size: int,
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Join records along ``ranked_edges`` (strongest first) into clusters.

    An edge is refused when the join would put two records that ``keeps_apart`` into
    one cluster, or make a cluster larger than ``max_size``. This stops chains such as
    A~B~C where A and C have different DOIs: B joins one of them and the other edge
    is refused. Return the clusters (each sorted, in order of their first member) and
    the refused edges.
    """
    members: dict[int, list[int]] = {}
    root: dict[int, int] = {}
    refused = []
    for i, j in ranked_edges:
        ri, rj = root.get(i, i), root.get(j, j)
        if ri == rj:
            continue
        left, right = members.get(ri, [i]), members.get(rj, [j])
        if len(left) + len(right) > max_size or any(
            keeps_apart(x, y) for x in left for y in right
        ):
            refused.append((i, j))
            continue
        new_root, old_root = min(ri, rj), max(ri, rj)
        merged = sorted(left + right)
        for x in merged:
            root[x] = new_root
        members[new_root] = merged
        members.pop(old_root, None)
    return [members[r] for r in sorted(members)], refused
