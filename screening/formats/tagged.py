"""The reading loop of the tagged formats, MEDLINE (.nbib) and RIS: lines of "TAG - value",
a record starting at one tag (PMID, TY) and, in RIS, ending at another (ER), each value wrapped
onto the lines below it. The loop collects each record's (tag, value) pairs, its lines as read
and its first line number; what a record means is left to the format's module.

A format describes itself with a TaggedFormat: its usual tag line, recognised by a slice and a
dict lookup, and three small functions for the rare lines (an odd tag line, a wrapped value,
two tags glued on one line), so the per-line work is the same as in a loop of its own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

Fields = list[tuple[str, str]]

# Both formats start the value at the seventh column, and a line indented that far is never a
# tag line: PubMed wraps long values onto such lines, and some RIS writers do too.
VALUE_COLUMN = 6


@dataclass(slots=True)
class TaggedRecord:
    """The tagged lines of one record, as read."""

    line: int  # the number of its first line
    fields: Fields = field(default_factory=list)  # (tag, value) pairs in file order, values stripped
    raw: list[str] = field(default_factory=list)  # its lines, line endings kept
    closed: bool = False  # its end tag was read
    at_end: bool = False  # the stream ended inside it, before any end tag


@dataclass(frozen=True)
class TaggedFormat:
    """What the loop needs to know of one tagged format."""

    start_tag: str  # the tag that starts a record
    end_tag: str | None  # the tag that ends one; None when the next start is the only end
    # The usual tag line: line[:tag_width] looked up in usual_tags (giving the tag) when
    # line[tag_width:VALUE_COLUMN] is separator.
    usual_tags: Mapping[str, str]
    tag_width: int
    separator: str
    # (tag, value) of any other line (without its line ending); ("", "") when it has no tag.
    split_tag: Callable[[str], tuple[str, str]]
    # Add a field's wrapped lines (stripped, never empty) to it: fields[-1] is that field.
    join_wrapped: Callable[[Fields, list[str]], None]
    # A marker of a second tag written on the same line as the first, and the function that
    # adds the values of such a line (tag, its value without the line ending) to the fields.
    glued_marker: str | None = None
    add_glued: Callable[[Fields, str, str], None] | None = None


def read_tagged(stream: TextIO, form: TaggedFormat, first_line: int = 1) -> Iterator[TaggedRecord]:
    """Yield the records of `stream`, numbering its lines from `first_line`. Lines before the
    first record and, with an end tag, between records are skipped; a byte-order mark on line
    1 and CRLF line endings are read as nothing."""
    # This loop runs once per line (27 lines to a record in RIS, 85 in MEDLINE), so it is flat
    # and reads the format into local names: the usual tag line costs a slice and a dict
    # lookup, no call of the format's own; a wrapped line, a slice and a comparison more.
    usual_tag = form.usual_tags.get
    width, separator = form.tag_width, form.separator
    start_tag, end_tag = form.start_tag, form.end_tag
    split_tag, join_wrapped = form.split_tag, form.join_wrapped
    glued_marker, add_glued = form.glued_marker, form.add_glued
    record: TaggedRecord | None = None
    fields: Fields = []
    raw: list[str] = []
    wrapped: list[str] = []  # the wrapped lines of fields[-1], joined once the field is complete
    for number, line in enumerate(stream, start=first_line):
        # 6 is VALUE_COLUMN, written as a constant: a global lookup per line costs about 1 %.
        tag = usual_tag(line[:width]) if line[width:6] == separator else None
        if tag:
            value = line[6:]
        elif line[:6] == "      ":
            if record is not None:
                raw.append(line)
                continued = line.strip()
                if continued:
                    wrapped.append(continued)
            continue
        else:
            text = line.rstrip("\r\n")
            if number == 1:
                text = text.lstrip("\ufeff")
            tag, value = split_tag(text)
            if not tag:  # an untagged line continues the value above it, whatever its indent
                if record is not None:
                    raw.append(line)
                    continued = text.strip()
                    if continued:
                        wrapped.append(continued)
                continue
        if wrapped:
            join_wrapped(fields, wrapped)
            wrapped = []
        if tag == start_tag:
            if record is not None:
                yield record  # a record that never saw its end tag, if the format has one
            record = TaggedRecord(number)
            fields, raw = record.fields, record.raw
        elif record is None:
            continue
        raw.append(line)
        if tag == end_tag:
            record.closed = True
            yield record
            record = None
        elif glued_marker is not None and glued_marker in value:  # the cheap test spares a split
            add_glued(fields, tag, value.rstrip("\r\n"))
        else:
            fields.append((tag, value.strip()))
    if wrapped:
        join_wrapped(fields, wrapped)
    if record is not None:
        record.at_end = True
        yield record
