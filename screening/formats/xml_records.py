"""The streaming XML reader the EndNote XML parser uses, and reading text out of ElementTree
elements, for the XML parsers.

``iter_xml_records`` feeds expat chunk by chunk and builds a tree only for one record at a
time, so a 250 MB file never sits in memory.

Pure Python, no Django.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO
from xml.parsers import expat

from .record import ImportFormatError
from .text import clean_text

_CHUNK_SIZE = 1 << 20
# Real exports nest a dozen levels deep; anything far deeper is hostile or broken, and would
# make the recursive serialiser in ElementTree.tostring blow the stack.
_MAX_DEPTH = 200
_TAIL_KEPT = 1 << 16


def iter_xml_records(
    stream: TextIO,
    *,
    root_tags: set[str],
    record_tags: set[str],
    filename: str = "",
) -> Iterator[tuple[ET.Element, int, str]]:
    """Yield ``(element, line, raw)`` for every element named in ``record_tags``, in file order.

    ``raw`` is the record's XML exactly as it stands in the file. The document element must
    be one of ``root_tags`` (or itself a record). Elements outside records are never built.
    Malformed XML, a wrong root and entity declarations (the billion-laughs attack) raise
    ImportFormatError naming the line.
    """
    reader = _RecordCollector(root_tags, record_tags, filename)
    try:
        while chunk := stream.read(_CHUNK_SIZE):
            reader.feed(chunk.encode("utf-8"))
            yield from reader.take_finished()
        reader.feed(b"", final=True)
        yield from reader.take_finished()
    except expat.ExpatError as error:
        raise ImportFormatError(
            f"not well-formed XML ({expat.ErrorString(error.code)})",
            filename=filename,
            line=error.lineno,
        ) from None
    except UnicodeError as error:
        raise ImportFormatError(f"unreadable characters in XML ({error})", filename=filename) from None


class _RecordCollector:
    """Expat handlers that build one record subtree at a time and queue finished records.

    The text was already decoded by the caller, so it is fed to expat as UTF-8 whatever the
    XML declaration says. The bytes of an open record are kept so each record's raw XML is
    cut straight from the input (re-serialising the tree would double the parsing time).
    """

    def __init__(self, root_tags: set[str], record_tags: set[str], filename: str):
        self.root_tags = root_tags
        self.record_tags = record_tags
        self.filename = filename
        self.depth = 0
        self.builder: ET.TreeBuilder | None = None
        self.record_depth = 0
        self.record_line = 0
        self.record_start = 0  # byte offset of the open record's "<"
        self.pending = bytearray()  # input bytes from buffer_offset on
        self.buffer_offset = 0
        self.finished: list[tuple[ET.Element, int, str]] = []
        self.parser = expat.ParserCreate(encoding="utf-8")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.EntityDeclHandler = self.refuse_entity_declaration

    def feed(self, data: bytes, final: bool = False) -> None:
        self.pending += data
        self.parser.Parse(data, final)
        # Only an open record's bytes are still needed, plus a tail: expat holds back a tag cut
        # by the chunk boundary, and when that tag opens a record its start lies in the tail.
        end = self.buffer_offset + len(self.pending)
        keep_from = self.record_start if self.builder is not None else max(self.buffer_offset, end - _TAIL_KEPT)
        del self.pending[: keep_from - self.buffer_offset]
        self.buffer_offset = keep_from

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail(f"elements nested more than {_MAX_DEPTH} deep")
        if self.depth == 1 and tag not in self.root_tags and tag not in self.record_tags:
            expected = " or ".join(f"<{name}>" for name in sorted(self.root_tags))
            self.fail(f"expected {expected} as the document element, found <{tag}>")
        if self.builder is None:
            if tag not in self.record_tags:
                return
            self.builder = ET.TreeBuilder()
            self.record_depth = self.depth
            self.record_line = self.parser.CurrentLineNumber
            self.record_start = self.parser.CurrentByteIndex
            self.parser.CharacterDataHandler = self.builder.data
        self.builder.start(tag, attributes)

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.builder is None:
            return
        element = self.builder.end(tag)
        if self.depth < self.record_depth:
            self.finished.append((element, self.record_line, self.raw_record(element)))
            self.builder = None
            self.parser.CharacterDataHandler = None

    def raw_record(self, element: ET.Element) -> str:
        start = self.record_start - self.buffer_offset
        if start < 0:  # a start tag longer than the kept tail: rebuild the text instead
            return ET.tostring(element, encoding="unicode")
        end_tag = self.parser.CurrentByteIndex - self.buffer_offset
        if end_tag < start:  # an empty element <record/>: its start is its end
            end_tag = start
        close = self.pending.find(b">", end_tag)
        return self.pending[start : close + 1].decode("utf-8", errors="replace")

    def refuse_entity_declaration(self, name, *_ignored) -> None:
        self.fail(f"entity declarations are not allowed (found '{name}')")

    def fail(self, reason: str) -> None:
        raise ImportFormatError(reason, filename=self.filename, line=self.parser.CurrentLineNumber)

    def take_finished(self) -> list[tuple[ET.Element, int, str]]:
        finished, self.finished = self.finished, []
        return finished


def element_text(element: ET.Element | None) -> str:
    """All text inside ``element``, inline markup (``<i>``, ``<sup>``) included, cleaned."""
    if element is None:
        return ""
    if not len(element):  # most elements hold plain text: spare the iterator
        text = element.text
        return clean_text(text) if text else ""
    return clean_text("".join(element.itertext()))


def element_texts(elements: list[ET.Element | None]) -> list[str]:
    """``element_text`` of each element, at a fraction of the cost for many short texts.

    Most texts are already clean (printable, single spaces, no markup or entities). That is
    checked once on all of them joined; only otherwise is each cleaned on its own. Joined
    with "|", a space at either end of one value shows as " |" or "| " (or at an end).
    """
    texts = [
        "" if found is None else "".join(found.itertext()) if len(found) else found.text or ""
        for found in elements
    ]
    joined = "|".join(texts)
    if (joined.isprintable() and "<" not in joined and "&" not in joined and "  " not in joined
            and " |" not in joined and "| " not in joined and joined[:1] != " " and joined[-1:] != " "):
        return texts
    return [clean_text(text) if text else "" for text in texts]


# ElementTree's find and findall run in C for a plain tag name but go through the Python
# ElementPath module for a path ("A/B"), which cost a fifth of the parsing time: paths are
# walked here one plain step at a time, with ElementPath's meaning (every match, in order).
def elements_at(element: ET.Element | None, path: str) -> list[ET.Element]:
    if element is None:
        return []
    nodes = [element]
    for tag in path.split("/"):
        nodes = [child for node in nodes for child in node.findall(tag)]
    return nodes


def first_at(element: ET.Element | None, path: str) -> ET.Element | None:
    if element is None:
        return None
    if "/" not in path:
        return element.find(path)
    found = elements_at(element, path)
    return found[0] if found else None
