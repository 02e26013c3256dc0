"""Bibliographic deduplication: a pure-Python engine with no Django imports.

    result = find_duplicates(records, progress=callback)
    result.groups        # merged automatically, each with the reasons per pair
    result.maybe_pairs   # for the review queue
"""
from .engine import (
    choose_primary,
    fill_missing,
    find_duplicates,
    write_clusters_csv,
    write_maybe_pairs_csv,
)
from .records import CandidatePair, DedupRecord, DedupResult, DuplicateGroup, Reason

__all__ = [
    "CandidatePair", "DedupRecord", "DedupResult", "DuplicateGroup", "Reason",
    "choose_primary", "fill_missing", "find_duplicates",
    "write_clusters_csv", "write_maybe_pairs_csv",
]
