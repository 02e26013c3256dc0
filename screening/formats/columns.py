"""Any CSV/TSV read through a column map: ``{ParsedRecord field name: column header}``, guessed
from the headers (spellings seen in exports) or given by the user; headers match
case-insensitively. Rows are read as for the named exports (screening.formats.csvfiles).

Pure Python, no Django.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from .csvfiles import _ISSN, Row, _digits_only, _pages, read_rows, split_names, split_terms
from .record import ImportFormatError, ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

# Header spellings seen in exports, per field, most specific first. Headers are compared
# lower-cased with runs of spaces, dots and underscores collapsed to one space.
_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary title", "ti", "t1"),
    "abstract": ("abstract", "abstract note", "ab", "n2", "summary"),
    "authors": ("authors", "author", "author names", "author(s)", "author full names", "au", "a1", "af", "creators"),
    "year": ("year", "publication year", "pubyear", "year published", "py", "publication date", "date", "y1"),
    "journal": (
        "source title", "journal", "journal title", "journal/book", "publication title",
        "secondary title", "journal name", "so", "jo", "jf", "t2",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "no", "is"),
    "pages": ("pages", "page", "page range", "pg range"),
    "page_start": ("page start", "first page", "start page", "bp", "sp"),
    "page_end": ("page end", "last page", "end page", "ep"),
    "doi": ("doi", "di", "do", "digital object identifier"),
    "pmid": ("pmid", "pubmed id", "medline pmid", "pm"),
    "pmcid": ("pmcid", "pmc id", "pmc"),
    "issn": ("issn", "sn", "eissn", "issn/isbn"),
    "keywords": ("keywords", "author keywords", "keyword", "kw", "de", "manual tags"),
    "subject_terms": ("mesh terms", "mesh", "mesh headings", "index keywords", "subject terms", "subjects", "mh"),
    "language": ("language", "language of original document", "article language", "la"),
    "publication_type": ("publication type", "document type", "doctype", "item type", "type", "dt"),
    "urls": ("url", "urls", "link", "plink", "ur"),
    "database": ("database", "database name", "db"),
    "id_in_file": ("id", "record_id", "record id", "key", "item id"),
}
#: The fields a column map may name: ParsedRecord's text fields plus the two page halves.
MAPPABLE_FIELDS = tuple(_HEADER_SYNONYMS)
_HEADER_NOISE = re.compile(r"[\s._]+")


def _header_key(header: str) -> str:
    return _HEADER_NOISE.sub(" ", header.replace("\ufeff", "")).strip().lower()


def guess_column_map(headers: Iterable[str]) -> dict[str, str]:
    """Map common header spellings (Title, Article Title, TI, Authors, AU, DOI, DI...) to fields.

    Returns ``{field name: header as spelled in the file}`` for the fields recognised; each
    header is used at most once.
    """
    by_key = {}
    for header in headers:
        by_key.setdefault(_header_key(header), header.replace("\ufeff", "").strip())
    column_map: dict[str, str] = {}
    taken: set[str] = set()
    for field_name, spellings in _HEADER_SYNONYMS.items():
        for spelling in spellings:
            header = by_key.get(spelling)
            if header is not None and header not in taken:
                column_map[field_name] = header
                taken.add(header)
                break
    return column_map


def parse_generic_csv(
    stream: TextIO,
    *,
    filename: str = "",
    column_map: dict[str, str] | None = None,
    delimiter: str = ",",
) -> Iterator[ParsedRecord]:
    """Any CSV/TSV with a header row, read through ``column_map`` (guessed when None).

    Multi-valued cells (authors, keywords, ISSNs, URLs) are split on ';' (authors also on
    ',' between whole names). ``page_start``/``page_end`` columns join into ``pages``.
    """
    headers, rows = read_rows(stream, filename=filename, delimiter=delimiter)
    column_map = _checked_column_map(column_map or guess_column_map(headers), headers, filename)
    for row in rows:
        yield _mapped_record(row, column_map)


def _checked_column_map(column_map: dict[str, str], headers: list[str], filename: str) -> dict[str, str]:
    unknown_fields = sorted(set(column_map) - set(MAPPABLE_FIELDS))
    if unknown_fields:
        raise ImportFormatError(f"unknown field(s) in the column map: {', '.join(unknown_fields)}", filename=filename)
    present = {header.lower() for header in headers}
    missing = [column for column in column_map.values() if column.strip().lower() not in present]
    if missing:
        raise ImportFormatError(
            f"column(s) {', '.join(repr(c) for c in missing)} not found; the file has: "
            f"{', '.join(headers[:30])}",
            filename=filename,
            line=1,
        )
    if "title" not in column_map:
        raise ImportFormatError(
            f"no title column recognised; choose one with a column map. Columns found: {', '.join(headers[:30])}",
            filename=filename,
            line=1,
        )
    return {field_name: column.strip() for field_name, column in column_map.items()}


def _mapped_record(row: Row, column_map: dict[str, str]) -> ParsedRecord:
    def cell(field_name: str) -> str:
        column = column_map.get(field_name)
        return row.get(column) if column else ""

    id_in_file = clean_text(cell("id_in_file"))
    return ParsedRecord(
        title=clean_text(cell("title")),
        abstract=clean_text(cell("abstract")),
        authors=split_names(cell("authors")),
        year=parse_year(cell("year")),
        journal=clean_text(cell("journal")),
        volume=clean_text(cell("volume")),
        issue=clean_text(cell("issue")),
        pages=clean_text(cell("pages")) or _pages(cell("page_start"), cell("page_end")),
        doi=normalise_doi(cell("doi")),
        pmid=_digits_only(clean_text(cell("pmid"))),
        pmcid=clean_text(cell("pmcid")),
        issn=unique(_ISSN.findall(cell("issn"))),
        keywords=split_terms(cell("keywords")),
        subject_terms=split_terms(cell("subject_terms")),
        language=clean_text(cell("language")),
        publication_type=clean_text(cell("publication_type")),
        urls=split_terms(cell("urls")),
        database=clean_text(cell("database")),
        id_in_file=id_in_file,
        raw=row.raw,
        line=row.line,
    )
