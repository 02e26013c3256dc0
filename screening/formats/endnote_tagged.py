"""EndNote tagged text (the "refer" family): ``%0 Journal Article``, ``%T title``, ``%A author``...

Written by EndNote ("EndNote Export" style, .enw/.txt), Zotero ("Refer/BibIX"), Mendeley,
Google Scholar, HAL, journal sites. One tag per line: ``%`` and one character, a space, the
value. A record is a run of tagged lines; records are separated by blank lines, and a second
``%0`` line also starts a new record (some writers leave no blank line). An untagged line
continues the value above it (wrapped abstracts), even after a blank line.

Pure Python, no Django.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from .record import ImportFormatError, ParsedRecord
from .text import (
    clean_text,
    find_issns,
    identifier_kind,
    normalise_doi,
    parse_year,
    unique,
)

# "%T Title", and a bare "%K" with nothing after it. "%50 of patients" in a wrapped abstract
# is no tag: the tag character must be followed by a space or the line end.
TAG_LINE = re.compile(r"%([^\s%])(?: (.*)|\s*$)")

# EndNote writes one "%K" line, then one keyword per untagged line.
_ONE_VALUE_A_LINE = frozenset("K")
_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"\bPMC\d+\b")


def parse_endnote_tagged(stream: TextIO, *, filename: str = "", first_line: int = 1) -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per record of an EndNote tagged stream.

    Raise ImportFormatError naming the line when text stands where a tag was expected, and
    when the stream holds no record at all.
    """
    found = False
    for line, fields, raw in _read_records(stream, filename, first_line):
        found = True
        yield _build_record(fields, line, raw)
    if not found:
        raise ImportFormatError("expected EndNote tagged records ('%0 Journal Article', '%T ...'), found none",
                                filename=filename)


def _read_records(stream: TextIO, filename: str, first_line: int) -> Iterator[tuple[int, list, str]]:
    fields: list[list[str]] = []  # [tag, value] pairs, in file order
    raw: list[str] = []
    start = 0
    pending_blank: list[str] = []  # blank lines after a record: its end, unless text continues it
    for number, line in enumerate(stream, start=first_line):
        text = line.rstrip("\r\n")
        if number == first_line:
            text = text.lstrip("\ufeff")
        if not text.strip():
            if fields:
                pending_blank.append(line)
            continue
        match = TAG_LINE.match(text)
        if match is None:
            if not fields:
                raise ImportFormatError(
                    f"expected a tag such as '%0 ' or '%T ' at the start of a record, found {text[:40]!r}",
                    filename=filename, line=number)
            if fields[-1][0] in _ONE_VALUE_A_LINE:
                fields.append([fields[-1][0], text.strip()])
            else:
                fields[-1][1] = f"{fields[-1][1]} {text.strip()}".strip()
            raw.extend(pending_blank)
            pending_blank = []
            raw.append(line)
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        starts_record = pending_blank or (tag == "0" and any(field[0] == "0" for field in fields))
        if fields and starts_record:
            yield start, fields, "".join(raw)
            fields, raw = [], []
        pending_blank = []
        if not fields:
            start = number
        fields.append([tag, value])
        raw.append(line)
    if fields:
        yield start, fields, "".join(raw)


def _build_record(fields: list[list[str]], line: int, raw: str) -> ParsedRecord:
    values: dict[str, list[str]] = {}
    for tag, value in fields:
        if value:
            values.setdefault(tag, []).append(value)

    def first(*tags: str) -> str:
        for tag in tags:
            if values.get(tag):
                return clean_text(values[tag][0])
        return ""

    def every(tag: str) -> list[str]:
        return values.get(tag, [])

    keywords = unique(clean_text(part) for value in every("K") for part in re.split(r"[;\n]", value))
    accession = first("M")
    database = first("~")
    provider = first("W")
    pmid = accession if _PMID.match(accession) and _names_pubmed(database, provider) else ""
    pmcid_match = _PMCID.search(" ".join(every("2")))
    identifiers = () if pmid or not accession else ((identifier_kind(accession), accession),)
    extra = tuple((key, value) for key, value in (
        ("reference_type", first("0")), ("type_of_article", first("9")), ("publisher", first("I")),
        ("database_provider", provider), ("notes", first("Z")), ("label", first("F")),
        ("book_title", first("B") if first("J") else ""), ("date", first("8")),
    ) if value)
    return ParsedRecord(
        title=first("T") or first("!"),
        abstract=first("X"),
        authors=unique(clean_text(author) for author in every("A")),
        year=parse_year(first("D")) or parse_year(first("8")),
        journal=first("J", "B"),
        volume=first("V"),
        issue=first("N"),
        pages=first("P") or first("]"),
        doi=normalise_doi(first("R")) or next((doi for url in every("U") if (doi := normalise_doi(url))), ""),
        pmid=pmid,
        pmcid=pmcid_match.group(0) if pmcid_match else "",
        identifiers=identifiers,
        issn=unique(issn for value in every("@") for issn in find_issns(value)),
        keywords=keywords,
        language=first("G"),
        publication_type=first("9") or first("0"),
        urls=unique(clean_text(url) for url in every("U")),
        database=database,
        id_in_file=first("L") if not pmid else "",
        raw=raw,
        line=line,
        extra=extra,
    )


def _names_pubmed(*names: str) -> bool:
    return any(word in name.lower() for name in names for word in ("pubmed", "medline", "nlm"))
