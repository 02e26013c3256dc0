"""Each rule and veto, on pairs of records that differ in one telling way."""
from dataclasses import replace

import pytest

from screening.dedup import DedupRecord
from screening.dedup.keys import record_keys
from screening.dedup.scoring import DISTINCT, DUPLICATE, MAYBE, compare

ARTICLE = DedupRecord(
    id="a",
    title="Intestinal lipoprotein overproduction in insulin-resistant states",
    authors=("Adeli K", "Lewis G. F."),
    year=2008,
    journal="Curr Opin Lipidol",
    volume="19",
    issue="3",
    pages="221-8",
    doi="10.1097/MOL.0b013e3282ffaf82",
    abstract="Excessive postprandial lipemia is highly prevalent in obese individuals.",
)


def outcome(a: DedupRecord, b: DedupRecord):
    result = compare(record_keys(a), record_keys(b))
    return result.outcome, result.rule


def variant(**changes) -> DedupRecord:
    return replace(ARTICLE, id="b", **changes)


@pytest.mark.parametrize("other", [
    variant(),
    variant(doi="http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82", pages="221-228"),
    variant(title=ARTICLE.title.upper() + ".", authors=("Adeli, K.", "Lewis, G. F.")),
    variant(journal="Current opinion in lipidology", doi=""),
    variant(doi="", abstract="", issue=""),
    variant(title="Intestinal lipoprotien overproduction in insulin resistant states", doi=""),
    variant(year=2009, doi=""),  # epub ahead of print vs issue year
    variant(pages="281-228", doi=""),  # a typo makes the range end before it starts
])
def test_it_merges_the_same_article_written_differently(other):
    assert outcome(ARTICLE, other)[0] == DUPLICATE


@pytest.mark.parametrize("other, rule", [
    (variant(title="Erratum: " + ARTICLE.title, pages="500", doi=""), "veto_kind"),
    (variant(title="Correction to: " + ARTICLE.title, pages="500", doi=""), "veto_kind"),
    (variant(title="Retraction notice: " + ARTICLE.title, pages="600", doi=""), "veto_kind"),
    (variant(title=ARTICLE.title + " - Reply", authors=("Smith J",), pages="229", doi=""), "veto_kind"),
    (variant(title="Comment on: " + ARTICLE.title, authors=("Smith J",), doi=""), "veto_kind"),
    (variant(doi="10.1097/MOL.0b013e3282ffaf99"), "veto_doi"),
    (variant(pmid="111"), None),  # one side without PMID: unknown, not a conflict
    (variant(year=2011, doi=""), "veto_year"),
    (variant(pages="229-236", doi=""), "veto_pages"),
    (variant(volume="20", pages="", doi=""), "veto_volume"),
    (variant(authors=("Smith J", "Jones K"), doi="", pages=""), "veto_authors"),
])
def test_it_keeps_distinct_works_apart(other, rule):
    result, fired = outcome(ARTICLE, other)
    if rule is None:
        assert result == DUPLICATE
    else:
        assert result != DUPLICATE
        assert fired.startswith(rule)


@pytest.mark.parametrize("title_a, title_b", [
    ("Insulin pumps in children. Part 1", "Insulin pumps in children. Part 2"),
    ("Insulin pumps in children. Part I", "Insulin pumps in children. Part II"),
    ("A phase II trial of linagliptin in obesity", "A phase III trial of linagliptin in obesity"),
    ("Case records of the MGH. Case 22-1991", "Case records of the MGH. Case 23-1991"),
])
def test_it_keeps_numbered_parts_apart(title_a, title_b):
    a = replace(ARTICLE, title=title_a, doi="")
    b = variant(title=title_b, doi="", pages="229-236")
    assert outcome(a, b) == (DISTINCT, "veto_title_numbers")


def test_it_rejects_a_pmid_conflict():
    a = replace(ARTICLE, pmid="18434793")
    b = variant(pmid="18434794")
    assert outcome(a, b) == (MAYBE, "veto_pmid")


def test_it_does_not_merge_the_same_abstract_in_two_supplements():
    a = DedupRecord(id="a", title="Oxidative stress in diabetic vessels", authors=("Kim S",),
                    year=2013, journal="Free Radic Biol Med", volume="65", issue="Suppl 2", pages="S45")
    b = replace(a, id="b", journal="J Vasc Res", volume="50", issue="Suppl 1", pages="S12")
    assert outcome(a, b)[0] != DUPLICATE


def test_it_does_not_merge_two_abstracts_that_share_a_supplement_doi():
    doi = "10.1007/s00125-015-3687-4"
    a = DedupRecord(id="a", title="PAR2 is upregulated by adipocyte-derived factors",
                    authors=("Indrakusuma I",), year=2015, journal="Diabetologia", pages="S581", doi=doi)
    b = DedupRecord(id="b", title="Linagliptin ameliorates cognitive impairment in mice",
                    authors=("Kim-Mitsuyama S",), year=2015, journal="Diabetologia", pages="S394", doi=doi)
    assert outcome(a, b)[0] == DISTINCT


def test_it_does_not_merge_generic_titles_without_matching_pages():
    a = DedupRecord(id="a", title="Editorial", authors=("Smith J",), year=2010, journal="BMJ", volume="340")
    b = replace(a, id="b", volume="341")
    c = replace(a, id="c")
    assert outcome(a, b)[0] == DISTINCT
    assert outcome(a, c)[0] == DISTINCT


def test_it_merges_identical_sparse_records_only_with_positive_evidence():
    a = DedupRecord(id="a", title="Long-term outcome of pleural drainage in empyema", year=2001)
    b = replace(a, id="b")
    assert outcome(a, b)[0] == MAYBE  # title and year alone: a human decides


def test_it_treats_missing_fields_as_unknown():
    a = replace(ARTICLE, doi="", pages="", volume="", issue="", abstract="")
    assert outcome(a, variant())[0] == DUPLICATE


def test_it_merges_a_translated_title_at_the_same_pages_volume_and_year():
    a = DedupRecord(id="a", title="[Comparison of amoxicillin and cefamandole in lung surgery]",
                    authors=("Train, M", "Soulard, D"), year=1994, journal="Ann Fr Anesth Reanim",
                    volume="13", pages="280-284")
    b = replace(a, id="b", title="Antibiotic prophylaxis in pulmonary surgery: amoxicillin versus cefamandole")
    assert outcome(a, b) == (DUPLICATE, "same_pages_volume_year")


def test_it_keeps_a_record_without_title_out_of_automatic_merges():
    b = variant(title="")
    assert outcome(ARTICLE, b)[0] != DUPLICATE


def test_it_does_not_merge_a_conference_abstract_with_the_later_full_paper():
    abstract = DedupRecord(id="a", title="Linagliptin protects the kidney in diabetic rats",
                           authors=("Kim S", "Lee J"), year=2016, journal="Diabetologia",
                           volume="59", issue="Suppl 1", pages="S300")
    paper = replace(abstract, id="b", year=2018, journal="Kidney Int", volume="93",
                    issue="4", pages="880-890")
    assert outcome(abstract, paper)[0] == DISTINCT


def test_a_volume_equal_to_the_supplement_number_is_not_a_conflict():
    a = DedupRecord(id="a", title="GLP-1 receptor in atherosclerotic lesions of mice",
                    authors=("Stahle M", "Hellberg S"), year=2015, journal="Eur Heart J Cardiovasc Imaging",
                    volume="16", issue="SUPPL. 1", pages="i22-i23")
    b = replace(a, id="b", volume="1", issue="")
    assert outcome(a, b)[0] == DUPLICATE


@pytest.mark.parametrize("venue_a, venue_b, expected", [
    ("J Thromb Haemost.Conference: 23rd Congress of the ISTH Kyoto Japan",
     "23rd Congress of the ISTH Kyoto Japan", DUPLICATE),
    ("23rd Congress of the ISTH Kyoto Japan",
     "J Thromb Haemost.Conference: 23rd Congress of the ISTH Kyoto Japan", DUPLICATE),
    # another meeting is still another venue
    ("J Thromb Haemost.Conference: 23rd Congress of the ISTH Kyoto Japan",
     "52nd Annual Meeting of the American Society of Hematology", MAYBE),
])
def test_a_meeting_given_as_the_venue_matches_its_journal_conference(venue_a, venue_b, expected):
    a = DedupRecord(id="a", title="Eculizumab therapy for atypical HUS in pediatric patients",
                    authors=("Gruppo R", "Rodig N"), year=2011, journal=venue_a, volume="9")
    b = replace(a, id="b", journal=venue_b)
    assert outcome(a, b)[0] == expected


REGISTRY = DedupRecord(id="a", year=2011, authors=("Alexion Pharmaceuticals, Inc",),
                       title="Trial of Eculizumab in Adult Patients With Atypical Hemolytic "
                             "Uremic Syndrome (aHUS)")


@pytest.mark.parametrize("other, expected", [
    # the spelled-out term against its acronym: the titles match
    (replace(REGISTRY, id="b", title="Trial of Eculizumab in Adult Patients With aHUS"),
     (MAYBE, "similar_title")),
    # only title and year known: a near title needs the same year
    (replace(REGISTRY, id="b", authors=(), title="Trial of eculizumab in adult patients with aHUS"),
     (MAYBE, "similar_title")),
    (replace(REGISTRY, id="b", authors=(), year=2012,
             title="A trial of eculizumab in adult patients with aHUS and plasma therapy"),
     (DISTINCT, "weak_evidence")),
    (replace(REGISTRY, id="b", authors=(), year=2012,
             title="Trial of eculizumab in adult patients with aHUS"),
     (MAYBE, "similar_title")),
])
def test_sparse_registry_records(other, expected):
    assert outcome(REGISTRY, other) == expected


CHANGED = DedupRecord(id="a", title="Eculizumab in severe Shiga-toxin-associated HUS",
                      authors=("Lapeyraque A. L.", "Malina M.", "Fremeaux-Bacchi V.", "Boppel T."),
                      year=2011, journal="New England Journal of Medicine", volume="364",
                      pages="2561-2563")


@pytest.mark.parametrize("other, expected", [
    (replace(CHANGED, id="b", title="Complement Blockade in Severe Shiga-Toxin-Associated HUS",
             journal="New Engl J Med", volume="", pages=""), (MAYBE, "changed_title")),
    # fewer than three authors, another journal or another year: not enough
    (replace(CHANGED, id="b", title="Complement Blockade in Severe Shiga-Toxin-Associated HUS",
             authors=CHANGED.authors[:2], volume="", pages=""), (DISTINCT, "weak_evidence")),
    (replace(CHANGED, id="b", title="Complement Blockade in Severe Shiga-Toxin-Associated HUS",
             journal="Pediatric Nephrology", volume="", pages=""), (DISTINCT, "weak_evidence")),
    (replace(CHANGED, id="b", title="Complement Blockade in Severe Shiga-Toxin-Associated HUS",
             year=2010, volume="", pages=""), (DISTINCT, "weak_evidence")),
])
def test_a_changed_title_with_the_same_authors_journal_and_year_goes_to_review(other, expected):
    assert outcome(CHANGED, other) == expected


ABSTRACT = DedupRecord(id="a", title="Modification of the standard eculizumab dose in PNH",
                       authors=("Kelly R", "Arnold L", "Hillmen P"), year=2009,
                       journal="British Journal of Haematology", volume="145",
                       issue="Suppl. 1", pages="23")


@pytest.mark.parametrize("other, expected", [
    # the same abstract in two journals' supplements: never merged, shown when close
    (replace(ABSTRACT, id="b", journal="Haematologica", volume="94", issue="Suppl. 2",
             pages="239-240"), (MAYBE, "veto_supplements")),
    (replace(ABSTRACT, id="b", journal="Haematologica", volume="94", issue="Suppl. 2",
             pages="239-240", authors=("Smith J", "Jones K")), (DISTINCT, "veto_supplements")),
    (replace(ABSTRACT, id="b", journal="Haematologica", volume="94", issue="Suppl. 2",
             pages="239-240", year=2011), (DISTINCT, "veto_supplements")),
    (replace(ABSTRACT, id="b", journal="Haematologica", volume="94", issue="Suppl. 2",
             pages="239-240", title="Eculizumab in PNH: five years on"), (DISTINCT, "low_title")),
])
def test_the_same_abstract_in_two_supplements_is_never_merged(other, expected):
    assert outcome(ABSTRACT, other) == expected


@pytest.mark.parametrize("shifted", [
    variant(volume="", issue="19", pages="3", doi=""),  # volume lost, the rest moved up one
    variant(volume="", issue="19", pages="3-3", doi="", year=2008),
])
def test_pages_shifted_into_the_issue_by_a_lost_volume_are_not_a_conflict(shifted):
    assert outcome(ARTICLE, shifted) == (DUPLICATE, "title_authors_and_details")


def test_other_pages_in_the_same_issue_are_still_a_conflict():
    assert outcome(ARTICLE, variant(pages="300-310", doi=""))[1] == "veto_pages"
