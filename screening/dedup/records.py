"""The plain values the dedup engine takes in and hands back.

Nothing here imports Django: the app builds ``DedupRecord`` objects from its rows and
stores the ``DedupResult`` itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DedupRecord:
    """One bibliographic record as imported (raw values, not normalised).

    ``is_new=False`` marks a record that an earlier run already deduplicated; only
    pairs that involve at least one new record are compared.
    """

    id: str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    issn: tuple[str, ...] = ()
    abstract: str = ""
    database: str = ""
    is_new: bool = True
    # For notices (errata, comments, retractions ...): the record's publication type as the
    # file gives it, and the fields that cite another article, as (tag, value) pairs in file
    # order (MEDLINE EIN/EFR, CIN/CON, RIN/ROF, ...).
    publication_type: str = ""
    related: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why two records were linked: the rule that fired and the scores it used."""

    rule: str
    scores: tuple[tuple[str, float], ...] = ()

    def as_dict(self) -> dict:
        return {"rule": self.rule, "scores": dict(self.scores)}


@dataclass(frozen=True, slots=True)
class CandidatePair:
    """A scored pair of records. ``id_a < id_b`` always.

    ``differences`` lists the fields whose comparison keys disagree, as
    ``(field, value_a, value_b)`` with the raw values, for display in the review queue.
    """

    id_a: str
    id_b: str
    score: float
    reasons: tuple[Reason, ...] = ()
    differences: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records merged automatically. ``ids`` are sorted; ``pairs`` are the edges that
    joined them, each with its reasons."""

    ids: tuple[str, ...]
    pairs: tuple[CandidatePair, ...] = ()


NOTICE_KINDS = ("erratum", "comment", "reply", "retraction", "expression_of_concern")


@dataclass(frozen=True, slots=True)
class NoticeLink:
    """A notice (erratum, comment, reply, retraction notice, expression of concern) and the
    article it is about. A notice is linked to its article, never merged with it.

    ``kind`` is one of ``NOTICE_KINDS``; ``evidence`` says in words why the link was made
    (the kind's evidence and the reference's, e.g. "title starts 'Erratum'", "cites its DOI").
    """

    notice_id: str
    article_id: str
    kind: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DedupResult:
    groups: list[DuplicateGroup] = field(default_factory=list)
    maybe_pairs: list[CandidatePair] = field(default_factory=list)
    notices: list[NoticeLink] = field(default_factory=list)
    # Ids of records flagged as retracted (publication type, a "RETRACTED" title, or a
    # linked retraction notice).
    retracted: frozenset[str] = frozenset()
    candidate_pairs: int = 0  # pairs produced by blocking, for the benchmark
