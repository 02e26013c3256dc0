"""Web of Science "Plain text" export: ``FN``/``VR`` header, ``PT ... ER`` records, final ``EF``.

Every record starts with its ``PT`` (publication type) line. Tags are two characters and a space;
a multi-valued field (AU, AF, CR ...) puts each further value on its own line indented three
spaces. The same shape comes from every database on the Web of Science platform (Core Collection,
Zoological Record, MEDLINE ...).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from .record import CUT_OFF, ImportFormatError, ParsedRecord
from .text import clean_text, find_issns, identifier_kind, normalise_doi, parse_year, unique

_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])(?: (.*)|$)")
# Fields where a continuation line is a new value rather than wrapped text.
_LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "CR"})
_EMAIL_IN_NAME = re.compile(r"\s*\([^()]*@[^()]*\)")
_MAPPED = frozenset(
    "PT ER TI AB AU AF CA GP PY PD EA SO J9 JI VL IS BP EP AR PG DI PM UT AN SN EI DE ID LA DT UR".split()
)
# Tags of the Web of Science field list, including other platform databases' tags.
KNOWN_TAGS = frozenset(
    "FN VR PT AU AF BA BF CA GP BE TI SO SE BS LA DT CT CY CL SP HO DE ID AB C1 C3 RP EM RI OI FU "
    "FP FX CR NR TC Z9 U1 U2 PU PI PA SN EI BN J9 JI PD PY VL IS PN SU SI MA BP EP AR DI DL D2 EA "
    "PG WC WE SC GA PM OA HC HP DA UT ER EF AN BD OR PS ST TN FT UR EY AW MC MQ MI".split()
)


def parse_wos_plaintext(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per ``PT`` ... ``ER`` record of a Web of Science plain-text stream.

    Raise ImportFormatError when no record is found. A last record cut off before its ``ER``
    is still yielded, with a warning in ``extra``.
    """
    found = False
    for start_line, fields, raw, closed in _read_records(stream):
        found = True
        yield _build_record(start_line, fields, raw, closed)
    if not found:
        raise ImportFormatError(
            "expected Web of Science records ('PT J' ... 'ER'), found none", filename=filename
        )


def _read_records(stream: TextIO) -> Iterator[tuple[int, list[list[str]], list[str], bool]]:
    start_line = 0
    fields: list[list[str]] = []
    raw: list[str] = []
    for number, line in enumerate(stream, start=1):
        text = line.rstrip("\r\n")
        if number == 1:
            text = text.lstrip("\ufeff")
        match = _TAG_LINE.match(text)
        tag = match.group(1) if match else ""
        if not start_line:
            if tag != "PT":
                continue  # header, blank lines between records, the final EF
            start_line, fields, raw = number, [], []
        raw.append(line)
        if tag == "ER":
            yield start_line, fields, raw, True
            start_line = 0
        elif match:
            fields.append([tag, (match.group(2) or "").strip()])
        elif text.strip() and fields:
            last = fields[-1]
            if last[0] in _LIST_TAGS:
                fields.append([last[0], text.strip()])
            else:
                last[1] = f"{last[1]} {text.strip()}" if last[1] else text.strip()
    if start_line:
        yield start_line, fields, raw, False


def _build_record(start_line: int, fields: list[list[str]], raw: list[str], closed: bool) -> ParsedRecord:
    values: dict[str, list[str]] = {}
    for tag, value in fields:
        if value:
            values.setdefault(tag, []).append(value)

    def first(*tags: str) -> str:
        for tag in tags:
            for value in values.get(tag, ()):
                return value
        return ""

    def split_terms(tag: str) -> tuple[str, ...]:
        return unique(clean_text(term) for value in values.get(tag, ()) for term in value.split(";"))

    # AF has full names ("Toh, Ming Liang"); Zoological Record puts e-mails in AU lines.
    names = values.get("AF") or values.get("AU", [])
    authors = [_EMAIL_IN_NAME.sub("", name) for name in names + values.get("CA", []) + values.get("GP", [])]
    accession = first("UT") or first("AN")
    identifiers = tuple(
        dict.fromkeys((identifier_kind(value), value) for value in (first("UT"), first("AN")) if value)
    )
    extra = [(tag, value) for tag, value in fields if tag not in _MAPPED and value]
    extra += [("unknown_tag", tag) for tag in unique(tag for tag, _ in fields if tag not in KNOWN_TAGS)]
    if not closed:
        extra.append(("warning", f"record starting at line {start_line} has no 'ER' line"))
        extra.append((CUT_OFF, "no 'ER' line"))  # only the last record can lack its ER
    return ParsedRecord(
        title=clean_text(first("TI")),
        abstract=clean_text(first("AB")),
        authors=unique(clean_text(name) for name in authors),
        year=parse_year(first("PY")) or parse_year(first("PD")) or parse_year(first("EA")),
        journal=clean_text(first("SO", "SE", "JI", "J9")),
        volume=first("VL"),
        issue=first("IS"),
        pages=_pages(first("BP"), first("EP"), first("AR")),
        doi=normalise_doi(first("DI")),
        pmid=first("PM"),
        identifiers=identifiers,
        issn=unique(issn for value in values.get("SN", []) + values.get("EI", []) for issn in find_issns(value)),
        keywords=split_terms("DE"),
        subject_terms=split_terms("ID"),
        language=first("LA"),
        publication_type=first("DT") or first("PT"),
        urls=unique(url for url in values.get("UR", ()) if url.startswith(("http://", "https://"))),
        database=_database(accession),
        id_in_file=accession,
        raw="".join(raw),
        line=start_line,
        extra=tuple(extra),
    )


def _pages(begin: str, end: str, article_number: str) -> str:
    if begin and end:
        return f"{begin}-{end}"
    return begin or article_number


def _database(accession: str) -> str:
    prefix = accession.split(":", 1)[0].upper() if ":" in accession else ""
    return {"WOS": "Web of Science Core Collection", "ZOOREC": "Zoological Record", "MEDLINE": "MEDLINE"}.get(
        prefix, "Web of Science"
    )
