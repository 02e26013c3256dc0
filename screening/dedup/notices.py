"""Notices about an article (errata, comments, replies, retraction notices, expressions of
concern): recognise them, link each to the article it is about, flag retracted articles.

A notice is never a duplicate of its article: it is a separate record that leaves screening
with the article. A link needs two things, each with its evidence in words:

- a kind: the notice's title ("Erratum: ...", "Reply to ...", "... - Reply"), its
  publication type (MEDLINE PT "Published Erratum", Web of Science "Correction", ...) or a
  MEDLINE field of its own that names what it is about (EFR "erratum for", CON, ROF, ECF);
- a reference to the article: the article's title carried inside the notice's title, the
  article's PMID or DOI cited by the notice, the volume and page the notice's title cites,
  or the article's own MEDLINE field naming the notice (EIN "erratum in", CIN, RIN, ECI).

A notice-like pair with only one of the two goes to the review queue, never to a link.
Nothing here imports Django.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from . import normalise as n

# MEDLINE's fields that cite another record, in both directions. PubMed XML gives the same
# links as <CommentsCorrections RefType="...">; the map turns those into the MEDLINE tags.
RELATED_TAGS = ("EIN", "EFR", "CIN", "CON", "RIN", "ROF", "ECI", "ECF", "CRI", "CRF", "UIN",
                "UOF", "RPI", "RPF", "RRI", "RRF", "SPIN", "ORI")
XML_REF_TYPES = {
    "ErratumIn": "EIN", "ErratumFor": "EFR", "CommentIn": "CIN", "CommentOn": "CON",
    "RetractionIn": "RIN", "RetractionOf": "ROF", "ExpressionOfConcernIn": "ECI",
    "ExpressionOfConcernFor": "ECF", "CorrectedandRepublishedIn": "CRI",
    "CorrectedandRepublishedFrom": "CRF", "UpdateIn": "UIN", "UpdateOf": "UOF",
    "RepublishedIn": "RPI", "RepublishedFrom": "RPF", "RetractedandRepublishedIn": "RRI",
    "RetractedandRepublishedFrom": "RRF", "SummaryForPatientsIn": "SPIN", "OriginalReportIn": "ORI",
}
# On a notice: "I am about that record" (and so of this kind).
ABOUT_TAGS = {"EFR": "erratum", "CON": "comment", "ROF": "retraction", "ECF": "expression_of_concern"}
# On an article: "that record is a notice about me".
NOTICE_IN_TAGS = {"EIN": "erratum", "CIN": "comment", "RIN": "retraction", "ECI": "expression_of_concern"}

_MEDLINE_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3})\s*-\s?(.*)$")
_XML_LINK = re.compile(
    r"<CommentsCorrections\b[^>]*RefType=\"(\w+)\"[^>]*>(.*?)</CommentsCorrections>", re.DOTALL
)
_XML_TAG = re.compile(r"<(RefSource|PMID)\b[^>]*>(.*?)</\1>", re.DOTALL)


def related_fields(source) -> tuple[tuple[str, str], ...]:
    """Return the fields citing another record as (tag, value) pairs, in file order.

    ``source`` is a record's raw MEDLINE text, its raw PubMed XML, or its ``extra`` pairs
    as the parsers keep them. Values are as the file gives them, e.g.
    ("EIN", "Lancet. 2009 Mar 7;373(9666):812. PMID: 19269511").
    """
    if not source:
        return ()
    if not isinstance(source, str):
        return tuple((tag, value) for tag, value in source if tag in RELATED_TAGS and value)
    if "<CommentsCorrections" in source:
        out = []
        for ref_type, body in _XML_LINK.findall(source):
            tag = XML_REF_TYPES.get(ref_type)
            if not tag:
                continue
            parts = dict(_XML_TAG.findall(body))
            value = n.strip_markup(parts.get("RefSource", "")).strip()
            if parts.get("PMID"):
                value = f"{value} PMID: {n.strip_markup(parts['PMID']).strip()}".strip()
            out.append((tag, value))
        return tuple(out)
    return tuple((tag, value) for tag, value in medline_fields(source) if tag in RELATED_TAGS)


def medline_fields(raw: str) -> list[tuple[str, str]]:
    """Return the (tag, value) pairs of raw MEDLINE text, wrapped lines joined."""
    fields: list[tuple[str, str]] = []
    for line in raw.splitlines():
        if line.startswith("      ") and fields:
            tag, value = fields[-1]
            fields[-1] = (tag, f"{value} {line.strip()}".strip())
            continue
        match = _MEDLINE_LINE.match(line.rstrip())
        if match and len(line) > 4 and line[4] == "-":
            fields.append((match.group(1), match.group(2).strip()))
    return fields


def publication_types(raw: str, fallback: str = "") -> str:
    """Return every MEDLINE PT of a raw record joined by "; ", or ``fallback`` when the raw
    text has none (other formats give their one type in the parsed record)."""
    if raw and raw.lstrip("\ufeff").startswith("PMID-"):
        found = [value for tag, value in medline_fields(raw) if tag == "PT" and value]
        if found:
            return "; ".join(found)
    return fallback


# --- kinds ---------------------------------------------------------------------------

# Publication types as MEDLINE, Web of Science, Scopus and others spell them.
_TYPE_KINDS = (
    (re.compile(r"\bpublished erratum\b|^erratum$|^correction(?:,\s*addition)?$|^corrigendum$"), "erratum"),
    (re.compile(r"\bretraction of publication\b|^retraction(?: notice)?$"), "retraction"),
    (re.compile(r"\bexpression of concern\b"), "expression_of_concern"),
    (re.compile(r"^comment$|^commentary$"), "comment"),
)
_RETRACTED_TYPE = re.compile(r"^retracted(?: publication| article)?$")


def type_kind(publication_type: str) -> str:
    """Return the notice kind that a publication type states, or ""."""
    for part in re.split(r"[;,|\n]\s*|\s+/\s+", publication_type or ""):
        text = n.fold_text(part)
        if not text:
            continue
        for pattern, kind in _TYPE_KINDS:
            if pattern.search(text):
                return kind
    return ""


# A hyphen separates only with spaces around it: "Re-evaluation of ..." is a title.
_SEP = r"(?:\s*[:.–—]\s*|\s+-+\s+|\s*--\s*)"
_QUOTE = "\"'“”‘’«»"
_KIND_WORDS = (
    ("expression_of_concern", r"(?:editorial\s+)?expression\s+of\s+concern|notice\s+of\s+concern"),
    ("retraction", r"retraction(?:\s+notice|\s+note|\s+statement)?|notice\s+of\s+retraction"),
    ("erratum", (r"errat(?:um|a)|corrigend(?:um|a)|corrections?|notice\s+of\s+correction|"
                 r"publisher'?s?\s+(?:note|correction)|author\s+correction")),
    ("reply", r"(?:in\s+)?reply|response|(?:the\s+)?authors?'?\s+(?:reply|response)"),
    ("comment", r"comments?|commentary|re(?=\s*:)"),
)
# "Erratum: <title>", "Comment on: <title>", "Reply to 'title'".
_PREFIX_SEPARATED = [
    (kind, re.compile(rf"^\s*(?:{words})(?:\s+(?:to|for|on|of|in|regarding|about))?(?:{_SEP}|\s*[{_QUOTE}])"
                      rf"\s*(?P<rest>.+)$", re.IGNORECASE))
    for kind, words in _KIND_WORDS
]
# Phrases that name a notice even without punctuation: "Correction to Title", "Comment on
# Title". "Response to ..." and "Correction of ..." also begin ordinary titles, so they
# need the separator above.
_PREFIX_PHRASES = [(kind, re.compile(rf"^\s*(?:{words})\s+(?P<rest>.+)$", re.IGNORECASE)) for kind, words in (
    ("expression_of_concern", r"(?:editorial\s+)?expression\s+of\s+concern(?:\s+(?:for|about|on|regarding|to))?"),
    ("retraction", (r"retraction\s+(?:of|(?:notice|note)(?:\s+(?:for|to|of))?)|"
                    r"notice\s+of\s+retraction(?:\s+(?:for|of))?")),
    ("erratum", r"(?:erratum|corrigendum)(?:\s+(?:to|for|in|on))?|corrections?\s+to"),
    ("reply", r"(?:reply|authors?'?\s+reply)\s+to"),
    ("comment", r"(?:comments?|commentary)\s+on"),
)
]
# "<title> - Reply", "<title>: Erratum".
_SUFFIX = [
    (kind, re.compile(rf"^(?P<rest>.+?){_SEP}(?:{words})\s*\.?\s*$", re.IGNORECASE))
    for kind, words in _KIND_WORDS if kind != "comment"
] + [("comment", re.compile(rf"^(?P<rest>.+?){_SEP}(?:comments?|commentary)\s*\.?\s*$", re.IGNORECASE))]
_ALONE = [(kind, re.compile(rf"^\s*(?:{words})\s*\.?\s*$", re.IGNORECASE)) for kind, words in _KIND_WORDS
          if kind != "comment"]
# Web of Science and Embase cite the corrected article after its title:
# "Title (vol 360, pg 542, 2009)", "Title (Journal (2009) 360 (542-544))".
_CITED_VOLUME_PAGE = re.compile(
    r"\((?:vol\.?\s*(?P<v1>\d+)[^)]*?\bpg?\.?\s*(?P<p1>\w+)[^)]*"
    r"|[^()]*\(\d{4}\)\s*(?P<v2>\d+)\s*\(\s*(?P<p2>\w+)[\w-]*\s*\))\)\s*\.?\s*$",
    re.IGNORECASE,
)


_NOTICE_WORD = re.compile(r"errat|corrig|correct|retract|reply|respon|comment|concern|\bre\b|\(", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TitleNotice:
    kind: str
    cited_title: str  # normalised, "" when the title names no article ("Erratum")
    cited_volume: str = ""
    cited_page: str = ""
    evidence: str = ""


def title_notice(title: str) -> TitleNotice | None:
    """Return what a title says about being a notice, or None for an ordinary title."""
    text = n.strip_markup(title or "").strip()
    if not text or not _NOTICE_WORD.search(text):
        return None
    cited = _CITED_VOLUME_PAGE.search(text)
    if cited:
        rest = text[: cited.start()]
        volume = cited.group("v1") or cited.group("v2")
        page = (cited.group("p1") or cited.group("p2") or "").lstrip("0")
        return TitleNotice("erratum", _cited(rest), volume, page,
                           "title cites the corrected article's volume and page")
    # Notes that a database appends ("[Erratum appears in ...]") describe other records.
    cleaned = n.clean_title(text)
    if n.fold_text(cleaned) == "":
        return None
    for kind, pattern in _ALONE:
        if pattern.match(cleaned):
            return TitleNotice(kind, "", evidence=f"title is {cleaned.strip(' .')!r}")
    for patterns in (_PREFIX_SEPARATED, _PREFIX_PHRASES):
        for kind, pattern in patterns:
            match = pattern.match(cleaned)
            if match and len(n.fold_text(match.group("rest"))) >= 3:
                head = cleaned[: match.start("rest")].strip(" :.-–—" + _QUOTE)
                return TitleNotice(kind, _cited(match.group("rest")), evidence=f"title starts {head!r}")
    for kind, pattern in _SUFFIX:
        match = pattern.match(cleaned)
        if match:
            tail = cleaned[match.end("rest"):].strip(" :.-–—")
            return TitleNotice(kind, _cited(match.group("rest")), evidence=f"title ends {tail!r}")
    return None


def _cited(text: str) -> str:
    return n.normalise_title(text.strip().strip(_QUOTE + " .:"))


_RETRACTED_TITLE = re.compile(
    r"^\W*retracted(?:\s+article)?\s*(?:[:.\-–—\])]|$)|\(retracted article\b|\[retracted\]", re.IGNORECASE
)
_RETRACT_WORD = re.compile("retract", re.IGNORECASE)
_RETRACTED_CAPS = re.compile(r"^\W*RETRACTED\b")


def retraction_flag(title: str, publication_type: str, related=()) -> str:
    """Return why a record is itself a retracted article ("" when nothing says so)."""
    for part in re.split(r"[;,|\n]\s*", publication_type or ""):
        if _RETRACTED_TYPE.match(n.fold_text(part)):
            return f"publication type {part.strip()!r}"
    raw = n.strip_markup(title or "")
    if _RETRACTED_TITLE.search(raw) or _RETRACTED_CAPS.match(raw):
        return "title marks it RETRACTED"
    if any(tag == "RIN" for tag, _ in related):
        return "MEDLINE RIN names its retraction"
    return ""


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What one record says about itself as a notice."""

    kind: str = ""
    evidence: str = ""
    cited_title: str = ""
    cited_volume: str = ""
    cited_page: str = ""
    cited_pmids: tuple[str, ...] = ()  # from its own EFR/CON/ROF/ECF
    cited_dois: tuple[str, ...] = ()
    notice_pmids: tuple[tuple[str, str], ...] = ()  # (pmid, kind) from EIN/CIN/RIN/ECI: notices about it
    retracted: str = ""


_PMID_IN_TEXT = re.compile(r"PMID:?\s*(\d{1,9})", re.IGNORECASE)


def notice_facts(title: str, publication_type: str = "", related=(), abstract: str = "") -> NoticeFacts:
    """Return the notice kind of a record and the references it carries.

    The kind comes from the publication type first (the database's own word), then from
    the title, then from a MEDLINE field naming what the record is about.
    """
    related = tuple(related)
    about = [(ABOUT_TAGS[tag], value) for tag, value in related if tag in ABOUT_TAGS]
    notice_pmids = tuple(
        (pmid, NOTICE_IN_TAGS[tag]) for tag, value in related if tag in NOTICE_IN_TAGS
        for pmid in _PMID_IN_TEXT.findall(value)
    )
    retracted = retraction_flag(title, publication_type, related) if (
        publication_type or related or _RETRACT_WORD.search(title or "")) else ""
    by_title = title_notice(title)
    kind, evidence = "", ""
    by_type = type_kind(publication_type)
    if by_type:
        kind, evidence = by_type, f"publication type {publication_type.strip()!r}"
    elif by_title and by_title.kind:
        kind, evidence = by_title.kind, by_title.evidence
    elif about:
        tag = next(tag for tag, _ in related if tag in ABOUT_TAGS)
        kind, evidence = about[0][0], f"MEDLINE {tag} names the article it is about"
    if not kind:
        return NoticeFacts(notice_pmids=notice_pmids, retracted=retracted)
    cited_text = " ".join(value for _, value in about) + " " + (abstract or "")[:2000]
    return NoticeFacts(
        kind=kind, evidence=evidence,
        cited_title=by_title.cited_title if by_title else n.normalise_title(title),
        cited_volume=by_title.cited_volume if by_title else "",
        cited_page=by_title.cited_page if by_title else "",
        cited_pmids=tuple(sorted({p.lstrip("0") for _, v in about for p in _PMID_IN_TEXT.findall(v)})),
        cited_dois=n.normalise_dois(cited_text),
        notice_pmids=notice_pmids,
        retracted="" if kind == "retraction" else retracted,
    )


# --- linking -------------------------------------------------------------------------

MIN_CITED_TITLE = 20  # characters: a shorter cited title ("Reply") names no article
TITLE_CITED = 0.9


def title_reference(facts: NoticeFacts, article_title: str) -> float:
    """Return how closely the title a notice carries matches the article's (0..1).

    The article's title must be long enough to name one work; it may also sit inside a
    longer notice title ("Comment on: <title>. Authors' reply to Dr X").
    """
    cited, title = facts.cited_title, article_title
    if len(cited) < MIN_CITED_TITLE or len(title) < MIN_CITED_TITLE or n.is_generic_title(title):
        return 0.0
    if cited == title:
        return 1.0
    if len(title) >= 30 and title in cited:
        return 0.97
    return fuzz.ratio(cited, title) / 100


@dataclass(frozen=True, slots=True)
class NoticeCandidate:
    notice: int
    article: int
    strength: tuple
    evidence: tuple[str, ...]
    kind: str


def reference_evidence(facts: NoticeFacts, article_facts: NoticeFacts, notice_keys, article_keys,
                       notice_pmid: str) -> tuple[tuple, tuple[str, ...]]:
    """Return (strength, evidence) of the notice's reference to the article; strength is
    empty when there is none. Identifiers outrank the title."""
    evidence = []
    rank = 0
    if article_keys.pmid and article_keys.pmid in facts.cited_pmids:
        evidence.append(f"cites its PMID {article_keys.pmid}")
        rank = max(rank, 3)
    if notice_pmid and any(p == notice_pmid for p, _ in article_facts.notice_pmids):
        evidence.append("the article's MEDLINE record names this notice")
        rank = max(rank, 3)
    if article_keys.dois and set(article_keys.dois) & set(facts.cited_dois):
        evidence.append(f"cites its DOI {min(set(article_keys.dois) & set(facts.cited_dois))}")
        rank = max(rank, 3)
    title = title_reference(facts, article_keys.title)
    if facts.cited_volume and facts.cited_volume == article_keys.volume and (
        facts.cited_page and facts.cited_page == article_keys.page_start
    ) and title >= 0.8:
        evidence.append("cites its volume and page")
        rank = max(rank, 2)
    if title >= TITLE_CITED:
        evidence.append("carries its title" if title >= 0.97 else f"carries its title ({title:.2f})")
        rank = max(rank, 1)
    if not evidence:
        return (), ()
    # Later notices about earlier articles: a notice never precedes its article by more
    # than the print/online gap.
    if notice_keys.year and article_keys.year and notice_keys.year < article_keys.year - 1:
        return (), ()
    same_journal = bool(notice_keys.journal and notice_keys.journal == article_keys.journal)
    gap = abs((notice_keys.year or 0) - (article_keys.year or 0)) if notice_keys.year and article_keys.year else 9
    return (rank, title, same_journal, -gap), tuple(evidence)


def pmid_index(keys: Sequence) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k.pmid:
            index.setdefault(k.pmid, []).append(i)
    return index


def doi_index(keys: Sequence) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        for doi in k.dois:
            index.setdefault(doi, []).append(i)
    return index


def identifier_candidates(facts: Sequence[NoticeFacts], keys: Sequence) -> set[tuple[int, int]]:
    """Return (notice, article) pairs that identifiers connect, whatever their titles."""
    pmids, dois = pmid_index(keys), None
    pairs = set()
    for i, f in enumerate(facts):
        if f.kind:
            for pmid in f.cited_pmids:
                pairs.update((i, j) for j in pmids.get(pmid, ()) if j != i)
            if f.cited_dois:
                dois = dois if dois is not None else doi_index(keys)
                for doi in f.cited_dois:
                    pairs.update((i, j) for j in dois.get(doi, ()) if j != i and doi not in keys[i].dois)
        for pmid, _kind in f.notice_pmids:
            pairs.update((j, i) for j in pmids.get(pmid, ()) if j != i)
    return pairs


def link_notices(
    keys: Sequence, facts: Sequence[NoticeFacts], pairs: Iterable[tuple[int, int]], is_new: Sequence[bool],
) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Return the notice links among candidate (i, j) index pairs (either order) and the
    pairs that identifiers connect, as ``(notice, article, kind, evidence)``.

    Each notice is linked to one article, the best referenced (identifiers first, then
    the closest title, the same journal, the nearest year, the smallest index). Pairs
    with a kind but no reference are left to the caller's review queue.
    """
    best: dict[int, NoticeCandidate] = {}
    for x, y in set(pairs) | identifier_candidates(facts, keys):
        for notice, article in ((x, y), (y, x)):
            f, g = facts[notice], facts[article]
            if g.kind or not (is_new[notice] or is_new[article]):
                continue
            if not f.kind:
                # The article's own MEDLINE record may be what says the other is a notice.
                named = [kind for pmid, kind in g.notice_pmids if pmid == keys[notice].pmid]
                if not named:
                    continue
                f = NoticeFacts(kind=named[0], evidence=f"the article's MEDLINE record lists it as its {named[0]}",
                                cited_title=keys[notice].title)
            strength, evidence = reference_evidence(f, g, keys[notice], keys[article], keys[notice].pmid)
            if not strength:
                continue
            candidate = NoticeCandidate(notice, article, strength, (f.evidence, *evidence), f.kind)
            current = best.get(notice)
            if current is None or (candidate.strength, -article) > (current.strength, -current.article):
                best[notice] = candidate
    return [(c.notice, c.article, c.kind, c.evidence) for _, c in sorted(best.items())]
