import csv
import io
import json

from hypothesis import given

from screening.prisma import to_json, to_template_csv

from .histories import EXAMPLE, review_histories

# The `data` column of inst/extdata/PRISMA.csv in prisma-flowdiagram/PRISMA2020
# (main branch), in order; "NA" marks the title rows.
OFFICIAL_KEYS = [
    "NA", "previous_studies", "previous_reports", "NA", "database_results",
    "database_specific_results", "register_results", "register_specific_results", "NA",
    "website_results", "organisation_results", "citations_results", "duplicates",
    "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
    "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed",
    "other_excluded", "new_studies", "new_reports", "total_studies", "total_reports",
    "identification", "screening", "included",
]
OFFICIAL_COLUMNS = ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]

EXAMPLE_N = {
    "previous_studies": "12",
    "previous_reports": "15",
    "database_results": "1523",
    "database_specific_results": "MEDLINE (Ovid) - 1946 onwards, 911; Embase & <Emtree>, 612",
    "register_results": "41",
    "register_specific_results": "ClinicalTrials.gov, 41",
    "website_results": "8",
    "organisation_results": "3",
    "citations_results": "27",
    "duplicates": "402",
    "excluded_automatic": "33",
    "excluded_other": "11",
    "records_screened": "1118",
    "records_excluded": "1004",
    "dbr_sought_reports": "114",
    "dbr_notretrieved_reports": "7",
    "other_sought_reports": "21",
    "other_notretrieved_reports": "2",
    "dbr_assessed": "107",
    "dbr_excluded": "Wrong population, 44; Wrong design - not randomised, 39",
    "other_assessed": "19",
    "other_excluded": "No control group, 13",
    "new_studies": "22",
    "new_reports": "30",
    "total_studies": "34",
    "total_reports": "45",
}


def read(text):
    reader = csv.DictReader(io.StringIO(text))
    return reader.fieldnames, list(reader)


def parse_list(value):
    """Read "Name, n; Name, n" the way the R package does: split on ";", cut at the first ","."""
    if value == "0":
        return []
    pairs = []
    for item in value.split(";"):
        name, _, number = item.strip().partition(",")
        pairs.append((name, int(number)))
    return pairs


def test_it_writes_the_template_columns_and_keys_in_order():
    columns, rows = read(to_template_csv(EXAMPLE))
    assert columns == OFFICIAL_COLUMNS
    assert [row["data"] for row in rows] == OFFICIAL_KEYS


def test_it_fills_every_box_of_the_example():
    _, rows = read(to_template_csv(EXAMPLE))
    found = {row["data"]: row["n"] for row in rows if row["data"] in EXAMPLE_N}
    assert found == EXAMPLE_N


def test_it_keeps_the_template_wording():
    _, rows = read(to_template_csv(EXAMPLE))
    by_key = {row["data"]: row for row in rows}
    assert by_key["duplicates"]["boxtext"] == "Duplicate records"
    assert by_key["dbr_excluded"]["node"] == "node14"
    assert by_key["dbr_excluded"]["box"] == "box9"
    assert by_key["organisation_results"]["node"] == ""
    assert by_key["identification"]["n"] == "0"


def test_it_writes_na_for_the_arms_that_are_switched_off():
    import dataclasses

    counts = dataclasses.replace(EXAMPLE, previous=False, other_methods=False)
    _, rows = read(to_template_csv(counts))
    by_key = {row["data"]: row["n"] for row in rows}
    for key in ("previous_studies", "previous_reports", "total_studies", "total_reports",
                "website_results", "organisation_results", "citations_results"):
        assert by_key[key] == "NA", key
    assert by_key["other_excluded"] == "0"
    assert by_key["database_results"] == "1523"


@given(review_histories())
def test_it_round_trips_every_number_of_a_random_review(counts):
    _, rows = read(to_template_csv(counts))
    by_key = {row["data"]: row["n"] for row in rows}
    assert len(rows) == len(OFFICIAL_KEYS)
    for key in ("database_specific_results", "register_specific_results", "dbr_excluded"):
        assert [n for _, n in parse_list(by_key[key])] == [n for _, n in getattr(counts, key)]
        assert all(";" not in name and "," not in name for name, _ in parse_list(by_key[key]))
    assert int(by_key["records_screened"]) == counts.records_screened
    assert int(by_key["dbr_assessed"]) == counts.dbr_assessed
    if counts.other_methods:
        assert [n for _, n in parse_list(by_key["other_excluded"])] == [n for _, n in counts.other_excluded]
        assert int(by_key["citations_results"]) == counts.citations_results
    if counts.previous:
        assert int(by_key["total_reports"]) == counts.total_reports


def test_it_writes_every_box_of_the_example_as_json():
    data = json.loads(to_json(EXAMPLE))
    for key, value in EXAMPLE_N.items():
        if key in ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded"):
            assert data[key] == [{"name": name, "n": n} for name, n in getattr(EXAMPLE, key)]
        else:
            assert data[key] == int(value), key
    assert data["records_excluded_human"] == 951
    assert data["records_excluded_automation"] == 53
    assert data["dbr_included_reports"] == 24
    assert data["other_included_reports"] == 6
    assert data["previous"] is True and data["other_methods"] is True


def test_it_writes_null_in_json_for_the_arms_that_are_switched_off():
    import dataclasses

    data = json.loads(to_json(dataclasses.replace(EXAMPLE, previous=False, other_methods=False)))
    assert data["total_studies"] is None
    assert data["website_results"] is None
    assert data["other_excluded"] is None
    assert data["records_screened"] == 1118
