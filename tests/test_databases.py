"""One database, one name: the names files give map to the canonical list; providers are no databases."""
import pytest

from screening.core.databases import canonical_database, database_of_records, known_databases


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Web of Science", "Web of Science Core Collection"),
        ("web of science core collection", "Web of Science Core Collection"),
        ("EMBASE", "Embase"),
        ("Medline", "MEDLINE"),
        ("Ovid MEDLINE(R) ALL", "MEDLINE"),
        ("psyh", "APA PsycInfo"),
        ("APA PsycInfo <2021>", "APA PsycInfo"),
        ("ERIC <1992 to June 2024>", "ERIC"),
        ("cin20", "CINAHL"),
        ("Cochrane Central Register of Controlled Trials (CENTRAL)", "Cochrane CENTRAL"),
        ("CDSR", "Cochrane Database of Systematic Reviews"),
        ("ProQuest Dissertations and Theses", "ProQuest Dissertations & Theses"),
        ("clinicaltrials.gov", "ClinicalTrials.gov"),
        ("International Clinical Trials Registry Platform", "WHO ICTRP"),
        ("  PTSDpubs ", "PTSDpubs"),  # not in the list: kept as written, tidied
    ],
)
def test_a_name_a_file_gives_becomes_the_canonical_one(written, canonical):
    assert canonical_database(written) == canonical


@pytest.mark.parametrize("provider", ["NLM", "Elsevier", "Clarivate Analytics", "EBSCOhost", "Ovid", ""])
def test_a_provider_or_platform_names_no_database(provider):
    assert canonical_database(provider) == ""


def test_the_list_holds_the_databases_and_registers_reviews_search():
    assert {"MEDLINE", "PubMed", "Embase", "APA PsycInfo", "CINAHL", "Web of Science Core Collection", "Scopus",
            "Cochrane CENTRAL", "Cochrane Database of Systematic Reviews", "ERIC", "ProQuest Dissertations & Theses",
            "ClinicalTrials.gov", "WHO ICTRP"} <= set(known_databases())


def test_a_file_is_from_the_database_most_of_its_records_name():
    assert database_of_records(["psyh", "psyh", "MEDLINE"], [[], [], []]) == "APA PsycInfo"


def test_an_embase_export_that_marks_medline_records_is_still_embase():
    assert database_of_records(["Embase", "Medline", "Medline", "Medline"], [[]] * 4) == "Embase"


def test_records_that_name_no_database_are_placed_by_their_accession_numbers():
    assert database_of_records(["", "", ""], [["central"], ["central", "embase"], ["central"]]) == "Cochrane CENTRAL"
    assert database_of_records(["NLM", "NLM"], [["wos"], ["wos"]]) == "Web of Science Core Collection"
    assert database_of_records(["NLM"], [[]]) == ""
