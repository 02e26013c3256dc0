"""PubMed MEDLINE / .nbib tagged text, as PubMed's "Citation manager" and "MEDLINE" exports write it.

A record starts at its ``PMID- `` line. Tags are left-aligned and padded to four characters
before ``- `` (``PMID-``, ``AU  -``, ``FAU -``); long values wrap onto lines indented six
spaces. The format has no end-of-record tag, so a record ends where the next PMID starts.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TextIO

from .record import CUT_OFF, ImportFormatError, ParsedRecord
from .tagged import TaggedFormat, TaggedRecord, read_tagged
from .text import clean_text, find_issns, normalise_doi, parse_year, unique

_TAG = re.compile(r"[A-Z][A-Z0-9]{0,3}")

# Tags PubMed documents (https://pubmed.ncbi.nlm.nih.gov/help/#medline-display), old ones included.
KNOWN_TAGS = frozenset(
    "AB AD AID AU AUID BTI CI CIN CN COI COIS CON CP CRDT CRF CRI CTDT CTI DA DCOM DEP DP DRDT ECF "
    "ECI EDAT EFR EIN ED EN FAU FED FIR FPS GN GR GS IP IR IRAD IS ISBN JID JT LA LID LR MH "
    "MHDA MID OAB OABL OCI OID ORI OT OTO OWN PB PG PHST PL PMC PMCR PMID PS PST PT PUBM RF RIN "
    "RN ROF RPF RPI RRI RRF SB SFM SI SO SPIN STAT TA TI TT UIN UOF VI VTI".split()
)
# "AU  " -> "AU": each known tag as it starts a line.
_PADDED_TAGS = {tag.ljust(4): tag for tag in KNOWN_TAGS if _TAG.fullmatch(tag)}
_MAPPED = frozenset(
    "PMID TI BTI AB FAU AU CN DP TA JT VI IP PG LID AID IS OT MH LA PT PMC".split()
)


def parse_medline(stream: TextIO, *, filename: str = "", first_line: int = 1) -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per ``PMID-`` record of a MEDLINE/.nbib stream.

    Raise ImportFormatError when the stream holds no ``PMID-`` line. ``first_line`` is the
    line number of the stream's first line: more than 1 when it is a later part of a file.
    """
    found = False
    # PubMed ends every record with its source line (SO). The last record of a file whose
    # records all have one, but not the last, was cut off (a download interrupted mid-record).
    every_earlier_has_source = None
    for tagged in read_tagged(stream, MEDLINE, first_line):
        found = True
        record = _build_record(tagged)
        has_source = any(tag == "SO" for tag, _ in tagged.fields)
        if tagged.at_end and every_earlier_has_source and not has_source:
            missing = "no 'SO  - ' line, which every record before it has"
            record = replace(record, extra=(*record.extra, (CUT_OFF, missing)))
        every_earlier_has_source = has_source and every_earlier_has_source is not False
        yield record
    if not found:
        raise ImportFormatError(
            "expected MEDLINE records starting with a 'PMID- ' line, found none", filename=filename
        )


def _split_tag(text: str) -> tuple[str, str]:
    """Return (tag, value) for a line such as ``FAU - Smith, John``, else ("", "")."""
    if len(text) < 5 or text[4] != "-" or text[5:6] not in ("", " "):
        return "", ""
    tag = text[:4].rstrip()
    if not _TAG.fullmatch(tag):
        return "", ""
    return tag, text[6:].strip()


def _join_wrapped(fields: list[tuple[str, str]], wrapped: list[str]) -> None:
    """The last field with its wrapped lines appended, one space apart."""
    tag, value = fields[-1]
    fields[-1] = tag, " ".join([value, *wrapped] if value else wrapped)


# A record runs from its PMID line to the next; "AU  - " is the usual tag line.
MEDLINE = TaggedFormat(start_tag="PMID", end_tag=None, usual_tags=_PADDED_TAGS, tag_width=4, separator="- ",
                       split_tag=_split_tag, join_wrapped=_join_wrapped)


def _build_record(tagged: TaggedRecord) -> ParsedRecord:
    # One pass over the fields gathers the values by tag, the unmapped values kept in
    # ``extra`` and the unknown tags, in file order.
    values: dict[str, list[str]] = {}
    extra: list[tuple[str, str]] = []
    unknown_tags: dict[str, None] = {}
    for tag, value in tagged.fields:
        if tag not in KNOWN_TAGS:
            unknown_tags[tag] = None
        if value:
            if tag in values:
                values[tag].append(value)
            else:
                values[tag] = [value]
            if tag not in _MAPPED:
                extra.append((tag, value))
    extra += [("unknown_tag", tag) for tag in unknown_tags]

    def first(*tags: str) -> str:
        for tag in tags:
            found = values.get(tag)
            if found:  # lists in ``values`` are never empty
                return found[0]
        return ""

    # FAU gives "Smith, John"; AU only "Smith J". Group authors (CN) follow the people.
    authors = values.get("FAU") or values.get("AU", [])
    return ParsedRecord(
        title=clean_text(first("TI", "BTI")),
        abstract=clean_text(first("AB")),
        authors=unique(map(clean_text, authors + values.get("CN", []))),
        year=parse_year(first("DP")),
        journal=clean_text(first("JT", "TA")),
        volume=first("VI"),
        issue=first("IP"),
        pages=first("PG"),
        doi=_doi(values.get("LID", []) + values.get("AID", [])),
        pmid=first("PMID"),
        pmcid=first("PMC"),
        issn=unique(issn for value in values.get("IS", ()) for issn in find_issns(value)),
        keywords=unique(map(clean_text, values.get("OT", ()))),
        subject_terms=unique(map(clean_text, values.get("MH", ()))),
        language=first("LA"),
        publication_type=first("PT"),
        database="PubMed",
        raw="".join(tagged.raw),
        line=tagged.line,
        extra=tuple(extra),
    )


def _doi(locators: list[str]) -> str:
    # LID may be an e-locator page ("LID - 53") or a PII; only a "[doi]" suffix marks a DOI.
    for value in locators:
        if value.endswith("[doi]"):
            doi = normalise_doi(value)
            if doi:
                return doi
    return ""
