"""Candidate pairs from several independent blocking keys.

A pair is compared when the two records share at least one key. Each key is cheap and
exact; together they catch pairs that differ in any single field. Blocks larger than
``max_block`` records are skipped, which keeps the pair count near-linear.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from .keys import RecordKeys

TITLE_PREFIX = 24
TITLE_SUFFIX = 24
MIN_TOKEN = 3


def title_token_frequencies(keys: Sequence[RecordKeys]) -> Counter:
    """Return in how many titles each word occurs."""
    counts: Counter = Counter()
    for k in keys:
        counts.update(set(k.title.split()))
    return counts


def rare_tokens(title: str, frequencies: Counter, count: int = 3) -> list[str]:
    """Return the ``count`` rarest title words, ties broken alphabetically."""
    words = {w for w in title.split() if len(w) >= MIN_TOKEN}
    return sorted(words, key=lambda w: (frequencies[w], w))[:count]


def blocking_keys(k: RecordKeys, frequencies: Counter) -> set[str]:
    """Return the blocking keys of one record."""
    keys = {f"doi:{d}" for d in k.dois}
    if k.pmid:
        keys.add(f"pmid:{k.pmid}")
    if len(k.title_nospace) >= 10:
        keys.add(f"tp:{k.title_nospace[:TITLE_PREFIX]}")
        keys.add(f"ts:{k.title_nospace[-TITLE_SUFFIX:]}")
    rare = rare_tokens(k.title, frequencies)
    if len(rare) >= 2:
        a, b, *rest = rare
        keys.add(f"rt:{a}:{b}")
        if rest:
            keys.add(f"rt:{a}:{rest[0]}")
            keys.add(f"rt:{b}:{rest[0]}")
    surname = k.surnames[0] if k.surnames else ""
    if surname and k.year:
        keys.add(f"ay:{surname}:{k.year}")
    if k.page_start and k.volume:
        keys.add(f"vp:{k.volume}:{k.page_start}")
    if k.page_start and surname:
        keys.add(f"ap:{surname}:{k.page_start}")
    return keys


def candidate_pairs(
    keys: Sequence[RecordKeys], is_new: Sequence[bool], max_block: int = 200
) -> list[tuple[int, int]]:
    """Return the sorted index pairs ``(i, j)``, ``i < j``, that share a blocking key.

    Only pairs with at least one new record are returned.
    """
    frequencies = title_token_frequencies(keys)
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, k in enumerate(keys):
        for key in blocking_keys(k, frequencies):
            blocks[key].append(index)
    n = len(keys)
    pairs: set[int] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > max_block:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                if is_new[i] or is_new[j]:
                    pairs.add(i * n + j)
    return [divmod(p, n) for p in sorted(pairs)]
