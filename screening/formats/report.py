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
    """One problem found in the file; ``lines`` and ``records`` (1-based numbers in file order)
    point at the records concerned."""

    # "no_title", "nothing_to_screen", "repeated_doi", "repeated_pmid", "count_mismatch", "unknown_tag", "parser"
    kind: str
    message: str
    lines: tuple[int, ...] = ()
    records: tuple[int, ...] = ()


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
        # Records are placed by (record number, line where it starts).
        self.untitled: list[tuple[int, int]] = []
        self.unscreenable: list[tuple[int, int]] = []  # records with neither a title nor an abstract
        self.places_by_doi: dict[str, list[tuple[int, int]]] = {}
        self.places_by_pmid: dict[str, list[tuple[int, int]]] = {}
        self.unknown_tags: Counter[str] = Counter()
        self.parser_warnings: list[tuple[str, tuple[int, int]]] = []
        # A line locates a record only when no two records start on the same one: an EndNote
        # XML or CSL-JSON export is often written on a single line, and then record numbers do.
        self.lines_locate_records = True
        self.first_line: int | None = None
        self.last_line: int | None = None

    def add_all(self, records: Iterable[ParsedRecord]) -> None:
        coverage, untitled = self.coverage, self.untitled
        places_by_doi, places_by_pmid = self.places_by_doi, self.places_by_pmid
        count, last_line = self.record_count, self.last_line
        for record in records:
            count += 1
            line = record.line
            if line <= 0 or line == last_line:
                self.lines_locate_records = False
            if self.first_line is None:
                self.first_line = line
            last_line = line
            place = (count, line)
            for field_name in COVERAGE_FIELDS:
                if getattr(record, field_name):
                    coverage[field_name] += 1
            if not record.title:
                untitled.append(place)
                if not record.abstract:
                    self.unscreenable.append(place)
            if record.doi:
                places_by_doi.setdefault(record.doi, []).append(place)
            if record.pmid:
                places_by_pmid.setdefault(record.pmid, []).append(place)
            for key, value in record.extra:
                if key == "unknown_tag":
                    self.unknown_tags[value] += 1
                elif key == "warning":
                    self.parser_warnings.append((value, place))
        self.record_count, self.last_line = count, last_line

    def merge(self, later: CheckTally) -> None:
        """Add the tally of the records that follow this tally's in the file (numbered from 1 there)."""
        offset = self.record_count

        def shifted(places):
            return [(number + offset, line) for number, line in places]

        if not later.lines_locate_records or (later.first_line is not None and later.first_line == self.last_line):
            self.lines_locate_records = False
        if self.first_line is None:
            self.first_line = later.first_line
        if later.last_line is not None:
            self.last_line = later.last_line
        self.record_count += later.record_count
        self.coverage.update(later.coverage)
        self.untitled += shifted(later.untitled)
        self.unscreenable += shifted(later.unscreenable)
        for mine, theirs in ((self.places_by_doi, later.places_by_doi),
                             (self.places_by_pmid, later.places_by_pmid)):
            for value, places in theirs.items():
                mine.setdefault(value, []).extend(shifted(places))
        self.unknown_tags.update(later.unknown_tags)
        self.parser_warnings += [(message, shifted([place])[0]) for message, place in later.parser_warnings]

    def report(self, *, declared_count: int | None = None, filename: str = "") -> CheckReport:
        record_count, untitled, unscreenable = self.record_count, self.untitled, self.unscreenable
        by_line = self.lines_locate_records
        if record_count and len(unscreenable) == record_count:
            # Junk read as a format (one huge line after "TY  - ") or a CSV mapped to the wrong
            # columns: importing it would fill the screening queue with empty cards.
            raise ImportFormatError(
                f"none of the {record_count} record(s) has a title or an abstract{_at(unscreenable, by_line)}, "
                "so there is nothing to screen: this is probably not the export you meant, or its "
                "columns are mapped wrongly", filename=filename, line=unscreenable[0][1] if by_line else None)
        warnings: list[CheckWarning] = []
        if declared_count is not None and declared_count != record_count:
            warnings.append(CheckWarning(
                "count_mismatch",
                f"the file says it holds {declared_count} records, {record_count} were read",
            ))
        if untitled:
            warnings.append(_warning(
                "no_title", f"{len(untitled)} record(s) without a title{_at(untitled, by_line)}", untitled
            ))
        if unscreenable:
            warnings.append(_warning(
                "nothing_to_screen",
                f"{len(unscreenable)} record(s) with neither a title nor an abstract, nothing a reviewer "
                f"could screen{_at(unscreenable, by_line)}", unscreenable,
            ))
        warnings += _repeats("repeated_doi", "DOI", self.places_by_doi, by_line)
        warnings += _repeats("repeated_pmid", "PMID", self.places_by_pmid, by_line)
        for tag, count in sorted(self.unknown_tags.items()):
            warnings.append(CheckWarning(
                "unknown_tag", f"tag {tag!r} is not a standard tag of this format; kept as is in {count} record(s)"
            ))
        warnings += [_warning("parser", message, [place]) for message, place in self.parser_warnings]
        return CheckReport(
            record_count=record_count,
            declared_count=declared_count,
            coverage=tuple((field_name, self.coverage[field_name]) for field_name in COVERAGE_FIELDS),
            warnings=tuple(warnings),
        )


def _warning(kind: str, message: str, places: list[tuple[int, int]]) -> CheckWarning:
    return CheckWarning(kind, message, tuple(line for _number, line in places),
                        tuple(number for number, _line in places))


def _repeats(kind: str, label: str, places_by_value: dict[str, list[tuple[int, int]]],
             by_line: bool) -> list[CheckWarning]:
    return [
        _warning(kind, f"{label} {value} appears in {len(places)} records{_at(places, by_line)}", places)
        for value, places in places_by_value.items()
        if len(places) > 1
    ]


def _at(places: list[tuple[int, int]], by_line: bool) -> str:
    """" (lines 5, 14)", or " (records 3, 7)" where lines do not tell records apart."""
    word = "line" if by_line else "record"
    numbers = [line if by_line else number for number, line in places]
    shown = ", ".join(str(number) for number in numbers[:MAX_LINES_LISTED])
    more = f" and {len(numbers) - MAX_LINES_LISTED} more" if len(numbers) > MAX_LINES_LISTED else ""
    return f" ({word} {shown}{more})" if len(numbers) == 1 else f" ({word}s {shown}{more})"
