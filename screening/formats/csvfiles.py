"""Tabular exports: PubMed, Scopus, Embase, EBSCOhost and Cochrane CSV, Web of Science
tab-delimited (any other CSV/TSV: screening.formats.columns).

Every parser streams rows with the csv module (the stream must be opened with
``newline=""`` so quoted fields may hold line breaks) and keeps each row's own text as
``raw``.

Pure Python, no Django.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from .record import ImportFormatError, ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

# Scopus references and WoS cited-reference cells run to megabytes; the csv module's default
# limit (128 KiB) would reject real exports.
_FIELD_SIZE_LIMIT = 1 << 30

_EXCEL_FORMULA = re.compile(r'^="(.*)"$', re.S)
_ISSN = re.compile(r"\b\d{4}-?\d{3}[\dXx]\b")


# --- reading rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row: its cells by lower-cased header, its first line and its verbatim text."""

    cells: dict[str, str]
    line: int
    raw: str

    def get(self, *headers: str) -> str:
        """The first non-empty cell among ``headers``, unwrapped from ``="..."`` formulas."""
        for header in headers:
            value = self.cells.get(header.lower(), "")
            if value.strip():
                formula = _EXCEL_FORMULA.match(value.strip())
                return formula.group(1).replace('""', '"') if formula else value
        return ""

    def text(self, *headers: str) -> str:
        return clean_text(self.get(*headers))


class _LineRecorder:
    """Feeds lines to csv.reader while remembering them, so each row keeps its raw text."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.lines: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.lines.append(line)
        return line

    def take(self) -> str:
        text, self.lines = "".join(self.lines), []
        return text


def read_rows(
    stream: TextIO,
    *,
    filename: str = "",
    delimiter: str = ",",
    quoted: bool = True,
    is_header: Callable[[list[str]], bool] = lambda cells: True,
) -> tuple[list[str], Iterator[Row]]:
    """Return ``(headers, rows)``. Rows before the header (Embase's query preamble) are skipped.

    The header is the first non-empty row that ``is_header`` accepts. Blank rows are skipped;
    a row longer than the header (WoS' trailing tab) loses its extra empty cells.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    recorder = _LineRecorder(stream)
    reader = csv.reader(
        recorder,
        delimiter=delimiter,
        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
        strict=False,
    )
    headers: list[str] = []
    try:
        for cells in reader:
            recorder.take()
            if any(cell.strip() for cell in cells) and is_header(_clean_headers(cells)):
                headers = _clean_headers(cells)
                break
    except csv.Error as error:
        raise ImportFormatError(f"unreadable CSV ({error})", filename=filename, line=reader.line_num) from None
    if not headers:
        raise ImportFormatError("no header row found", filename=filename, line=reader.line_num or None)
    return headers, _data_rows(reader, recorder, headers, filename)


def _data_rows(reader, recorder: _LineRecorder, headers: list[str], filename: str) -> Iterator[Row]:
    keys = [header.lower() for header in headers]
    first_line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFormatError(
                f"unreadable CSV ({error})", filename=filename, line=reader.line_num
            ) from None
        raw = recorder.take()
        if any(cell.strip() for cell in cells):
            yield Row(dict(zip(keys, cells)), first_line, raw)
        first_line = reader.line_num + 1


def _clean_headers(cells: list[str]) -> list[str]:
    return [cell.replace("\ufeff", "").strip().strip('"').strip() for cell in cells]


# --- value helpers ------------------------------------------------------------------------


def split_names(value: str) -> tuple[str, ...]:
    """Split an author cell: on ';' when present, else on ',' between whole names.

    "Liu R., Adler D.G." holds two names, but "Curry Rogers, Kristina" is one name in
    "Last, First" form, so a comma only separates names when every part looks like a full
    name (has a space or an initial's full stop).
    """
    value = clean_text(value)
    if ";" in value:
        return unique(clean_text(part) for part in value.split(";"))
    parts = [part.strip() for part in value.split(",")]
    if len(parts) > 1 and all(" " in part or "." in part for part in parts if part):
        return unique(parts)
    return unique([value])


def split_terms(value: str, separator: str = ";") -> tuple[str, ...]:
    """Split a term list on ``separator``, but never inside parentheses ("cyst (diagnosis, surgery)")."""
    value = clean_text(value)
    if not value:
        return ()
    terms, depth, start = [], 0, 0
    for position, character in enumerate(value):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(depth - 1, 0)
        elif character == separator and depth == 0:
            terms.append(value[start:position])
            start = position + 1
    terms.append(value[start:])
    return unique(term.strip() for term in terms)


def _pages(start: str, end: str) -> str:
    start, end = clean_text(start), clean_text(end)
    return f"{start}-{end}" if start and end else start


def _digits_only(value: str) -> str:
    """A PMID, or "" for placeholders such as Scopus' "NA"."""
    return value if value.isdigit() else ""


def _identifiers(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((kind, clean_text(value)) for kind, value in pairs if clean_text(value))


def _extra(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((key, clean_text(value)) for key, value in pairs if clean_text(value))


# --- PubMed CSV ---------------------------------------------------------------------------

_PUBMED_CITATION = re.compile(r";(?P<volume>[^;:()\s]+)?(?:\((?P<issue>[^)]+)\))?:(?P<pages>[^.\s;]+)")


def parse_pubmed_csv(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """PubMed "Save > CSV": PMID, Title, Authors, Citation, Journal/Book, Publication Year, ..."""
    _headers, rows = read_rows(stream, filename=filename)
    for row in rows:
        citation = _PUBMED_CITATION.search(row.get("Citation"))
        # "Griffin DK, Larkin DM, O'Connor RE." - the list ends with a full stop.
        authors = row.text("Authors").removesuffix(".")
        yield ParsedRecord(
            title=row.text("Title"),
            authors=split_names(authors),
            year=parse_year(row.get("Publication Year")),
            journal=row.text("Journal/Book"),
            volume=clean_text(citation.group("volume") or "") if citation else "",
            issue=clean_text(citation.group("issue") or "") if citation else "",
            pages=clean_text(citation.group("pages")) if citation else "",
            doi=normalise_doi(row.get("DOI")),
            pmid=row.text("PMID"),
            pmcid=row.text("PMCID"),
            identifiers=_identifiers(("nihms", row.get("NIHMS ID"))),
            database="PubMed",
            raw=row.raw,
            line=row.line,
            extra=_extra(("citation", row.get("Citation")), ("create_date", row.get("Create Date"))),
        )


# --- Scopus CSV ---------------------------------------------------------------------------

_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d+\)\s*$")
_NO_ABSTRACT = "[no abstract available]"


def parse_scopus_csv(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Scopus CSV, 2019 and 2024 column sets ("Authors", "Source title", "EID", ...)."""
    _headers, rows = read_rows(stream, filename=filename)
    for row in rows:
        full_names = row.get("Author full names")
        if full_names:
            authors = unique(_SCOPUS_AUTHOR_ID.sub("", name).strip() for name in full_names.split(";"))
        else:
            authors = split_names(row.get("Authors"))
        abstract = row.text("Abstract")
        yield ParsedRecord(
            title=row.text("Title"),
            abstract="" if abstract.lower() == _NO_ABSTRACT else abstract,
            authors=authors,
            year=parse_year(row.get("Year")),
            journal=row.text("Source title"),
            volume=row.text("Volume"),
            issue=row.text("Issue"),
            pages=_pages(row.get("Page start"), row.get("Page end")) or row.text("Art. No."),
            doi=normalise_doi(row.get("DOI")),
            pmid=_digits_only(row.text("PubMed ID")),
            identifiers=_identifiers(("scopus_eid", row.get("EID"))),
            issn=unique(_ISSN.findall(row.get("ISSN"))),
            keywords=split_terms(row.get("Author Keywords")),
            subject_terms=split_terms(row.get("Index Keywords")),
            language=row.text("Language of Original Document"),
            publication_type=row.text("Document Type"),
            urls=unique([row.text("Link")]),
            database=row.text("Source") or "Scopus",
            raw=row.raw,
            line=row.line,
            extra=_extra(("journal_abbreviation", row.get("Abbreviated Source Title"))),
        )


# --- Embase CSV ---------------------------------------------------------------------------

# "Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004" and
# "PLoS ONE (2024) 19:1 January Article Number: e0292318. Date of Publication: 1 Jan 2024"
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s+\((?P<year>\d{4})\)\s*(?P<volume>[^\s:().]+)?(?::(?P<issue>[^\s(.]+))?"
    r"[^(]*?(?:\((?P<pages>[^()]+)\)|Article Number:\s*(?P<article>[^\s.]+)|\.|$)"
)
_OPEN_URL_DOI = re.compile(r"[?&]id=doi:([^&\s]+)")
_EMTREE_COLUMNS = (
    "Emtree Drug Index Terms (Major Focus)",
    "Emtree Drug Index Terms",
    "Emtree Medical Index Terms (Major Focus)",
    "Emtree Medical Index Terms",
)


def parse_embase_csv(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Embase.com CSV, fields by column; an optional ``SEARCH QUERY`` preamble is skipped."""
    _headers, rows = read_rows(
        stream, filename=filename, is_header=lambda cells: "title" in (cell.lower() for cell in cells)
    )
    for row in rows:
        yield _embase_record(row)


def parse_embase_csv_rows(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Embase.com CSV, fields by row: ``"TITLE","..."``, ``"AUTHOR NAMES","Wang Y.","Guo D."``...

    Each row is an upper-case field label and its value(s), a multi-valued field (authors,
    addresses, index terms) holding one value per cell. A record starts at each TITLE row,
    and after a blank row once the first record has begun. Rows before the first TITLE (the
    search-query block) are skipped.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    recorder = _LineRecorder(stream)
    reader = csv.reader(recorder, strict=False)
    fields: dict[str, str] = {}
    raw_lines: list[str] = []
    started, after_blank, start_line, line = False, False, 0, 0
    try:
        for cells in reader:
            raw = recorder.take()
            name = clean_text(cells[0]).lower().rstrip(":").strip() if cells else ""
            if not any(cell.strip() for cell in cells):
                after_blank, line = True, reader.line_num
                continue
            if name == "title" or (started and after_blank):
                if fields:
                    yield _embase_record(Row(fields, start_line, "".join(raw_lines)))
                fields, raw_lines, started, start_line = {}, [], True, line + 1
            after_blank = False
            line = reader.line_num
            if not started:
                continue  # the search-query block
            value = "; ".join(cell.strip() for cell in cells[1:] if cell.strip())
            fields[name] = f"{fields[name]}; {value}" if fields.get(name) else value
            raw_lines.append(raw)
    except csv.Error as error:
        raise ImportFormatError(f"unreadable CSV ({error})", filename=filename, line=reader.line_num) from None
    if fields:
        yield _embase_record(Row(fields, start_line, "".join(raw_lines)))
    elif not started:
        raise ImportFormatError("no TITLE row found: expected Embase fields-by-row records", filename=filename)


def _embase_terms(value: str) -> tuple[str, ...]:
    # The column layout lists terms in one cell with ", "; the row layout gives each its own
    # cell, which the row reader joins with "; ".
    return split_terms(value, ";" if ";" in value else ",")


def _embase_record(row: Row) -> ParsedRecord:
    source = _EMBASE_SOURCE.match(clean_text(row.get("Source")))

    def from_source(group: str) -> str:
        return clean_text(source.group(group) or "") if source else ""

    open_url_doi = _OPEN_URL_DOI.search(row.get("Open URL Link"))
    copyright_line = row.text("Copyright")
    return ParsedRecord(
        title=row.text("Title") or row.text("Original Title"),
        abstract=row.text("Abstract") or row.text("Original Abstract"),
        authors=split_names(row.get("Author Names")),
        year=parse_year(row.get("Publication Year")) or parse_year(from_source("year"))
        or parse_year(row.get("Date of Publication")),
        journal=row.text("Source title") or from_source("journal"),
        volume=row.text("Volume") or from_source("volume"),
        issue=row.text("Issue") or from_source("issue"),
        pages=_pages(row.get("First Page"), row.get("Last Page"))
        or from_source("pages")
        or from_source("article"),
        doi=normalise_doi(row.get("DOI"))
        or (normalise_doi(open_url_doi.group(1)) if open_url_doi else ""),
        pmid=row.text("Medline PMID"),
        identifiers=_identifiers(
            ("embase", row.get("PUI")), ("embase_accession", row.get("Embase Accession ID"))
        ),
        issn=unique(_ISSN.findall(row.get("ISSN"))),
        keywords=_embase_terms(row.get("Author Keywords")),
        subject_terms=unique(term for column in _EMTREE_COLUMNS for term in _embase_terms(row.get(column))),
        language=row.text("Article Language"),
        publication_type=row.text("Publication Type"),
        urls=unique([row.text("Full Text Link"), row.text("Embase Link")]),
        database="MEDLINE" if "MEDLINE" in copyright_line else "Embase",
        raw=row.raw,
        line=row.line,
        extra=_extra(("source", row.get("Source"))),
    )


# --- EBSCOhost CSV ------------------------------------------------------------------------


def parse_ebsco_csv(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """EBSCOhost CSV (CINAHL, Academic Search...): ISSN and dates come as ``="..."`` formulas."""
    _headers, rows = read_rows(stream, filename=filename)
    for row in rows:
        yield ParsedRecord(
            title=row.text("Article Title", "Title"),
            abstract=row.text("Abstract"),
            authors=split_names(row.get("Author", "Authors")),
            year=parse_year(row.get("Publication Date", "Year")),
            journal=row.text("Journal Title", "Source"),
            volume=row.text("Volume"),
            issue=row.text("Issue"),
            pages=row.text("First Page"),
            doi=normalise_doi(row.get("DOI")),
            identifiers=_identifiers(("ebsco", row.get("Accession Number"))),
            issn=unique(_ISSN.findall(row.get("ISSN"))),
            keywords=split_terms(row.get("Keywords")),
            subject_terms=split_terms(row.get("Subjects")),
            publication_type=row.text("Doctype"),
            urls=unique([row.text("PLink")]),
            database="EBSCOhost",
            raw=row.raw,
            line=row.line,
            extra=_extra(("publisher", row.get("Publisher")), ("page_count", row.get("Page Count"))),
        )


# --- Cochrane CSV -------------------------------------------------------------------------

_PREFIXED_ID = re.compile(r"^\s*(?:PUBMED|EMBASE|CINAHL)\s+", re.I)


def parse_cochrane_csv(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Cochrane Library (CENTRAL) CSV; cross-ids come as ``PUBMED 21314913``."""
    _headers, rows = read_rows(stream, filename=filename)
    for row in rows:

        def identifier(column: str) -> str:
            return _PREFIXED_ID.sub("", row.text(column))  # noqa: B023 - only called for this row

        yield ParsedRecord(
            title=row.text("Title"),
            abstract=row.text("Abstract"),
            authors=split_names(row.get("Author(s)")),
            year=parse_year(row.get("Year")),
            journal=row.text("Source"),
            volume=row.text("Volume"),
            issue=row.text("Issue"),
            pages=row.text("Pages").replace("\u2010", "-"),
            doi=normalise_doi(row.get("DOI")),
            pmid=identifier("PubMed ID"),
            identifiers=_identifiers(
                ("central", row.get("CENTRAL ID")),
                ("embase", identifier("Embase ID")),
                ("cinahl", identifier("CINAHL ID")),
                ("ctgov", row.get("CTgov ID")),
                ("ictrp", row.get("ICTRP ID")),
            ),
            keywords=split_terms(row.get("Keywords")),
            publication_type=row.text("Publication Type"),
            urls=unique([row.text("URL")]),
            database=row.text("Database Name") or "CENTRAL",
            id_in_file=row.text("CENTRAL ID"),
            raw=row.raw,
            line=row.line,
            extra=_extra(("review_group", row.get("Cochrane Review Group Code"))),
        )


# --- Web of Science tab-delimited ---------------------------------------------------------

_WOS_DATABASES = {"WOS": "Web of Science Core Collection", "MEDLINE": "MEDLINE", "ZOOREC": "Zoological Record"}


def parse_wos_tab(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Web of Science "Tab-delimited": two-letter tag headers, unquoted cells, '; ' lists.

    Cells are never quoted, so a cell starting with '"' is text, not a quoted field.
    """
    _headers, rows = read_rows(stream, filename=filename, delimiter="\t", quoted=False)
    for row in rows:
        accession = row.text("UT")
        database_code = accession.split(":", 1)[0].upper() if ":" in accession else ""
        pmid = row.text("PM") or (row.text("AN") if database_code == "MEDLINE" else "")
        other_id = row.text("AN") if row.text("AN") not in accession else ""
        yield ParsedRecord(
            title=row.text("TI"),
            abstract=row.text("AB"),
            authors=split_names(row.get("AF", "AU")),
            year=parse_year(row.get("PY")) or parse_year(row.get("PD")),
            journal=row.text("SO"),
            volume=row.text("VL"),
            issue=row.text("IS"),
            pages=_pages(row.get("BP"), row.get("EP")) or row.text("PS") or row.text("AR"),
            doi=normalise_doi(row.get("DI")),
            pmid=pmid,
            identifiers=_identifiers(
                ("wos" if database_code == "WOS" else database_code.lower() or "wos", accession),
                ("zoorec" if database_code == "ZOOREC" else "accession", other_id),
            ),
            issn=unique(_ISSN.findall(row.get("SN") + " " + row.get("EI"))),
            keywords=split_terms(row.get("DE")),
            subject_terms=split_terms(row.get("MH")) + split_terms(row.get("ID")),
            language=row.text("LA"),
            publication_type=row.text("DT"),
            urls=unique([row.text("UR")]),
            database=_WOS_DATABASES.get(database_code, "Web of Science"),
            raw=row.raw,
            line=row.line,
        )
