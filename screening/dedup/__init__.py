"""Bibliographic deduplication: a pure-Python engine with no Django imports.

    result = find_duplicates(records, progress=callback)
    result.groups        # merged automatically, each with the reasons per pair
    result.maybe_pairs   # for the review queue
    result.notices       # errata, comments, retraction notices linked to their article
    result.retracted     # ids of records flagged as retracted
"""
from .engine import (
    choose_primary,
    fill_missing,
    find_duplicates,
    write_clusters_csv,
    write_maybe_pairs_csv,
    write_notices_csv,
)
from .notices import publication_types, related_fields
from .records import (
    NOTICE_KINDS,
    CandidatePair,
    DedupRecord,
    DedupResult,
    DuplicateGroup,
    NoticeLink,
    Reason,
)

__all__ = [
    "NOTICE_KINDS", "CandidatePair", "DedupRecord", "DedupResult", "DuplicateGroup", "NoticeLink", "Reason",
    "choose_primary", "fill_missing", "find_duplicates", "publication_types", "related_fields",
    "write_clusters_csv", "write_maybe_pairs_csv", "write_notices_csv",
]
