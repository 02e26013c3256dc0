"""RIS in all its dialects: Ovid, EBSCOhost, Cochrane, Embase.com, Scopus, Web of Science,
ProQuest, EndNote, Zotero, Mendeley, RefWorks, Citavi, Rayyan, Lens, Dimensions, SciELO.

Records run from ``TY  - `` to ``ER  - ``. Anything between records (Ovid record numbers and
full-text links, Cochrane ``Record #n of m`` banners) is ignored, and inside a record an
untagged line continues the tag above it. Blank lines never separate records: Citavi and
Scopus put them inside one.
"""
from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import TextIO

from .record import CUT_OFF, ImportFormatError, ParsedRecord
from .tagged import TaggedFormat, TaggedRecord, read_tagged
from .text import clean_text, find_issns, identifier_kind, normalise_doi, parse_year, unique

# "TY  - JOUR", Cochrane's "TY  -  JOUR", a bare "ER  -", and the rare single-space "AU - ".
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]) {1,2}-(?: +(.*)|\s*$)")
# Rayyan writes a second tag on the same line: "UR  - https://...     U2  - L2029880245".
_GLUED_TAG = re.compile(r"\s{2,}(?=[A-Z][A-Z0-9]  - )")
# Every two-character tag _TAG_LINE accepts: the usual tag line is one of these, then "  - ".
_PLAIN_TAGS = frozenset(first + second for first in string.ascii_uppercase
                        for second in string.ascii_uppercase + string.digits)

# Tags whose untagged continuation lines are new values rather than more of the same text
# (EndNote writes one KW line, then one keyword per line; the same for authors, DB and AD).
_LIST_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4", "KW", "DB", "AD", "SN", "UR", "L1", "L2", "L4"})

_TITLE_TAGS = ("TI", "T1", "CT", "BT", "ST")
_JOURNAL_TAGS = ("JF", "T2", "JO", "JA", "J2", "J1", "SE")
_YEAR_TAGS = ("PY", "Y1", "DA", "PD")
_URL_TAGS = ("UR", "L1", "L2", "L4", "LK")

# Tags read into named fields; every other tag is kept in ``extra``.
_MAPPED = frozenset(
    {"TY", "ER", "AB", "N2", "AU", "A1", "VL", "IS", "CP", "SP", "EP", "PG", "DO", "DI", "L3",
     "SN", "KW", "LA", "DB", "DP", "ID", "AN", "U1", "U2", "C2", "C3", "C5", "PM"}
    | set(_TITLE_TAGS) | set(_JOURNAL_TAGS) | set(_YEAR_TAGS) | set(_URL_TAGS)
)
# The RIS specification's tags, so the check report can point out the others.
STANDARD_TAGS = frozenset(
    "TY ER A1 A2 A3 A4 AB AD AN AU AV BT C1 C2 C3 C4 C5 C6 C7 C8 CA CN CP CT CY DA DB DO DP "
    "ED EP ET ID IS J1 J2 JA JF JO KW L1 L2 L3 L4 LA LB LK M1 M2 M3 N1 N2 NV OP PB PP PY RI "
    "RN RP SE SN SP ST T1 T2 T3 TA TI TT U1 U2 U3 U4 U5 UR VL VO Y1 Y2".split()
)

_PMID_IN_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})")
# "35957633 [PMID]" (Dimensions), "PUBMED 21314913,EMBASE 6435" (Cochrane), "PMID: 1" (notes).
_PMID_LABELLED = re.compile(r"^(\d{1,9}) \[PMID\]$|^PUBMED (\d{1,9})\b|^PMID:? ?(\d{1,9})$", re.I)
# EBSCOhost notes: "Accession Number: 2017-50583-002. PMID: 28738096 Partial author list: ..."
_PMID_IN_NOTE = re.compile(r"(?:^|\. )PMID: (\d{1,9})\b")
_PMCID = re.compile(r"\bPMC\d+\b")
_PLAIN_PMID = re.compile(r"^\d{1,9}$")
_COPYRIGHT_NOTICE = re.compile(r"^(?:Copyright of |©|\(c\) ?\d{4})", re.I)


def parse_ris(stream: TextIO, *, filename: str = "", first_line: int = 1) -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per ``TY`` ... ``ER`` record of an RIS stream.

    Raise ImportFormatError when the stream holds no RIS record at all. A last record
    without its ``ER`` line is still yielded, with a warning in ``extra``. ``first_line`` is
    the line number of the stream's first line: more than 1 when it is a later part of a file.
    """
    found = False
    for block in read_tagged(stream, RIS, first_line):
        found = True
        yield _build_record(block)
    if not found:
        raise ImportFormatError(
            "expected RIS records starting with a 'TY  - ' line, found none", filename=filename
        )


def _split_tag(text: str) -> tuple[str, str]:
    """Return (tag, value) for a tagged line, or ("", "") for an untagged one."""
    # Nearly every line is the standard "XY  - value"; test that by slicing before the regex.
    if text[2:6] == "  - " and text[:2].isalnum() and text[:2].isupper() and text[0].isalpha():
        return text[:2], text[6:]
    match = _TAG_LINE.match(text)
    if not match:
        return "", ""
    return match.group(1), match.group(2) or ""


def _add_glued_values(fields: list[tuple[str, str]], tag: str, value: str) -> None:
    """Add a value that may hold a second, glued tag (see _GLUED_TAG)."""
    parts = _GLUED_TAG.split(value)
    fields.append((tag, parts[0].strip()))
    for glued in parts[1:]:
        glued_match = _TAG_LINE.match(glued)
        if glued_match:
            fields.append((glued_match.group(1), (glued_match.group(2) or "").strip()))


def _continue_last_value(fields: list[tuple[str, str]], lines: list[str]) -> None:
    """Untagged lines below a field: new values of a list tag, else more lines of its value."""
    tag, value = fields[-1]
    if tag in _LIST_TAGS:
        fields.extend((tag, text) for text in lines)
    else:
        fields[-1] = (tag, "\n".join([value, *lines] if value else lines))


# A record runs from its TY line to its ER line; "AU  - " is the usual tag line.
RIS = TaggedFormat(start_tag="TY", end_tag="ER", usual_tags={tag: tag for tag in _PLAIN_TAGS}, tag_width=2,
                   separator="  - ", split_tag=_split_tag, join_wrapped=_continue_last_value,
                   glued_marker="  - ", add_glued=_add_glued_values)


def _build_record(block: TaggedRecord) -> ParsedRecord:
    # One pass over the fields gathers the values by tag, the unmapped values kept in
    # ``extra`` and the non-standard tags, in file order.
    values: dict[str, list[str]] = {}
    extra: list[tuple[str, str]] = []
    unknown_tags: dict[str, None] = {}
    for tag, value in block.fields:
        if tag not in STANDARD_TAGS:
            unknown_tags[tag] = None
        if value:
            if tag in values:
                values[tag].append(value)
            else:
                values[tag] = [value]
            if tag not in _MAPPED:
                extra.append((tag, value))
    extra += [("unknown_tag", tag) for tag in unknown_tags]
    if not block.closed:
        extra.append(("warning", f"record starting at line {block.line} has no 'ER  - ' line"))
        if block.at_end:
            extra.append((CUT_OFF, "no 'ER  - ' line"))

    database = _first(values, "DB") or _first(values, "DP")
    pmid, pmcid = _pubmed_ids(values, database)
    return ParsedRecord(
        title=clean_text(_first(values, *_TITLE_TAGS)),
        abstract=clean_text(_abstract(values)),
        authors=unique(map(clean_text, _every(values, "AU", "A1"))),
        year=_year(values),
        journal=clean_text(_first(values, *_JOURNAL_TAGS)),
        volume=clean_text(_first(values, "VL")),
        issue=clean_text(_first(values, "IS", "CP")),
        pages=_pages(_first(values, "SP"), _first(values, "EP"), _first(values, "PG")),
        doi=_doi(values),
        pmid=pmid,
        pmcid=pmcid,
        identifiers=_identifiers(values),
        issn=unique(issn for value in _every(values, "SN") for issn in find_issns(value)),
        keywords=unique(map(clean_text, _every(values, "KW"))),
        language=clean_text(_first(values, "LA")),
        publication_type=_first(values, "TY"),
        urls=unique(url for url in _every(values, *_URL_TAGS) if url.startswith(("http://", "https://"))),
        database=clean_text(database),
        id_in_file=_first(values, "ID"),
        raw="".join(block.raw),
        line=block.line,
        extra=tuple(extra),
    )


def _first(values: dict[str, list[str]], *tags: str) -> str:
    """The first value of the first of ``tags`` present (lists in ``values`` are never empty)."""
    for tag in tags:
        found = values.get(tag)
        if found:
            return found[0]
    return ""


def _every(values: dict[str, list[str]], *tags: str) -> list[str]:
    if len(tags) == 1:
        return values.get(tags[0], [])
    return [value for tag in tags for value in values.get(tag, ())]


def _abstract(values: dict[str, list[str]]) -> str:
    # EBSCOhost adds a second AB holding the publisher's copyright notice; it is not abstract.
    for value in values.get("AB", []) + values.get("N2", []):
        if not _COPYRIGHT_NOTICE.match(value):
            return value
    return ""


def _year(values: dict[str, list[str]]) -> int | None:
    for tag in _YEAR_TAGS:
        for value in values.get(tag, ()):
            year = parse_year(value)
            if year is not None:
                return year
    return None


# Ovid writes these where a journal gives no page numbers.
_NO_PAGES = frozenset({"no-specified", "no pagination specified", "no page numbers"})


def _pages(start: str, end: str, pages: str) -> str:
    start, end = start.strip(), end.strip()
    joined = f"{start}-{end}" if start and end and end != start else start or pages.strip()
    # Ovid splits "No-Specified" into "SP  - No" and "EP  - Specified".
    return "" if joined.lower() in _NO_PAGES else joined


def _doi(values: dict[str, list[str]]) -> str:
    # Notes are not searched: EBSCO notes carry DOIs of test instruments, not of the article.
    for tag in ("DO", "DI", "L3"):
        for value in values.get(tag, ()):
            doi = normalise_doi(value)
            if doi:
                return doi
    for tag in _URL_TAGS:
        for value in values.get(tag, ()):
            if "doi.org/" in value.lower():
                doi = normalise_doi(value)
                if doi:
                    return doi
    return ""


# Tags where some dialect puts a PMID or PMCID; scanning only these keeps long notes,
# abstracts and reference lists out of the search.
_ID_TAGS = ("U1", "U2", "U3", "U4", "U5", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "M1", "M2", "N1", "PM", "AN")


def _pubmed_ids(values: dict[str, list[str]], database: str) -> tuple[str, str]:
    """Find the PMID and PMCID wherever this RIS dialect put them."""
    pmid = pmcid = ""
    database = database.upper()
    from_pubmed = "NLM" in database or "PUBMED" in database or "MEDLINE" in database
    from_embase = "EMBASE" in database
    for tag in _ID_TAGS:
        if tag not in values:
            continue
        for value in values[tag]:
            if not pmcid and "PMC" in value and tag != "AN":
                match = _PMCID.search(value)
                if match:
                    pmcid = match.group(0)
            if pmid:
                continue
            labelled = _PMID_LABELLED.match(value.strip())
            if labelled:
                pmid = next(group for group in labelled.groups() if group)
            elif tag == "N1" and "PMID: " in value and _PMID_IN_NOTE.search(value):
                pmid = _PMID_IN_NOTE.search(value).group(1)
            elif tag == "PM" and _PLAIN_PMID.match(value):
                pmid = value
            elif tag == "C5" and from_embase and _PLAIN_PMID.match(value):
                pmid = value  # Embase.com puts the MEDLINE PMID in C5
            elif tag == "AN" and from_pubmed and _PLAIN_PMID.match(value):
                pmid = value  # EndNote/Zotero records that came from PubMed
    if not pmid:
        for tag in _URL_TAGS:
            for value in values.get(tag, ()):
                if not pmid and "pubmed" in value:
                    in_url = _PMID_IN_URL.search(value)
                    if in_url:
                        pmid = in_url.group(1)
    return pmid, pmcid


_SEMICOLON = re.compile(r";\s*")
_SCOPUS_EID = re.compile(r"eid=(2-s2\.0-\d+)")


def _identifiers(values: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    found = []
    for tag in ("AN", "ID", "U2", "M1"):
        for value in values.get(tag, ()):
            for part in _SEMICOLON.split(value):
                part = part.strip()
                kind = identifier_kind(part, default="")
                if kind:
                    found.append((kind, part))
                elif tag == "AN" and part:
                    found.append(("accession", part))
    for value in values.get("UR", []) + values.get("L2", []):
        eid = _SCOPUS_EID.search(value) if "eid=" in value else None
        if eid:
            found.append(("scopus_eid", eid.group(1)))
    return tuple(dict.fromkeys(found))
