"""
Export PrismaCounts as the PRISMA2020 template CSV, and as JSON.

The CSV has the rows, columns and wording of ``inst/extdata/PRISMA.csv``
in prisma-flowdiagram/PRISMA2020 (current main branch), with only the ``n``
column filled in, so the official Shiny app (estech.shinyapps.io/
prisma_flowdiagram) and ``PRISMA2020::PRISMA_data()`` read it unchanged.
"""

import io
import json
import re

from ..core import csvfile
from .counts import PrismaCounts

COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")

# (data, node, box, description, boxtext, tooltips, url) of every template
# row, in the template's order; "NA" is the template's own spelling of a
# missing value (R's read.csv reads it as NA).
TEMPLATE_ROWS = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies", "prevstud.html"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review",
     "Studies included in previous version of review", "previous_studies.html"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA", "previous_reports.html"),
    ("NA", "node6", "newstud",
     "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers",
     "Yellow title box; Identification of new studies via databases and registers",
     "newstud.html"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     "Records identified from: Databases and Registers", "database_results.html"),
    ("database_specific_results", "NA", "box2", "Records identified from: specific databases",
     "Specific Databases", "NA", "database_results.html"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers", "NA", "NA"),
    ("register_specific_results", "NA", "box2", "Records identified from: specific registers",
     "Specific Registers", "NA", "database_results.html"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods",
     "Grey title box; Identification of new studies via other methods", "othstud.html"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     "Records identified from: Websites, Organisations and Citation Searching",
     "website_results.html"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations", "NA", "NA"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching", "NA", "NA"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records", "Duplicate records",
     "duplicates.html"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA", "NA"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons", "NA", "NA"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened", "Records screened (databases and registers)", "records_screened.html"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded", "Records excluded (databases and registers)", "records_excluded.html"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval (databases and registers)",
     "Reports sought for retrieval", "Reports sought for retrieval (databases and registers)",
     "dbr_sought_reports.html"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved (databases and registers)",
     "Reports not retrieved", "Reports not retrieved (databases and registers)",
     "dbr_notretrieved_reports.html"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)",
     "other_sought_reports.html"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved", "Reports not retrieved (other)", "other_notretrieved_reports.html"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility",
     "Reports assessed for eligibility (databases and registers)", "dbr_assessed.html"),
    ("dbr_excluded", "node14", "box9",
     "Reports excluded (databases and registers): [separate reasons and numbers using ; "
     "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",
     "Reports excluded", "Reports excluded (databases and registers)", "dbrexcludedrecords.html"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
     "other_assessed.html"),
    ("other_excluded", "node21", "box15",
     "Reports excluded (other): [separate reasons and numbers using ; "
     "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",
     "Reports excluded", "Reports excluded (other)", "other_excluded.html"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review", "New studies included in review", "new_studies.html"),
    ("new_reports", "NA", "box10", "Reports of new included studies",
     "Reports of new included studies", "NA", "NA"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review", "Total studies included in review", "total_studies.html"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies", "NA", "NA"),
    ("identification", "node1", "identification", "Blue identification box", "Identification",
     "Blue identification box", "identification.html"),
    ("screening", "node2", "screening", "Blue screening box", "Screening", "Blue screening box",
     "screening.html"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box",
     "included.html"),
)

PREVIOUS_FIELDS = ("previous_studies", "previous_reports", "total_studies", "total_reports")
OTHER_FIELDS = (
    "website_results",
    "organisation_results",
    "citations_results",
    "other_sought_reports",
    "other_notretrieved_reports",
    "other_assessed",
)
LIST_FIELDS = (
    "database_specific_results",
    "register_specific_results",
    "dbr_excluded",
    "other_excluded",
)


def to_template_csv(counts: PrismaCounts) -> str:
    """
    Return the counts as the PRISMA2020 template CSV.

    List fields are written ``"Name, n; Name, n"``, the syntax the R
    package parses. That parser splits on ";" and cuts each name at its
    first ",", so commas and semicolons inside names become " - ". An
    empty list is written as ``0``, which the package reads as "no items".

    Numbers of a switched-off arm are written ``NA``: the package drops the
    previous-studies arm when both previous numbers are NA and the other-
    methods arm when websites, organisations and citations are all NA.
    Title and side-label rows keep the template's ``0``.
    """
    out = io.StringIO()
    writer = csvfile.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in TEMPLATE_ROWS:
        writer.writerow(row + (_n(counts, row[0]),))
    return out.getvalue()


def _n(counts, key):
    if key in LIST_FIELDS:
        if key == "other_excluded" and not counts.other_methods:
            return "0"
        return format_list(getattr(counts, key))
    if not hasattr(counts, key):
        # Title boxes and side labels carry no number.
        return "0"
    if key in PREVIOUS_FIELDS and not counts.previous:
        return "NA"
    if key in OTHER_FIELDS and not counts.other_methods:
        return "NA"
    return getattr(counts, key)  # a number: written as one


def format_list(pairs) -> str:
    """Return (name, n) pairs as ``"Name, n; Name, n"``, or ``"0"`` if empty."""
    if not pairs:
        return "0"
    return "; ".join(f"{_clean_name(name)}, {n}" for name, n in pairs)


def _clean_name(name):
    name = re.sub(r"\s*[,;]\s*", " - ", name)
    name = re.sub(r"\s+", " ", name).strip()
    return name or "Unnamed"


def to_json(counts: PrismaCounts) -> str:
    """
    Return the counts as JSON: every template field under its template name,
    list fields as ``[{"name": ..., "n": ...}]``, plus the arm flags and the
    fields the template lacks. Numbers of a switched-off arm are null.
    """
    data = {"previous": counts.previous, "other_methods": counts.other_methods}
    for key in (
        "previous_studies", "previous_reports",
        "database_results", "database_specific_results",
        "register_results", "register_specific_results",
        "duplicates", "excluded_automatic", "excluded_other", "excluded_other_reasons",
        "records_screened", "records_excluded",
        "records_excluded_human", "records_excluded_automation",
        "dbr_sought_reports", "dbr_notretrieved_reports", "dbr_assessed",
        "dbr_excluded", "dbr_included_reports",
        "website_results", "organisation_results", "citations_results",
        "other_sought_reports", "other_notretrieved_reports", "other_assessed",
        "other_excluded", "other_included_reports",
        "new_studies", "new_reports", "total_studies", "total_reports",
    ):
        value = getattr(counts, key)
        off = (key in PREVIOUS_FIELDS and not counts.previous) or (
            (key in OTHER_FIELDS or key in ("other_excluded", "other_included_reports"))
            and not counts.other_methods
        )
        if off:
            value = None
        elif key in LIST_FIELDS or key == "excluded_other_reasons":
            value = [{"name": name, "n": n} for name, n in value]
        data[key] = value
    return json.dumps(data, indent=2, ensure_ascii=False)
