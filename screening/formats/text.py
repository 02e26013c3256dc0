"""Text helpers shared by every parser: choosing an encoding, cleaning markup, DOIs and years.

Pure Python, no Django.
"""
from __future__ import annotations

import codecs
import html
import io
import re
from typing import BinaryIO, TextIO
from urllib.parse import unquote

from .record import ImportFormatError

_CHUNK_SIZE = 1 << 20  # 1 MiB: big enough to be fast, small enough to never hold a whole export
_DECODE_SIZE = 1 << 16

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def sniff_encoding(binary_file: BinaryIO) -> str:
    """Return the encoding of ``binary_file`` and rewind it to where it started.

    A BOM decides (UTF-8 or UTF-16). Otherwise UTF-16 when the zero bytes say so (see
    _utf16_without_bom), else UTF-8 when the whole file decodes, checked
    chunk by chunk so a 250 MB export is never held in memory; else cp1252, and latin-1 when
    cp1252 meets one of its five undefined bytes (latin-1 decodes any byte).
    """
    start = binary_file.tell()
    try:
        head = binary_file.read(_UTF16_SAMPLE)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        utf16 = _utf16_without_bom(head)
        if utf16:
            return utf16
        binary_file.seek(start)
        if _decodes_fully(binary_file, "utf-8"):
            return "utf-8"
        binary_file.seek(start)
        if _decodes_fully(binary_file, "cp1252"):
            return "cp1252"
        return "latin-1"
    finally:
        binary_file.seek(start)


# Bytes looked at to recognise UTF-16 without a BOM (an even number: whole code units).
_UTF16_SAMPLE = 4096


def _utf16_without_bom(head: bytes) -> str | None:
    """Return "utf-16-le" or "utf-16-be" when ``head`` is UTF-16 text without a BOM, else None.

    Exports are mostly ASCII: in UTF-16 every ASCII character is a code unit with one zero
    byte, always in the same place (the second byte little-endian, the first big-endian). So
    at least a third of the units have a zero byte on one side, and the other side has at most
    a tenth as many (characters such as U+0100 or U+4E00), and the head decodes. A binary file has zero bytes on
    both sides; UTF-8 and the single-byte encodings have no zero byte in text at all.
    """
    head = head[: len(head) // 2 * 2]
    units = len(head) // 2
    if units < 4:
        return None
    zero_first = head[0::2].count(0)
    zero_second = head[1::2].count(0)
    for encoding, zeros, others in (("utf-16-le", zero_second, zero_first), ("utf-16-be", zero_first, zero_second)):
        if zeros * 3 >= units and others * 10 <= zeros:
            try:
                head.decode(encoding)
            except UnicodeDecodeError:
                # A surrogate pair cut at the end of the sample is not a reason to doubt.
                try:
                    head[:-2].decode(encoding)
                except UnicodeDecodeError:
                    return None
            return encoding
    return None


def _decodes_fully(binary_file: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := binary_file.read(_CHUNK_SIZE):
            # A fast path: ASCII decodes the same in both encodings and bytes.isascii() costs
            # far less than decoding, unless the decoder holds the start of a character.
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_stream(binary_file: BinaryIO, *, filename: str = "", encoding: str | None = None,
                  end: int | None = None) -> TextIO:
    """Open ``binary_file`` as a text stream with ``newline=""`` in its sniffed encoding.

    ``newline=""`` makes iteration split on CR, LF and CRLF while returning line endings
    untranslated, which the csv module needs and which keeps bare CRs inside fields visible.
    The chosen encoding is on the stream's ``.encoding``; pass ``encoding`` to skip the
    sniffing when it is already known. The stream ends at byte offset ``end`` when given.
    The binary file must be seekable.
    """
    if not binary_file.seekable():
        raise ImportFormatError("the upload cannot be re-read (not seekable)", filename=filename)
    encoding = encoding or sniff_encoding(binary_file)
    # The wrapper chain must not close the caller's file when it is garbage collected: the
    # caller (an upload handler, a test) owns binary_file and closes it itself.
    buffered = io.BufferedReader(_Unclosable(binary_file, end), buffer_size=_CHUNK_SIZE)
    stream = io.TextIOWrapper(buffered, encoding=encoding, newline="")
    # Decode 64 KiB at a time rather than the default 8 KiB: fewer decoder calls when the
    # parsers iterate over millions of lines (about a tenth of the reading time).
    stream._CHUNK_SIZE = _DECODE_SIZE
    return stream


class _Unclosable(io.RawIOBase):
    """Let a TextIOWrapper read a caller-owned file without closing it when the wrapper dies,
    up to byte offset ``end`` when given."""

    def __init__(self, inner: BinaryIO, end: int | None = None):
        self._inner = inner
        self._end = end

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readinto(self, buffer) -> int:
        size = len(buffer) if self._end is None else max(0, min(len(buffer), self._end - self._inner.tell()))
        data = self._inner.read(size)
        buffer[: len(data)] = data
        return len(data)


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:_.-]*(?:\s[^<>]*)?/?>")
# Only these tags start a new paragraph-like block; the rest (<i>, <sup>, <style>) are inline.
_BLOCK_TAG = re.compile(r"</?(?:p|br|div|AbstractText|sec|title|li|jats:p|jats:sec|jats:title)\b[^<>]*>", re.I)


def clean_text(value: str) -> str:
    """Return ``value`` without HTML/JATS tags or entities, with whitespace runs collapsed.

    Block tags (``<p>``, ``<br>``, ``<AbstractText>``) become a space so words on either side
    do not run together; inline tags (``<i>``, ``<sup>``) vanish. Entities are unescaped
    after the tags are removed, so an escaped ``&lt;5`` survives as ``<5``.
    """
    if not value:
        return ""
    if "<" in value:
        value = _BLOCK_TAG.sub(" ", value)
        value = _TAG.sub("", value)
    if "&" in value:
        value = html.unescape(value)
    # A fast path: most values are already clean. Every whitespace character but the ASCII
    # space is unprintable, so a printable value without doubled or edge spaces would come
    # back unchanged from the split and join below, which costs more on a long abstract.
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    # str.split() with no argument splits on any whitespace run and drops the ends, which is
    # several times faster than a regex substitution on long abstracts.
    return " ".join(value.split())


_DOI = re.compile(r"10\.\d{4,9}/\S+", re.I)
_DOI_TRAILING_JUNK = ".,;:)]}>\"'"


def normalise_doi(value: str) -> str:
    """Return the first DOI in ``value``, lower case and without URL or ``doi:`` prefix.

    Accepts ``https://doi.org/...``, ``http://dx.doi.org/...``, ``doi:...``, MEDLINE
    ``10.1/x [doi]`` and URL-encoded forms; return "" when there is no DOI.
    """
    if not value or ("10." not in value and "%" not in value):
        return ""
    if "%" in value:
        value = unquote(value)
    match = _DOI.search(value)
    if not match:
        return ""
    doi = match.group(0)
    # A DOI may itself contain ")" (10.1016/s0140-6736(20)30183-5), so only strip a closing
    # bracket when it is unbalanced.
    while doi and doi[-1] in _DOI_TRAILING_JUNK:
        if doi[-1] == ")" and doi.count("(") >= doi.count(")"):
            break
        doi = doi[:-1]
    return doi.lower()


_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2}|2100)(?!\d)")


def parse_year(value: str) -> int | None:
    """Return the first plausible year (1000-2100) in ``value``, or None.

    Reads ``2019//``, ``2022/11/05/``, ``2021 Jun``, ``Jun 2021``, ``2019-03-01``.
    """
    if not value:
        return None
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def split_authors(value: str, separator: str = ";") -> tuple[str, ...]:
    """Split an author list on ``separator`` and drop empty names."""
    return tuple(name for part in value.split(separator) if (name := clean_text(part)))


def unique(values) -> tuple[str, ...]:
    """Return ``values`` without empty strings or repeats, keeping the first order."""
    return tuple(dict.fromkeys(filter(None, values)))


_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")


def find_issns(value: str) -> tuple[str, ...]:
    """Return every ISSN in ``value`` as ``1234-567X``; ``03064530 (ISSN)`` reads too."""
    return tuple(f"{a}-{b.upper()}" for a, b in _ISSN.findall(value))


_ACCESSION_KINDS = (
    (re.compile(r"^WOS:\w+$", re.I), "wos"),
    (re.compile(r"^(?:ZOOREC:)?ZOOR\d+$", re.I), "zoorec"),
    (re.compile(r"^CN-\d+$"), "central"),
    (re.compile(r"^L\d{8,12}$"), "embase"),
    (re.compile(r"^2-s2\.0-\d+$"), "scopus_eid"),
    (re.compile(r"^(?:19|20)\d{2}-\d{5}-\d{3}$"), "psycinfo"),
    (re.compile(r"^E[JD]\d{5,7}$"), "eric"),
    (re.compile(r"^pub\.\d+$"), "dimensions"),
    (re.compile(r"^rayyan-\d+$"), "rayyan"),
)


def identifier_kind(value: str, default: str = "accession") -> str:
    """Name the database an accession number belongs to, from its shape alone.

    ``WOS:000...`` is Web of Science, ``CN-...`` CENTRAL, ``L2001234...`` Embase, ``2-s2.0-``
    a Scopus EID, ``2019-65183-001`` PsycInfo, ``EJ...``/``ED...`` ERIC; else ``default``.
    """
    for pattern, kind in _ACCESSION_KINDS:
        if pattern.match(value):
            return kind
    return default
