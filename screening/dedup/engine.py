"""Find duplicate records: blocking, scoring, clustering.

``find_duplicates`` is the one entry point the app calls. It is deterministic: records
are processed in id order, so the same records give the same result in any input order.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence

from ..core import csvfile
from .blocking import candidate_pairs
from .clusters import constrained_clusters
from .keys import RecordKeys, record_keys
from .notices import link_notices
from .records import (
    CandidatePair,
    DedupRecord,
    DedupResult,
    DuplicateGroup,
    NoticeLink,
    Reason,
)
from .scoring import DUPLICATE, MAYBE, Comparison, compare

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 5000
DISPLAY_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages",
                  "doi", "pmid")


def find_duplicates(
    records: Sequence[DedupRecord],
    progress: Progress | None = None,
    max_group_size: int = 12,
    max_block: int = 200,
) -> DedupResult:
    """Return the automatic duplicate groups, the notice links and the pairs for human review.

    Only pairs with at least one ``is_new`` record are compared. A group larger than
    ``max_group_size``, or one that joins two records a veto keeps apart (a chain such
    as A~B~C where A and C have different DOIs), is not merged: its pairs go to
    ``maybe_pairs`` instead.

    A notice (erratum, comment, reply, retraction notice, expression of concern) is never
    merged with its article: with a kind and a reference to the article it is linked to
    it (``notices``), otherwise a pair that looks related goes to ``maybe_pairs``.
    ``retracted`` holds the records flagged as retracted, with every record merged with one.

    ``progress(done, total)`` is called every few thousand steps: one step per record
    while keys are computed, then one per candidate pair. ``total`` starts as an
    estimate (twice the records) and is exact once blocking has counted the pairs.
    """
    ordered = sorted(records, key=lambda r: r.id)
    if len({r.id for r in ordered}) != len(ordered):
        raise ValueError("record ids must be unique")
    n = len(ordered)
    keys = []
    for done, record in enumerate(ordered):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, 2 * n)  # a first estimate: as many pairs as records
        keys.append(record_keys(record))
    pairs = candidate_pairs(keys, [r.is_new for r in ordered], max_block=max_block)
    total = len(pairs)
    if progress:
        progress(n, n + total)

    accepted: dict[tuple[int, int], Comparison] = {}
    maybe: dict[tuple[int, int], Comparison] = {}
    vetoed: set[tuple[int, int]] = set()
    notice_pairs: list[tuple[int, int]] = []
    for done, (i, j) in enumerate(pairs, 1):
        result = compare(keys[i], keys[j])
        if result.outcome == DUPLICATE:
            accepted[(i, j)] = result
        elif result.outcome == MAYBE:
            maybe[(i, j)] = result
        if result.rule.startswith("veto"):
            vetoed.add((i, j))
            if result.rule.startswith("veto_kind"):
                notice_pairs.append((i, j))
        if progress and done % PROGRESS_EVERY == 0:
            progress(n + done, n + total)
    if progress:
        progress(n + total, n + total)

    compared = set(pairs)

    def keeps_apart(i: int, j: int) -> bool:
        pair = (min(i, j), max(i, j))
        if pair in compared:
            return pair in vetoed
        return compare(keys[i], keys[j]).rule.startswith("veto")

    ranked = sorted(accepted, key=lambda e: (-accepted[e].score, e))
    clusters, refused = constrained_clusters(ranked, keeps_apart, max_group_size)
    for edge in refused:
        c = accepted.pop(edge)
        maybe[edge] = Comparison(MAYBE, f"chain_guard:{c.rule}", c.score, c.scores)

    group_of = {i: members[0] for members in clusters for i in members}
    edges_by_group: dict[int, list[tuple[int, int]]] = {}
    for i, j in sorted(accepted):
        edges_by_group.setdefault(group_of[i], []).append((i, j))
    groups = [
        DuplicateGroup(
            ids=tuple(ordered[i].id for i in members),
            pairs=tuple(_pair(ordered, keys, i, j, accepted[(i, j)])
                        for i, j in edges_by_group[members[0]]),
        )
        for members in clusters
    ]
    facts = [k.notice for k in keys]
    links = link_notices(keys, facts, notice_pairs, [r.is_new for r in ordered])
    # A linked notice and its article are answered: no review pair between their groups.
    answered = {frozenset((group_of.get(a, a), group_of.get(b, b))) for a, b, _, _ in links}
    maybe = {e: c for e, c in maybe.items()
             if frozenset((group_of.get(e[0], e[0]), group_of.get(e[1], e[1]))) not in answered}
    maybe_pairs = [
        _pair(ordered, keys, i, j, maybe[(i, j)])
        for i, j in _one_pair_per_group_pair(maybe, group_of)
    ]
    flagged = {i for i, f in enumerate(facts) if f.retracted}
    flagged.update(article for _, article, kind, _ in links if kind == "retraction")
    # The flag belongs to the work: every record merged with a retracted one carries it.
    members_of = {members[0]: members for members in clusters}
    retracted = {
        ordered[m].id for i in flagged for m in members_of.get(group_of.get(i, i), [i])
    }
    notices = [NoticeLink(ordered[a].id, ordered[b].id, kind, evidence) for a, b, kind, evidence in links]
    return DedupResult(groups=groups, maybe_pairs=maybe_pairs, notices=notices,
                       retracted=frozenset(retracted), candidate_pairs=total)


def _one_pair_per_group_pair(maybe, group_of) -> list[tuple[int, int]]:
    """Return the best maybe pair between each two groups (a record on its own is its
    own group), dropping pairs inside one group.

    A reviewer decides once whether two groups are the same work; the other pairs
    between them would ask the same question again.
    """
    best = {}
    for (i, j), c in maybe.items():
        gi, gj = group_of.get(i, i), group_of.get(j, j)
        if gi == gj:
            continue
        key = (min(gi, gj), max(gi, gj))
        if key not in best or (-c.score, (i, j)) < (-maybe[best[key]].score, best[key]):
            best[key] = (i, j)
    return sorted(best.values())


def _pair(ordered, keys, i: int, j: int, c: Comparison) -> CandidatePair:
    a, b = ordered[i], ordered[j]
    return CandidatePair(
        id_a=a.id, id_b=b.id, score=c.score,
        reasons=(Reason(c.rule, c.scores),),
        differences=field_differences(a, b, keys[i], keys[j]),
    )


def field_differences(a: DedupRecord, b: DedupRecord, ka: RecordKeys, kb: RecordKeys):
    """Return ``(field, raw_a, raw_b)`` for fields whose keys are known on both sides and
    disagree."""
    compared = {
        "title": (ka.title, kb.title),
        "authors": (ka.surnames, kb.surnames),
        "year": (ka.year, kb.year),
        "journal": (ka.journal, kb.journal),
        "volume": (ka.volume, kb.volume),
        "issue": (ka.issue, kb.issue),
        "pages": ((ka.page_start, ka.page_end), (kb.page_start, kb.page_end)),
        "doi": (ka.dois, kb.dois),
        "pmid": (ka.pmid, kb.pmid),
    }
    out = []
    for name in DISPLAY_FIELDS:
        x, y = compared[name]
        if x and y and x != y and x != ("", "") and y != ("", ""):
            raw_a, raw_b = getattr(a, name), getattr(b, name)
            if name == "authors":
                raw_a, raw_b = "; ".join(raw_a), "; ".join(raw_b)
            out.append((name, str(raw_a), str(raw_b)))
    return tuple(out)


# --- choosing the record to keep -----------------------------------------------------

COMPLETENESS_FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages",
                       "doi", "pmid", "issn", "abstract")


def completeness(record: DedupRecord) -> int:
    """Return how many bibliographic fields are filled; a full page range counts extra."""
    filled = sum(1 for name in COMPLETENESS_FIELDS if getattr(record, name))
    return filled + (1 if "-" in (record.pages or "") else 0)


def choose_primary(records: Iterable[DedupRecord], database_preference: Sequence[str] = ()) -> str:
    """Return the id of the record to keep: the most complete one.

    Ties go to the database listed first in ``database_preference`` (databases not
    listed come after), then to the smallest id.
    """
    rank = {name.casefold(): i for i, name in enumerate(database_preference)}

    def key(r: DedupRecord):
        return (-completeness(r), rank.get(r.database.casefold(), len(rank)), r.id)

    return min(records, key=key).id


def fill_missing(primary: DedupRecord, others: Iterable[DedupRecord]) -> dict:
    """Return ``{field: value}`` for fields empty on ``primary`` that another record has.

    The most complete other record wins (then the smallest id). A page range replaces a
    bare start page. The caller decides whether to store the values.
    """
    others = sorted(others, key=lambda r: (-completeness(r), r.id))
    filled = {}
    for name in COMPLETENESS_FIELDS:
        if getattr(primary, name):
            continue
        for other in others:
            value = getattr(other, name)
            if value:
                filled[name] = value
                break
    if primary.pages and "-" not in primary.pages:
        for other in others:
            if "-" in (other.pages or "") and other.pages.split("-")[0].strip() == primary.pages.strip():
                filled["pages"] = other.pages
                break
    return filled


# --- gold-file format ----------------------------------------------------------------

def write_clusters_csv(groups: Iterable[DuplicateGroup], out) -> None:
    """Write one row per group, column ``merged_ids``, ids joined by ";" (the format of
    the labelled benchmarks' ``merged_record_ids.csv``)."""
    out.write("merged_ids\n")
    writer = csvfile.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for group in groups:
        writer.writerow([";".join(group.ids)])


def write_maybe_pairs_csv(pairs: Iterable[CandidatePair], out) -> None:
    """Write one row per pair for review: ids, score, rules and differing fields."""
    writer = csvfile.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["id_a", "id_b", "score", "reasons", "differences"])
    for p in pairs:
        writer.writerow([
            p.id_a, p.id_b, f"{p.score:.4f}",
            "; ".join(r.rule for r in p.reasons),
            "; ".join(f"{name}: {a} | {b}" for name, a, b in p.differences),
        ])


def write_notices_csv(links: Iterable[NoticeLink], out) -> None:
    """Write one row per notice linked to its article: ``notice_id,article_id,kind``."""
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["notice_id", "article_id", "kind"])
    for link in links:
        writer.writerow([link.notice_id, link.article_id, link.kind])
