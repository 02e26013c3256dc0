"""CSL-JSON, the citation data of citeproc: Zotero's and Mendeley's "CSL JSON" export,
citation.js, pandoc, Crossref's citeproc+json.

A file is a JSON array of items, a single item, or an envelope around them as web APIs write
it (``{"items": [...]}``; Crossref's ``{"message": {...}}`` for one work and ``{"message":
{"items": [...]}}`` for a list). An item is an object with a ``type`` and
fields such as ``title``, ``author`` (``[{"family", "given"}]`` or ``{"literal"}``),
``issued`` (``{"date-parts": [[2020, 5]]}``, ``{"raw": "2020"}`` or a string),
``container-title`` (a string, or a list in Crossref's output), ``DOI``, ``PMID``, ``ISSN``.

Items are decoded one at a time from the text, so each keeps its own JSON as ``raw`` and an
error names the item and its line. Pure Python, no Django.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from .record import ImportFormatError, ParsedRecord
from .text import clean_text, find_issns, normalise_doi, parse_year, unique

# Fields that mark an object as a CSL item rather than any other JSON.
CSL_ITEM_FIELDS = frozenset({"title", "author", "issued", "container-title", "DOI", "editor", "page", "volume"})

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


def parse_csl_json(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ParsedRecord per item of a CSL-JSON document.

    Raise ImportFormatError naming the item and line for broken JSON, an item that is not an
    object with a ``type``, and a document that holds no items.
    """
    text = stream.read().lstrip("\ufeff")
    position = _skip_space(text, 0)
    if position == len(text):
        raise ImportFormatError("the file is empty", filename=filename)
    if text[position] == "{":
        items = _single_item_or_envelope(text, position, filename)
    elif text[position] == "[":
        items = _array_items(text, position + 1, filename)
    else:
        raise ImportFormatError("expected a CSL-JSON array of items ('[{\"type\": ...}]')",
                                filename=filename, line=_line_at(text, position))
    found = False
    for number, (item, start, raw) in enumerate(items, start=1):
        line = _line_at(text, start)
        if not _is_item(item):
            raise ImportFormatError(
                f"item {number} is not a CSL item (an object with a \"type\", \"title\", \"author\" ...)",
                filename=filename, line=line)
        found = True
        try:
            yield _build_record(item, raw, line)
        except (TypeError, AttributeError, ValueError) as error:
            raise ImportFormatError(f"item {number} has a field of an unexpected kind ({error})",
                                    filename=filename, line=line) from None
    if not found:
        raise ImportFormatError("the CSL-JSON array holds no items", filename=filename)


def _is_item(value: Any) -> bool:
    return isinstance(value, dict) and ("type" in value or bool(CSL_ITEM_FIELDS & value.keys()))


def _single_item_or_envelope(text: str, position: int, filename: str) -> Iterator[tuple[Any, int, str]]:
    item, end = _decode(text, position, filename, 1)
    if _skip_space(text, end) != len(text):
        raise ImportFormatError("unexpected text after the JSON object", filename=filename,
                                line=_line_at(text, end))
    inner = _unwrapped(item)
    if inner is None:
        yield item, position, text[position:end]
        return
    # Items inside an envelope have no text of their own to point at: each keeps its JSON as
    # written again, and errors name the item by its number and the envelope's line.
    for element in inner:
        yield element, position, json.dumps(element, ensure_ascii=False)


def _unwrapped(document: Any) -> list[Any] | None:
    """The items an API envelope holds, or None when the object is an item itself."""
    if not isinstance(document, dict) or _is_item(document):
        return None
    message = document.get("message")
    if isinstance(message, dict):
        if isinstance(message.get("items"), list):
            return message["items"]
        if _is_item(message):
            return [message]
    if isinstance(document.get("items"), list):
        return document["items"]
    return None


def _array_items(text: str, position: int, filename: str) -> Iterator[tuple[Any, int, str]]:
    number = 0
    position = _skip_space(text, position)
    if position < len(text) and text[position] == "]":
        return
    while True:
        number += 1
        item, end = _decode(text, position, filename, number)
        yield item, position, text[position:end]
        position = _skip_space(text, end)
        if position >= len(text):
            raise ImportFormatError("the JSON array is not closed (']' missing)", filename=filename,
                                    line=_line_at(text, position))
        if text[position] == "]":
            if _skip_space(text, position + 1) != len(text):
                raise ImportFormatError("unexpected text after the JSON array", filename=filename,
                                        line=_line_at(text, position + 1))
            return
        if text[position] != ",":
            raise ImportFormatError(f"expected ',' or ']' after item {number}, found {text[position:position + 20]!r}",
                                    filename=filename, line=_line_at(text, position))
        position = _skip_space(text, position + 1)


def _decode(text: str, position: int, filename: str, number: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as error:
        raise ImportFormatError(f"item {number} is not valid JSON ({error.msg})", filename=filename,
                                line=error.lineno) from None
    except RecursionError:
        raise ImportFormatError(f"item {number} is nested too deeply", filename=filename,
                                line=_line_at(text, position)) from None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _text(value: Any) -> str:
    """A CSL string field; Crossref gives some as lists (``"container-title": ["Nature"]``)."""
    if isinstance(value, list):
        value = next((part for part in value if isinstance(part, str) and part.strip()), "")
    if isinstance(value, (int, float)):
        value = str(value)
    return clean_text(value) if isinstance(value, str) else ""


def _name(person: Any) -> str:
    if isinstance(person, str):
        return clean_text(person)
    if not isinstance(person, dict):
        return ""
    if person.get("literal"):
        return _text(person["literal"])
    parts = (_text(person.get("non-dropping-particle")), _text(person.get("family")))
    family = " ".join(part for part in parts if part)
    given = " ".join(part for part in (_text(person.get("given")), _text(person.get("dropping-particle"))) if part)
    suffix = _text(person.get("suffix"))
    name = f"{family}, {given}" if family and given else family or given
    return f"{name}, {suffix}" if suffix and name else name


def _year(issued: Any) -> int | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return parse_year(str(parts[0][0]))
        return parse_year(_text(issued.get("raw")) or _text(issued.get("literal")))
    return parse_year(_text(issued))


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text for part in value if (text := _text(part))]
    text = _text(value)
    return [text] if text else []


def _names(people: Any) -> tuple[str, ...]:
    if people is None:
        return ()
    if not isinstance(people, list):
        raise TypeError("\"author\" must be a list of names")
    return unique(_name(person) for person in people)


def _build_record(item: dict[str, Any], raw: str, line: int) -> ParsedRecord:
    keywords = [term.strip() for value in _values(item.get("keyword")) for term in value.replace(";", ",").split(",")]
    pmid = _text(item.get("PMID"))
    return ParsedRecord(
        title=_text(item.get("title")),
        abstract=_text(item.get("abstract")),
        authors=_names(item.get("author")),
        year=_year(item.get("issued")) or _year(item.get("published-print")) or _year(item.get("published")),
        journal=_text(item.get("container-title")) or _text(item.get("container-title-short")),
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")) or _text(item.get("number")),
        pages=_text(item.get("page")),
        doi=normalise_doi(_text(item.get("DOI"))),
        pmid=pmid if pmid.isdigit() else "",
        pmcid=_text(item.get("PMCID")),
        issn=unique(issn for value in _values(item.get("ISSN")) for issn in find_issns(value)),
        keywords=unique(keywords),
        language=_text(item.get("language")),
        publication_type=_text(item.get("type")),
        urls=unique(_values(item.get("URL"))),
        id_in_file=_text(item.get("id")),
        raw=raw,
        line=line,
        extra=tuple((key, value) for key, value in (
            ("library_catalog", _text(item.get("source"))), ("publisher", _text(item.get("publisher"))),
            ("note", _text(item.get("note"))), ("isbn", _text(item.get("ISBN"))),
        ) if value),
    )
