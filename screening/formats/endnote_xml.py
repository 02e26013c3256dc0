"""EndNote desktop "XML" export (``<xml><records><record>...``).

Every text node may be wrapped in ``<style face=... font=...>`` runs; ``itertext`` reads
through them. Multi-valued fields inside one element (ISSNs, languages, addresses) are
separated by carriage returns (``&#xD;``).

Pure Python, no Django.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO

from .xml_records import element_text, iter_xml_records
from .record import ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

_ISSN = re.compile(r"\b\d{4}-?\d{3}[\dXx]\b")
_PMCID = re.compile(r"\bPMC\d+\b")

# EndNote stores the accession number of whichever database the record came from; the
# remote database name (or provider) says which identifier it is.
_ACCESSION_KINDS = (
    ("medline", "pmid"),
    ("pubmed", "pmid"),
    ("nlm", "pmid"),
    ("embase", "embase"),
    ("cin", "cinahl"),
    ("psyc", "psycinfo"),
    ("web of science", "wos"),
    ("scopus", "scopus_eid"),
)


def parse_endnote_xml(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one record per ``<record>`` element."""
    for element, line, raw in iter_xml_records(
        stream, root_tags={"xml", "records"}, record_tags={"record"}, filename=filename
    ):
        yield _record(element, line, raw)


def _record(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    def text(path: str) -> str:
        return element_text(element.find(path))

    def texts(path: str) -> tuple[str, ...]:
        return unique(element_text(found) for found in element.iterfind(path))

    pmid, identifiers = _accession(
        text("accession-num"), text("remote-database-name"), text("remote-database-provider")
    )
    ref_type = element.find("ref-type")
    custom_fields = " ".join(text(f"custom{number}") for number in range(1, 8))
    return ParsedRecord(
        title=text("titles/title"),
        abstract=text("abstract"),
        authors=texts("contributors/authors/author"),
        year=parse_year(text("dates/year")) or parse_year(text("dates/pub-dates/date")),
        journal=(
            text("periodical/full-title")
            or text("titles/secondary-title")
            or text("alt-periodical/full-title")
        ),
        volume=text("volume"),
        issue=text("number"),
        pages=text("pages"),
        doi=normalise_doi(text("electronic-resource-num")),
        pmid=pmid,
        pmcid=_first_match(_PMCID, custom_fields),
        identifiers=identifiers,
        issn=unique(_ISSN.findall(text("isbn"))),
        keywords=texts("keywords/keyword"),
        language=_first_line(element.find("language")),
        publication_type=ref_type.get("name", "") if ref_type is not None else "",
        urls=texts("urls/related-urls/url") + texts("urls/web-urls/url"),
        database=text("remote-database-name") or text("remote-database-provider"),
        id_in_file=text("rec-number"),
        raw=raw,
        line=line,
        extra=tuple(
            (key, value)
            for key, value in (
                ("work_type", text("work-type")),
                ("label", text("label")),
                ("original_title", text("orig-pub")),
                ("short_title", text("titles/short-title")),
            )
            if value
        ),
    )


def _accession(accession: str, database_name: str, provider: str) -> tuple[str, tuple]:
    """Return ``(pmid, other identifiers)`` for the record's accession number."""
    if not accession:
        return "", ()
    source = f"{database_name} {provider}".lower()
    for hint, kind in _ACCESSION_KINDS:
        if hint in source:
            if kind == "pmid":
                if accession.isdigit():
                    return accession, ()
                break
            return "", ((kind, accession),)
    return "", (("accession", accession),)


def _first_line(element: ET.Element | None) -> str:
    """The first of several CR-separated values (``eng&#xD;ger`` -> ``eng``)."""
    if element is None:
        return ""
    lines = (clean_text(line) for line in "".join(element.itertext()).splitlines())
    return next((line for line in lines if line), "")


def _first_match(pattern: re.Pattern, value: str) -> str:
    match = pattern.search(value)
    return match.group(0) if match else ""
