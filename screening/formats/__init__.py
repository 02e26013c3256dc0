"""Read bibliographic exports into ParsedRecord, whatever database or tool wrote them.

The one entry point for the app and the command line::

    with open(path, "rb") as upload:
        export = open_export(upload, filename=path.name)
        for record in export.records():
            ...

Pure Python: nothing here imports Django.
"""
from __future__ import annotations

import importlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from typing import BinaryIO, TextIO

from .detect import HEAD_SIZE, declared_count, detect_format
from .record import CUT_OFF, ImportFormatError, ParsedRecord
from .text import decode_stream, sniff_encoding

__all__ = ["FORMATS", "ExportReader", "ImportFormatError", "ParsedRecord", "open_export", "parse_file"]

FORMATS = {
    "ris": "RIS (Ovid, EBSCOhost, Embase, Scopus, Web of Science, EndNote, Zotero ...)",
    "medline": "PubMed MEDLINE / .nbib",
    "pubmed_xml": "PubMed XML",
    "pubmed_csv": "PubMed CSV",
    "wos_plaintext": "Web of Science plain text",
    "wos_tab": "Web of Science tab-delimited",
    "scopus_csv": "Scopus CSV",
    "embase_csv": "Embase CSV",
    "embase_csv_rows": "Embase CSV (one field per row)",
    "ebsco_csv": "EBSCOhost CSV",
    "cochrane_csv": "Cochrane Library CSV",
    "bibtex": "BibTeX",
    "endnote_xml": "EndNote XML",
    "endnote_tagged": "EndNote tagged (.enw, %0 ... %T ...; EndNote, Zotero, Mendeley, Google Scholar)",
    "csl_json": "CSL-JSON (Zotero, Mendeley, citation.js)",
    "csv": "CSV with a column mapping",
    "tsv": "Tab-separated values with a column mapping",
}

# format name -> (module, parser function). Modules are imported on first use so that one
# parser's import error cannot stop the others from working.
_PARSERS = {
    "ris": ("ris", "parse_ris"),
    "medline": ("medline", "parse_medline"),
    "wos_plaintext": ("wos_plaintext", "parse_wos_plaintext"),
    "pubmed_xml": ("pubmed_xml", "parse_pubmed_xml"),
    "endnote_xml": ("endnote_xml", "parse_endnote_xml"),
    "endnote_tagged": ("endnote_tagged", "parse_endnote_tagged"),
    "csl_json": ("csl_json", "parse_csl_json"),
    "bibtex": ("bibtex", "parse_bibtex"),
    "pubmed_csv": ("csvfiles", "parse_pubmed_csv"),
    "scopus_csv": ("csvfiles", "parse_scopus_csv"),
    "embase_csv": ("csvfiles", "parse_embase_csv"),
    "embase_csv_rows": ("csvfiles", "parse_embase_csv_rows"),
    "ebsco_csv": ("csvfiles", "parse_ebsco_csv"),
    "cochrane_csv": ("csvfiles", "parse_cochrane_csv"),
    "wos_tab": ("csvfiles", "parse_wos_tab"),
    "csv": ("columns", "parse_generic_csv"),
    "tsv": ("columns", "parse_generic_csv"),
}


def parser_for(format_name: str) -> Callable[..., Iterator[ParsedRecord]]:
    """Return the parse function for ``format_name``; raise ImportFormatError if unknown."""
    if format_name not in _PARSERS:
        raise ImportFormatError(f"unknown format {format_name!r}; expected one of {', '.join(FORMATS)}")
    module_name, function_name = _PARSERS[format_name]
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, function_name)


# Formats whose files can be read in parts, and what starts a line that certainly starts a
# record: the reader of a part starting there reads what the reader of the whole would.
_PART_STARTS = {"ris": b"\nTY  - ", "medline": b"\nPMID- ", "pubmed_xml": b"\n<PubmedArticle>"}
# Encodings in which a line end is a single ASCII byte that no other character contains.
_BYTE_LINE_ENDS = frozenset({"utf-8", "utf-8-sig", "cp1252", "latin-1"})


@dataclass(frozen=True)
class ExportReader:
    """An export whose format and encoding are known; ``records()`` streams it from the start.

    A reader of a part of the export (see ``split``) reads from byte ``start`` to ``end``, and
    numbers lines from ``first_line``.
    """

    binary_file: BinaryIO = field(repr=False)
    filename: str
    format: str
    encoding: str
    declared_count: int | None = None
    column_map: dict[str, str] | None = None
    start: int = 0
    end: int | None = None
    first_line: int = 1
    # The reader starts at a split point inside the document: an XML part has no prolog.
    from_split: bool = False

    def records(self) -> Iterator[ParsedRecord]:
        """Return a fresh iterator over the records, re-reading the file from its start.

        Every failure, whatever the input, surfaces as ImportFormatError naming the file.
        """
        self.binary_file.seek(self.start)
        stream = decode_stream(self.binary_file, filename=self.filename, encoding=self.encoding, end=self.end)
        return _guarded(self._parse(stream), self.filename, to_the_end=self.end is None)

    def _parse(self, stream: TextIO) -> Iterator[ParsedRecord]:
        parse = parser_for(self.format)
        if self.format in ("csv", "tsv"):
            delimiter = "\t" if self.format == "tsv" else ","
            return parse(stream, filename=self.filename, column_map=self.column_map, delimiter=delimiter)
        if self.format == "pubmed_xml" and (self.from_split or self.end is not None):
            return parse(stream, filename=self.filename, first_line=self.first_line,
                         opens=not self.from_split, closes=self.end is None)
        if self.first_line != 1:
            return parse(stream, filename=self.filename, first_line=self.first_line)
        return parse(stream, filename=self.filename)

    def split(self, at: int | None = None) -> tuple[ExportReader, ExportReader] | None:
        """Return readers of two consecutive parts that, one after the other, read the same
        records as this reader, the second from ``split_point(at)``; None where there is none."""
        offset = self.split_point(at)
        if offset is None:
            return None
        return self.part(self.start, offset), self.part(offset)

    def split_point(self, at: int | None = None) -> int | None:
        """Return the byte offset of the first record at or after byte ``at`` (by default
        the middle of the file) from which a reader reads the rest of the records as this
        reader would. Return None where the export cannot be split so: another format or
        encoding, or no record on one side."""
        marker = _PART_STARTS.get(self.format)
        if marker is None or self.encoding not in _BYTE_LINE_ENDS or self.end is not None:
            return None
        file = self.binary_file
        size = file.seek(0, io.SEEK_END)
        at = self.start + (size - self.start) // 2 if at is None else at
        second = _find(file, marker, max(self.start, at - 1))
        if second is None:
            return None
        file.seek(self.start)
        first_line_of_file = file.read(len(marker) + 2).removeprefix(b"\xef\xbb\xbf")
        if not first_line_of_file.startswith(marker[1:]) and _find(file, marker, self.start, second) is None:
            return None  # no record before the split point
        return second + 1

    def part(self, start: int, end: int | None = None) -> ExportReader:
        """Return the reader of the bytes from ``start`` (a split point, or this reader's
        start) to ``end``, its lines numbered on from this reader's."""
        lines_before = _count_lines(self.binary_file, self.start, start) if start > self.start else 0
        return replace(self, start=start, end=end, first_line=self.first_line + lines_before,
                       from_split=self.from_split or start > self.start)


def _guarded(records: Iterator[ParsedRecord], filename: str, to_the_end: bool = True) -> Iterator[ParsedRecord]:
    # A parser bug on a strange file must reach the user as a readable error, not a crash
    # of the import job; the original exception stays chained for the logs.
    try:
        for record in records:
            if record.extra and record.extra[-1][0] == CUT_OFF:
                if to_the_end:
                    raise cut_off_error(record, filename)
                record = replace(record, extra=record.extra[:-1])  # the next part goes on
            yield record
    except ImportFormatError:
        raise
    except (UnicodeDecodeError, ValueError, IndexError, KeyError, TypeError, AttributeError,
            RecursionError, OverflowError) as error:
        raise ImportFormatError(f"the file could not be read ({type(error).__name__}: {error})",
                                filename=filename) from error


def cut_off_error(record: ParsedRecord, filename: str) -> ImportFormatError:
    """The refusal of a file that ends inside ``record``: a download or copy that stopped
    early. Importing the records before it would silently lose the rest of the search."""
    title = f" (“{record.title[:80]}”)" if record.title else ""
    return ImportFormatError(
        f"the file ends inside the record starting at line {record.line}{title}: {record.extra[-1][1]}. "
        "It looks cut off (an interrupted download or copy), so nothing from it was imported; "
        "export or download it again.", filename=filename, line=record.line)


def _find(file: BinaryIO, needle: bytes, start: int, end: int | None = None) -> int | None:
    """The offset of the first ``needle`` in ``file`` between ``start`` and ``end``, or None."""
    file.seek(start)
    position, carry = start, b""
    while end is None or position < end:
        block = file.read(1 << 20 if end is None else min(1 << 20, end - position))
        if not block:
            return None
        text = carry + block
        found = text.find(needle)
        if found != -1:
            offset = position - len(carry) + found
            return offset if end is None or offset + len(needle) <= end else None
        position += len(block)
        carry = text[-(len(needle) - 1):]
    return None


def _count_lines(file: BinaryIO, start: int, end: int) -> int:
    """The number of line ends between two offsets, CRLF, LF or a lone CR each ending a line
    as when the text stream is iterated."""
    file.seek(start)
    count, position, after_cr = 0, start, False
    buffer = bytearray(1 << 20)  # reused: a new megabyte per read costs more than the counting
    while position < end and (size := file.readinto(memoryview(buffer)[:min(len(buffer), end - position)])):
        block = buffer if size == len(buffer) else buffer[:size]
        count += block.count(b"\n")
        if b"\r" in block:
            count += block.count(b"\r") - block.count(b"\r\n")
        if after_cr and block.startswith(b"\n"):
            count -= 1  # a CRLF cut by the blocks
        after_cr = block.endswith(b"\r")
        position += size
    return count


def open_export(
    binary_file: BinaryIO,
    *,
    filename: str = "",
    format: str | None = None,
    column_map: dict[str, str] | None = None,
) -> ExportReader:
    """Sniff the encoding and (unless ``format`` is given) the format of an uploaded export.

    ``binary_file`` must be seekable; it is read again by every ``records()`` call and is
    never closed here. Raise ImportFormatError for anything that is not a supported export.
    """
    start = binary_file.tell()
    encoding = sniff_encoding(binary_file)
    stream = decode_stream(binary_file, filename=filename, encoding=encoding)
    try:
        head = stream.read(HEAD_SIZE)
    except UnicodeDecodeError as error:  # the sniffed encoding lied; cannot happen for latin-1
        raise ImportFormatError(f"the file could not be decoded as {encoding}", filename=filename) from error
    stream.detach()
    if format is None:
        try:
            format = detect_format(head)
        except ImportFormatError as error:
            raise ImportFormatError(error.reason, filename=filename) from None
    elif format not in FORMATS:
        raise ImportFormatError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}",
                                filename=filename)
    binary_file.seek(start)
    return ExportReader(
        binary_file=binary_file,
        filename=filename,
        format=format,
        encoding=encoding,
        declared_count=declared_count(head, format),
        column_map=column_map,
        start=start,
    )


def parse_file(path: str | PathLike[str], format: str | None = None) -> list[ParsedRecord]:
    """Read every record of the export at ``path``; a convenience for scripts and tests."""
    path = Path(path)
    with path.open("rb") as binary_file:
        return list(open_export(binary_file, filename=path.name, format=format).records())
