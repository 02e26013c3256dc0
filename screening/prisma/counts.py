"""
The numbers in a PRISMA 2020 flow diagram, and the sums they must satisfy.

Field names are those of the PRISMA2020 R package's template CSV
(prisma-flowdiagram/PRISMA2020, ``inst/extdata/PRISMA.csv``). A few fields
that the template lacks are needed to check its arithmetic; they are
marked "not in the template" below.
"""

from dataclasses import dataclass, fields

# Plain-language names of the boxes, as the template words them.
LABELS = {
    "previous_studies": "Studies included in previous version of review",
    "previous_reports": "Reports of studies included in previous version of review",
    "database_results": "Records identified from databases",
    "database_specific_results": "Records identified per database",
    "register_results": "Records identified from registers",
    "register_specific_results": "Records identified per register",
    "duplicates": "Duplicate records removed",
    "excluded_automatic": "Records marked as ineligible by automation tools",
    "excluded_other": "Records removed for other reasons",
    "excluded_other_reasons": "Records removed for other reasons, by reason",
    "records_screened": "Records screened",
    "records_excluded": "Records excluded",
    "records_excluded_human": "Records excluded by a human",
    "records_excluded_automation": "Records excluded by automation tools",
    "dbr_sought_reports": "Reports sought for retrieval (databases and registers)",
    "dbr_notretrieved_reports": "Reports not retrieved (databases and registers)",
    "dbr_assessed": "Reports assessed for eligibility (databases and registers)",
    "dbr_excluded": "Reports excluded, by reason (databases and registers)",
    "dbr_included_reports": "Reports included (databases and registers)",
    "website_results": "Records identified from websites",
    "organisation_results": "Records identified from organisations",
    "citations_results": "Records identified from citation searching",
    "other_sought_reports": "Reports sought for retrieval (other methods)",
    "other_notretrieved_reports": "Reports not retrieved (other methods)",
    "other_assessed": "Reports assessed for eligibility (other methods)",
    "other_excluded": "Reports excluded, by reason (other methods)",
    "other_included_reports": "Reports included (other methods)",
    "new_studies": "New studies included in review",
    "new_reports": "Reports of new included studies",
    "total_studies": "Total studies included in review",
    "total_reports": "Reports of total included studies",
}

LIST_FIELDS = (
    "database_specific_results",
    "excluded_other_reasons",
    "register_specific_results",
    "dbr_excluded",
    "other_excluded",
)

FLAG_FIELDS = ("previous", "other_methods")

OPTIONAL_FIELDS = ("records_excluded_human", "records_excluded_automation")


@dataclass(frozen=True, kw_only=True)
class PrismaCounts:
    """
    Every box of the PRISMA 2020 flow diagram.

    ``previous`` switches on the updated-review arm (previous studies and
    the totals box), ``other_methods`` the "other methods" arm (websites,
    organisations, citation searching). Fields of a switched-off arm are
    ignored by the checks, the diagram and the exports.

    List fields hold ``(name, n)`` pairs in display order; lists given as
    lists are stored as tuples. An empty per-database or per-register list
    means "not broken down" and is not checked; an empty reasons list is
    read as "no reports excluded".

    Raise ValueError for a negative count and TypeError for a count that is
    not an int.
    """

    previous: bool = False
    other_methods: bool = False

    previous_studies: int = 0
    previous_reports: int = 0

    database_results: int = 0
    database_specific_results: tuple[tuple[str, int], ...] = ()
    register_results: int = 0
    register_specific_results: tuple[tuple[str, int], ...] = ()

    duplicates: int = 0
    excluded_automatic: int = 0
    excluded_other: int = 0
    # Not in the template: what the records removed for other reasons were (e.g. notices
    # linked to their article). Empty means not broken down.
    excluded_other_reasons: tuple[tuple[str, int], ...] = ()

    records_screened: int = 0
    records_excluded: int = 0
    # Not in the template: the split asked for by its footnote **. None
    # means the split is not reported.
    records_excluded_human: int | None = None
    records_excluded_automation: int | None = None

    dbr_sought_reports: int = 0
    dbr_notretrieved_reports: int = 0
    dbr_assessed: int = 0
    dbr_excluded: tuple[tuple[str, int], ...] = ()
    # Not in the template: reports included from databases and registers,
    # needed to check the reasons for exclusion.
    dbr_included_reports: int = 0

    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    other_sought_reports: int = 0
    other_notretrieved_reports: int = 0
    other_assessed: int = 0
    other_excluded: tuple[tuple[str, int], ...] = ()
    # Not in the template: reports included via other methods.
    other_included_reports: int = 0

    new_studies: int = 0
    new_reports: int = 0
    total_studies: int = 0
    total_reports: int = 0

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in FLAG_FIELDS:
                if not isinstance(value, bool):
                    raise TypeError(f"{field.name} must be True or False, not {value!r}.")
            elif field.name in LIST_FIELDS:
                pairs = tuple(tuple(pair) for pair in value)
                for pair in pairs:
                    if len(pair) != 2 or not isinstance(pair[0], str):
                        raise TypeError(f"{field.name} must hold (name, n) pairs, not {pair!r}.")
                    _check_count(f"{field.name} ({pair[0]})", pair[1])
                # The dataclass is frozen; this is the documented way to
                # normalise a field during initialisation.
                object.__setattr__(self, field.name, pairs)
            elif field.name in OPTIONAL_FIELDS and value is None:
                continue
            else:
                _check_count(field.name, value)

    @property
    def records_identified(self) -> int:
        """Return the records identified from databases and registers."""
        return self.database_results + self.register_results


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {value!r}.")
    if value < 0:
        raise ValueError(f"{name} cannot be negative ({value}).")


@dataclass(frozen=True)
class SumMismatch:
    """
    One sum of the flow diagram that does not add up.

    ``box`` is the field whose number disagrees with what the other boxes
    imply, ``expected`` what they imply, ``found`` the number in the box,
    and ``involves`` every field taking part in the sum. ``message`` says
    it in words for a lead author.
    """

    box: str
    label: str
    expected: int
    found: int
    involves: tuple[str, ...]
    message: str


def check_sums(counts: PrismaCounts) -> list[SumMismatch]:
    """
    Return every sum of the flow diagram that does not add up.

    Checked (see docs/prisma2020.md, section 2.3):

    - per-database and per-register counts add up to their totals (when
      broken down), and so do the records removed for other reasons;
    - records screened = databases + registers - duplicates - automation
      tools - other reasons;
    - records excluded = excluded by a human + by automation tools (when
      the split is given);
    - reports sought = records screened - records excluded;
    - reports assessed = reports sought - reports not retrieved, in each arm;
    - the reasons for excluding reports add up to reports assessed -
      reports included, in each arm;
    - reports of new included studies = reports included from databases
      and registers (+ via other methods);
    - total studies and total reports = previous + new (updated reviews).

    Return an empty list when everything adds up. The order is the order
    of the boxes in the diagram.
    """
    c = counts
    mismatches = []

    def add(mismatch):
        if mismatch is not None:
            mismatches.append(mismatch)

    if c.database_specific_results:
        add(_list_total(c, "database_specific_results", "database_results", "per-database counts"))
    if c.register_specific_results:
        add(_list_total(c, "register_specific_results", "register_results", "per-register counts"))
    if c.excluded_other_reasons:
        add(_list_total(c, "excluded_other_reasons", "excluded_other", "reasons for removing records"))

    add(_difference(c, "records_screened", "database_results", [
        (+1, "register_results"),
        (-1, "duplicates"),
        (-1, "excluded_automatic"),
        (-1, "excluded_other"),
    ]))
    if c.records_excluded_human is not None or c.records_excluded_automation is not None:
        add(_difference(c, "records_excluded", "records_excluded_human", [
            (+1, "records_excluded_automation"),
        ]))
    add(_difference(c, "dbr_sought_reports", "records_screened", [(-1, "records_excluded")]))
    add(_difference(c, "dbr_assessed", "dbr_sought_reports", [(-1, "dbr_notretrieved_reports")]))
    add(_reasons(c, "dbr_excluded", "dbr_assessed", "dbr_included_reports"))

    if c.other_methods:
        add(_difference(c, "other_assessed", "other_sought_reports", [(-1, "other_notretrieved_reports")]))
        add(_reasons(c, "other_excluded", "other_assessed", "other_included_reports"))
        add(_difference(c, "new_reports", "dbr_included_reports", [(+1, "other_included_reports")]))
    else:
        add(_difference(c, "new_reports", "dbr_included_reports", []))

    if c.previous:
        add(_difference(c, "total_studies", "previous_studies", [(+1, "new_studies")]))
        add(_difference(c, "total_reports", "previous_reports", [(+1, "new_reports")]))

    return mismatches


def _value(counts, name):
    value = getattr(counts, name)
    return 0 if value is None else value


def _difference(counts, box, first, terms):
    """Check box = first + sign * term + ...; return a SumMismatch or None."""
    expected = _value(counts, first)
    expression = f"{LABELS[first].lower()} ({expected:,})"
    for sign, name in terms:
        value = _value(counts, name)
        expected += sign * value
        expression += f" {'+' if sign > 0 else '-'} {LABELS[name].lower()} ({value:,})"
    found = _value(counts, box)
    if found == expected:
        return None
    if terms:
        implied = f"{expression} = {expected:,}"
    else:
        implied = f"it should equal {expression}"
    return SumMismatch(
        box=box,
        label=LABELS[box],
        expected=expected,
        found=found,
        involves=(box, first) + tuple(name for _, name in terms),
        message=f"{LABELS[box]} is {found:,}, but {implied}.",
    )


def _list_total(counts, list_box, total_box, what):
    found = sum(n for _, n in getattr(counts, list_box))
    expected = getattr(counts, total_box)
    if found == expected:
        return None
    return SumMismatch(
        box=list_box,
        label=LABELS[list_box],
        expected=expected,
        found=found,
        involves=(list_box, total_box),
        message=(
            f"The {what} add up to {found:,}, but "
            f"{LABELS[total_box].lower()} is {expected:,}."
        ),
    )


def _reasons(counts, list_box, assessed_box, included_box):
    found = sum(n for _, n in getattr(counts, list_box))
    assessed = getattr(counts, assessed_box)
    included = getattr(counts, included_box)
    expected = assessed - included
    if found == expected:
        return None
    return SumMismatch(
        box=list_box,
        label=LABELS[list_box],
        expected=expected,
        found=found,
        involves=(list_box, assessed_box, included_box),
        message=(
            f"The reasons for excluding reports add up to {found:,}, but "
            f"{LABELS[assessed_box].lower()} ({assessed:,}) - "
            f"{LABELS[included_box].lower()} ({included:,}) = {expected:,}."
        ),
    )
