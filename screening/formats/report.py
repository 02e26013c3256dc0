"""The pre-import check: what an export holds and what looks wrong, before anything is saved.

Pure Python, no Django. It streams the records once and keeps only counters and the
identifiers needed to spot repeats, so it runs over a 100,000-record file in one pass.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .record import ImportFormatError, ParsedRecord

# The fields whose coverage the report counts, in the order the page shows them.
COVERAGE_FIELDS = (
    "title", "abstract", "authors", "year", "journal", "volume", "pages",
    "doi", "pmid", "pmcid", "issn", "keywords", "subject_terms", "language",
)
# Listing every untitled record of a broken 100k-record file helps nobody.
MAX_LINES_LISTED = 10


@dataclass(frozen=True)
class CheckWarning:
    """One problem found in the file; ``lines`` point at the records concerned."""

    # "no_title", "nothing_to_screen", "repeated_doi", "repeated_pmid", "count_mismatch", "unknown_tag", "parser"
    kind: str
    message: str
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    record_count: int
    declared_count: int | None
    coverage: tuple[tuple[str, int], ...]  # (field, number of records that have it)
    warnings: tuple[CheckWarning, ...]

    def covered(self, field_name: str) -> int:
        """Return how many records have ``field_name``; raise KeyError for an unknown field."""
        return dict(self.coverage)[field_name]

    def percent(self, field_name: str) -> float:
        """Return the share of records that have ``field_name``, 0-100; 0 for an empty file."""
        if not self.record_count:
            return 0.0
        return 100.0 * self.covered(field_name) / self.record_count

    def warnings_of(self, kind: str) -> tuple[CheckWarning, ...]:
        return tuple(warning for warning in self.warnings if warning.kind == kind)


def build_check_report(records: Iterable[ParsedRecord], *, declared_count: int | None = None,
                       filename: str = "") -> CheckReport:
    """Count records and field coverage, and collect warnings, in one pass over ``records``.

    Warnings: records without a title, records with nothing a reviewer could screen (neither
    a title nor an abstract), each with their lines; DOIs and PMIDs repeated within the file,
    a count that disagrees with ``declared_count`` (what the file says about itself), tags the
    parser did not recognise, and warnings the parser attached to records. A file none of
    whose records could be screened is refused (ImportFormatError naming ``filename``).
    """
    tally = CheckTally()
    tally.add_all(records)
    return tally.report(declared_count=declared_count, filename=filename)


class CheckTally:
    """What the check report needs from records, gathered as they stream past.

    Two tallies of consecutive parts of a file merge into the tally of the whole, so that
    the parts can be read by separate processes (the tally pickles).
    """

    def __init__(self) -> None:
        self.record_count = 0
        self.coverage: Counter[str] = Counter()
        self.untitled: list[int] = []
        self.unscreenable: list[int] = []  # lines of records with neither a title nor an abstract
        self.lines_by_doi: dict[str, list[int]] = {}
        self.lines_by_pmid: dict[str, list[int]] = {}
        self.unknown_tags: Counter[str] = Counter()
        self.parser_warnings: list[CheckWarning] = []

    def add_all(self, records: Iterable[ParsedRecord]) -> None:
        coverage, untitled = self.coverage, self.untitled
        lines_by_doi, lines_by_pmid = self.lines_by_doi, self.lines_by_pmid
        count = self.record_count
        for record in records:
            count += 1
            for field_name in COVERAGE_FIELDS:
                if getattr(record, field_name):
                    coverage[field_name] += 1
            if not record.title:
                untitled.append(record.line)
                if not record.abstract:
                    self.unscreenable.append(record.line)
            if record.doi:
                lines_by_doi.setdefault(record.doi, []).append(record.line)
            if record.pmid:
                lines_by_pmid.setdefault(record.pmid, []).append(record.line)
            for key, value in record.extra:
                if key == "unknown_tag":
                    self.unknown_tags[value] += 1
                elif key == "warning":
                    self.parser_warnings.append(CheckWarning("parser", value, (record.line,)))
        self.record_count = count

    def merge(self, later: CheckTally) -> None:
        """Add the tally of the records that follow this tally's in the file."""
        self.record_count += later.record_count
        self.coverage.update(later.coverage)
        self.untitled += later.untitled
        self.unscreenable += later.unscreenable
        for mine, theirs in ((self.lines_by_doi, later.lines_by_doi), (self.lines_by_pmid, later.lines_by_pmid)):
            for value, lines in theirs.items():
                mine.setdefault(value, []).extend(lines)
        self.unknown_tags.update(later.unknown_tags)
        self.parser_warnings += later.parser_warnings

    def report(self, *, declared_count: int | None = None, filename: str = "") -> CheckReport:
        record_count, untitled, unscreenable = self.record_count, self.untitled, self.unscreenable
        if record_count and len(unscreenable) == record_count:
            # Junk read as a format (one huge line after "TY  - ") or a CSV mapped to the wrong
            # columns: importing it would fill the screening queue with empty cards.
            raise ImportFormatError(
                f"none of the {record_count} record(s) has a title or an abstract{_at_lines(unscreenable)}, "
                "so there is nothing to screen: this is probably not the export you meant, or its "
                "columns are mapped wrongly", filename=filename, line=unscreenable[0])
        warnings: list[CheckWarning] = []
        if declared_count is not None and declared_count != record_count:
            warnings.append(CheckWarning(
                "count_mismatch",
                f"the file says it holds {declared_count} records, {record_count} were read",
            ))
        if untitled:
            warnings.append(CheckWarning(
                "no_title", f"{len(untitled)} record(s) without a title{_at_lines(untitled)}", tuple(untitled)
            ))
        if unscreenable:
            warnings.append(CheckWarning(
                "nothing_to_screen",
                f"{len(unscreenable)} record(s) with neither a title nor an abstract, nothing a reviewer "
                f"could screen{_at_lines(unscreenable)}", tuple(unscreenable),
            ))
        warnings += _repeats("repeated_doi", "DOI", self.lines_by_doi)
        warnings += _repeats("repeated_pmid", "PMID", self.lines_by_pmid)
        for tag, count in sorted(self.unknown_tags.items()):
            warnings.append(CheckWarning(
                "unknown_tag", f"tag {tag!r} is not a standard tag of this format; kept as is in {count} record(s)"
            ))
        warnings += self.parser_warnings
        return CheckReport(
            record_count=record_count,
            declared_count=declared_count,
            coverage=tuple((field_name, self.coverage[field_name]) for field_name in COVERAGE_FIELDS),
            warnings=tuple(warnings),
        )


def _repeats(kind: str, label: str, lines_by_value: dict[str, list[int]]) -> list[CheckWarning]:
    return [
        CheckWarning(kind, f"{label} {value} appears in {len(lines)} records{_at_lines(lines)}", tuple(lines))
        for value, lines in lines_by_value.items()
        if len(lines) > 1
    ]


def _at_lines(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:MAX_LINES_LISTED])
    more = f" and {len(lines) - MAX_LINES_LISTED} more" if len(lines) > MAX_LINES_LISTED else ""
    return f" (line {shown}{more})" if len(lines) == 1 else f" (lines {shown}{more})"
