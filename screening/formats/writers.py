"""Write records back out as RIS or CSV, for reference managers and spreadsheets.

Reading the output back with ``parse_ris`` (or the CSV reader with ``CSV_COLUMN_MAP``) gives
the same title, abstract, authors, year, journal, volume, issue, pages, DOI, PMID, PMCID,
ISSNs, keywords, language, URLs, database and source id. RIS has no separate field for
thesaurus terms, so ``subject_terms`` are written as further ``KW`` lines. In CSV, a value
that a spreadsheet would run as a formula (it begins with =, +, -, @ …) is written with a
single quote in front (screening.core.csvfile), and reads back with it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from ..core import csvfile
from .record import ParsedRecord

_RIS_TYPE = re.compile(r"[A-Z]{2,6}")
# Separates the items of a multi-valued field inside one CSV cell.
CSV_LIST_SEPARATOR = "; "

CSV_COLUMNS = (
    "title", "abstract", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
    "pmcid", "issn", "keywords", "subject_terms", "language", "publication_type", "urls",
    "database", "record_id", "identifiers",
)
# ParsedRecord field -> CSV column, for reading a written file back through the CSV importer.
CSV_COLUMN_MAP = {column: column for column in CSV_COLUMNS if column != "record_id"} | {"id_in_file": "record_id"}


def write_ris(records: Iterable[ParsedRecord], out: TextIO) -> int:
    """Write ``records`` to ``out`` as RIS with CRLF line ends; return how many were written."""
    count = 0
    for record in records:
        for tag, value in _ris_lines(record):
            out.write(f"{tag}  - {_one_line(value)}\r\n" if value else f"{tag}  - \r\n")
        out.write("\r\n")
        count += 1
    return count


def _ris_lines(record: ParsedRecord) -> list[tuple[str, str]]:
    kind = record.publication_type if _RIS_TYPE.fullmatch(record.publication_type) else "JOUR"
    lines = [("TY", kind)]
    if kind != record.publication_type and record.publication_type:
        lines.append(("M3", record.publication_type))
    lines += [("TI", record.title)]
    lines += [("AU", name) for name in record.authors]
    lines += [("PY", str(record.year) if record.year else "")]
    lines += [("T2", record.journal), ("VL", record.volume), ("IS", record.issue), ("SP", record.pages)]
    lines += [("AB", record.abstract), ("DO", record.doi)]
    lines += [("U1", f"{record.pmid} [PMID]" if record.pmid else "")]
    lines += [("C2", record.pmcid)]
    lines += [("SN", issn) for issn in record.issn]
    lines += [("KW", keyword) for keyword in record.keywords + record.subject_terms]
    lines += [("LA", record.language), ("DB", record.database), ("ID", record.id_in_file)]
    lines += [("AN", value) for _, value in record.identifiers]
    lines += [("UR", url) for url in record.urls]
    lines = [(tag, value) for tag, value in lines if value]
    lines.append(("ER", ""))
    return lines


def _one_line(value: str) -> str:
    # A line break inside a value would start an untagged continuation line, or worse a
    # line that reads as a tag of its own.
    return " ".join(value.split())


def write_csv(records: Iterable[ParsedRecord], out: TextIO) -> int:
    """Write ``records`` to ``out`` as CSV with a header row; return how many were written.

    ``out`` should be opened with ``newline=""`` as the csv module requires. Lists are joined
    with ``"; "``; identifiers are written as ``kind:value``.
    """
    writer = csvfile.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        writer.writerow(csv_row(record))
        count += 1
    return count


def csv_row(record: ParsedRecord) -> list[str]:
    """Return the CSV cells of one record, in CSV_COLUMNS order (for streaming exports)."""
    def joined(values: Iterable[str]) -> str:
        return CSV_LIST_SEPARATOR.join(values)

    return [
        record.title, record.abstract, joined(record.authors),
        str(record.year) if record.year else "", record.journal, record.volume, record.issue,
        record.pages, record.doi, record.pmid, record.pmcid, joined(record.issn),
        joined(record.keywords), joined(record.subject_terms), record.language,
        record.publication_type, joined(record.urls), record.database, record.id_in_file,
        joined(f"{kind}:{value}" for kind, value in record.identifiers),
    ]
