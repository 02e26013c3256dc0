"""Recognise an export format from the start of its text, never from the file extension.

Extensions lie (MEDLINE saved as ``.ris``, RIS as ``.txt``, WoS plain text as ``.ciw``), so
the decision rests on the first ~64 KB of decoded text.
"""
from __future__ import annotations

import csv
import re

from .record import ImportFormatError

HEAD_SIZE = 64 * 1024

# Signatures of files that are not exports at all, to name them in the error message. The
# head may have been decoded as cp1252, so a PNG's 0x89 byte can appear as "‰".
_NOT_AN_EXPORT = (
    ("%PDF", "a PDF document"),
    ("PK\x03\x04", "a ZIP archive (or an Excel/Word file)"),
    ("\x89PNG", "a PNG image"),
    ("‰PNG", "a PNG image"),
    ("GIF8", "a GIF image"),
    ("ÿØÿ", "a JPEG image"),
    ("\x1f\x8b", "a gzip archive"),
    ("\x1f‹", "a gzip archive"),
    ("{\\rtf", "an RTF document"),
    ("ÐÏ\x11à", "an old Excel/Word file"),
)

_RIS_START = re.compile(r"^TY {1,2}- ", re.M)
_MEDLINE_START = re.compile(r"^PMID- ?\d", re.M)
_WOS_RECORD = re.compile(r"^PT [A-Z]\s*$", re.M)
_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.M)
# EndNote tagged: the first line is a "%X value" tag line and some line gives the reference
# type ("%0 Journal Article"); a writer may put %A before %0.
_ENDNOTE_TAG = re.compile(r"%[^\s%](?: |\s*\n)")
_ENDNOTE_TYPE = re.compile(r"^%0 \S", re.M)
_CSL_TYPE = re.compile(r'"type"\s*:\s*"')
_CSL_FIELD = re.compile(r'"(?:title|author|issued|container-title|DOI)"\s*:')
_XML_ROOT = re.compile(r"<(?!\?|!)([A-Za-z_][\w.:-]*)")


def detect_format(head: str) -> str:
    """Return the format name of an export whose decoded text starts with ``head``.

    Raise ImportFormatError naming what the text looks like when it is no supported export
    (empty, a PDF, a ZIP, an image, an NCBI search response ...).
    """
    for signature, what in _NOT_AN_EXPORT:
        if head.startswith(signature):
            raise ImportFormatError(f"this is {what}, not a bibliographic export")
    if "\x00" in head[:4096]:
        raise ImportFormatError("this is a binary file, not a bibliographic export")
    text = head.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip()
    if not stripped:
        raise ImportFormatError("the file is empty")
    if stripped.startswith("<"):
        return _detect_xml(stripped)
    if stripped.startswith(("{", "[")):
        if _CSL_TYPE.search(stripped) and _CSL_FIELD.search(stripped):
            return "csl_json"
        raise ImportFormatError("this is a JSON document but not CSL-JSON (items with \"type\", \"title\", "
                                "\"author\" ...), so not a bibliographic export")
    if _ENDNOTE_TAG.match(stripped) and _ENDNOTE_TYPE.search(text):
        return "endnote_tagged"

    tagged = _detect_tagged(text)
    if tagged:
        return tagged
    if _BIBTEX_ENTRY.search(text):
        return "bibtex"
    return _detect_table(text)


def _detect_tagged(text: str) -> str:
    ris = _RIS_START.search(text)
    medline = _MEDLINE_START.search(text)
    if ris and medline:
        return "ris" if ris.start() < medline.start() else "medline"
    if ris:
        return "ris"
    if medline:
        return "medline"
    first_line = text.lstrip().split("\n", 1)[0]
    if first_line.startswith("FN ") or (_WOS_RECORD.search(text) and re.search(r"^ER\s*$", text, re.M)):
        return "wos_plaintext"
    if re.match(r"PT\t", text.lstrip()) and re.search(r"\t(?:AU|TI|UT)\t", first_line):
        return "wos_tab"
    return ""


def _detect_xml(text: str) -> str:
    names = [name.split(":")[-1] for name in _XML_ROOT.findall(text[:8192])]
    if "PubmedArticleSet" in names or "PubmedArticle" in names or "PubmedBookArticle" in names:
        return "pubmed_xml"
    if "records" in names and "record" in names or names[:1] == ["xml"]:
        return "endnote_xml"
    if names[:1] in (["eSearchResult"], ["eSummaryResult"], ["eInfoResult"], ["ePostResult"], ["eSpellResult"]):
        raise ImportFormatError(f"this is an NCBI {names[0]} response, not a list of records")
    if names[:1] in (["html"], ["HTML"]):
        raise ImportFormatError("this is a web page (HTML), not a bibliographic export")
    root = names[0] if names else "?"
    raise ImportFormatError(f"this XML document (root element <{root}>) is neither PubMed XML nor EndNote XML")


# Column headers that identify one database's CSV export, compared case-insensitively.
_CSV_SIGNATURES = (
    ("pubmed_csv", {"pmid", "title", "authors", "citation", "first author", "journal/book"}),
    ("cochrane_csv", {"central id", "author(s)", "title", "source"}),
    ("scopus_csv", {"authors", "title", "source title"}),
    ("ebsco_csv", {"article title", "author", "journal title", "plink"}),
    ("ebsco_csv", {"article title", "author", "journal title", "accession number"}),
    ("embase_csv", {"title", "author names", "source"}),
)


def _detect_table(text: str) -> str:
    lines = [line for line in text.split("\n")[:200]]
    if looks_like_embase_rows(_leading_rows(lines[:-1] or lines)):
        return "embase_csv_rows"
    header_index, delimiter = _find_header(lines)
    if header_index is None:
        preview = text.strip().split("\n", 1)[0][:60]
        raise ImportFormatError(
            f"the format is not recognised: expected RIS ('TY  - '), MEDLINE ('PMID- '), "
            f"Web of Science, BibTeX, XML or a table with a header row, found {preview!r}"
        )
    rows = list(csv.reader(lines[header_index : header_index + 50], delimiter=delimiter))
    header = {cell.strip().strip('"').lower() for cell in rows[0]}
    for name, columns in _CSV_SIGNATURES:
        if columns <= header:
            return name
    if "embase accession id" in header:
        return "embase_csv"
    return "tsv" if delimiter == "\t" else "csv"


def _leading_rows(lines: list[str]) -> list[list[str]]:
    """The CSV rows of ``lines`` up to the first that cannot be read (the head may cut a quoted field)."""
    rows: list[list[str]] = []
    reader = csv.reader(lines)
    while True:
        try:
            rows.append(next(reader))
        except (StopIteration, csv.Error):
            return rows


def _find_header(lines: list[str]) -> tuple[int | None, str]:
    """Return the index and delimiter of the first row that looks like a table header.

    Embase CSV starts with a ``"SEARCH QUERY"`` preamble, a line of dashes and a blank line,
    so the header is not always the first line.
    """
    for index, line in enumerate(lines[:20]):
        if not line.strip() or set(line.strip()) <= set("-=_ "):
            continue
        if "\t" in line and line.count("\t") >= 2:
            return index, "\t"
        try:
            cells = next(csv.reader([line]))
        except csv.Error:
            continue
        if cells and cells[0].strip().upper() == "SEARCH QUERY":
            continue
        if len(cells) >= 2 and all(len(cell) < 200 for cell in cells):
            return index, ";" if line.count(";") > line.count(",") else ","
        if line.count(";") >= 2:
            return index, ";"
    return None, ","


# The field labels of Embase.com CSV exports (the column headers of the column layout), which
# the fields-by-row layout writes upper-case in its first column, once per record.
EMBASE_FIELD_LABELS = frozenset({
    "title", "original title", "author names", "author addresses", "correspondence address", "editors",
    "aip/ip entry date", "full record entry date", "source", "source title", "publication year", "volume",
    "issue", "first page", "last page", "date of publication", "publication type", "conference name",
    "conference location", "conference date", "conference editors", "issn", "isbn", "book publisher",
    "abstract", "original abstract", "author keywords", "emtree drug index terms (major focus)",
    "emtree drug index terms", "emtree medical index terms (major focus)", "emtree medical index terms",
    "keywords", "drug tradenames", "drug manufacturer", "device tradenames", "device manufacturer",
    "clinical trial numbers", "molecular sequence numbers", "cas registry numbers", "embase classification",
    "article language", "summary language", "embase accession id", "medline pmid", "pui", "doi",
    "full text link", "embase link", "open url link", "copyright", "source type", "correspondence",
    "funding details", "grant numbers", "chemicals and cas registry numbers",
})
_EMBASE_PREAMBLE_LABELS = frozenset({"search query", "query", "date", "results", "number of results"})


def is_embase_field_label(cell: str) -> bool:
    return cell.strip().rstrip(":").lower() in EMBASE_FIELD_LABELS


def _is_label_cell(cell: str) -> bool:
    """A field label as the row layout writes it: upper-case words, no lower-case letter."""
    cell = cell.strip().rstrip(":")
    return bool(cell) and len(cell) <= 80 and cell == cell.upper() and any(c.isalpha() for c in cell)


def looks_like_embase_rows(rows: list[list[str]]) -> bool:
    """Embase's "fields by row" CSV: each row is an upper-case field label and its value(s), so the
    first column is a list of labels, and a record starts at each ``TITLE`` label.

    The layout is told apart from the column layout (a header row of labels, then one record
    per row) by what defines it, not by the width of the rows, which multi-valued fields such
    as AUTHOR NAMES (one cell per author) make as wide as a header: the first row is a TITLE
    label followed by values rather than more labels, and every row's first cell is a label,
    at least one other than TITLE an Embase field label.
    """
    body = [row for row in rows if any(cell.strip() for cell in row)]
    while body and (body[0][0].strip().lower() in _EMBASE_PREAMBLE_LABELS
                    or set("".join(body[0]).strip()) <= set("-=_ ")):
        body = body[1:]  # the search-query block, its line of dashes
    if not body or body[0][0].strip().rstrip(":").upper() != "TITLE":
        return False
    if sum(is_embase_field_label(cell) for cell in body[0][1:]) >= 2:
        return False  # a header row: the column layout
    first_cells = [row[0] for row in body]
    if not all(_is_label_cell(cell) for cell in first_cells[:-1]):  # the last row may be cut by the head
        return False
    return any(is_embase_field_label(cell) and cell.strip().upper() != "TITLE" for cell in first_cells)


_COCHRANE_BANNER = re.compile(r"^Record #\d+ of (\d+)\s*$", re.M)


def declared_count(head: str, format_name: str) -> int | None:
    """Return the number of records the file says it holds, if its head says so, else None.

    Cochrane banners (``Record #3 of 18``) give the size of the search the selection came
    from; the check report compares it with what was read.
    """
    if format_name == "ris":
        match = _COCHRANE_BANNER.search(head.replace("\r\n", "\n").replace("\r", "\n"))
        if match:
            return int(match.group(1))
    return None
