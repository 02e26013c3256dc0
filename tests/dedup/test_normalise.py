"""Table-driven tests for each normaliser: raw value in, comparison key out."""
import pytest

from screening.dedup import normalise as n
from screening.dedup import venues


@pytest.mark.parametrize("raw, expected", [
    ("Café <i>β</i>-cells &amp; post-operative", "cafe beta cells post operative"),
    ("<sup>90</sup>Y-ibritumomab", "90y ibritumomab"),
    ("TNF-&alpha; and IL-6", "tnf alpha and il 6"),
    ("Ærø STRAßE", "aero strasse"),
    ("µg/kg ± 5", "mu g kg 5"),
    ("ﬁbrosis", "fibrosis"),  # NFKC folds the ligature
    ("  many   spaces\t", "many spaces"),
    ("Большой", "большои"),  # other scripts are kept; only their marks are dropped
    ("", ""),
])
def test_fold_text_gives_plain_lower_case_words(raw, expected):
    assert n.fold_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("[A study on the use of mycobacterium vaccine]", "a study on the use of mycobacterium vaccine"),
    ("Efficacy of batroxobin. [Chinese]", "efficacy of batroxobin"),
    ("[Current aspects of HUS]. [Review] [16 refs] [Romanian]", "current aspects of hus"),
    ("Gene therapy (Review)", "gene therapy"),
    ("Dynamics of HPV16 load.[Erratum appears in J Clin Virol. 2006 Jun", "dynamics of hpv16 load"),
    ("Eculizumab for aHUS (vol 360, pg 542, 2009)", "eculizumab for ahus"),
    ("RETRACTED: Stem cells repair the heart", "stem cells repair the heart"),
    ("Outcome of phase II trials", "outcome of phase 2 trials"),
    ("Part I: methods", "part 1 methods"),
    ("Vitamin D and type II diabetes", "vitamin d and type 2 diabetes"),
    ("I think therefore I am", "i think therefore i am"),  # "I" is a word here
    ("Erratum: Gain-of-function mutations", "gain of function mutations"),  # kind kept apart
    ("Atypical HUS and streptococcus - Reply", "atypical hus and streptococcus"),
    ("Correction of scoliosis in adults", "correction of scoliosis in adults"),
])
def test_normalise_title_strips_wrappers_and_maps_roman_numerals(raw, expected):
    assert n.normalise_title(raw) == expected


@pytest.mark.parametrize("title, expected", [
    ("Erratum: Severe deficiency of ADAMTS13", "erratum"),
    ("Correction to: Statins in the elderly", "erratum"),
    ("Corrigendum to 'Insulin pumps'", "erratum"),
    ("Eculizumab for aHUS (New England Journal of Medicine (2009) 360 (542-544))", "erratum"),
    ("Retraction notice to 'Stem cells repair the heart'", "retraction"),
    ("RETRACTED: Stem cells repair the heart", ""),  # the article itself
    ("Atypical HUS associated with streptococcus - Reply", "reply"),
    ("In reply", "reply"),
    ("Comment on: insulin degludec in children", "comment"),
    ("Effect of insulin on glucose. Erratum in: Lancet 2001", ""),  # a note, not the kind
    ("Correctional facilities and hepatitis C", ""),
])
def test_title_kind_finds_errata_replies_comments_and_retractions(title, expected):
    assert n.title_kind(title) == expected


@pytest.mark.parametrize("title, expected", [
    ("part 1 methods", ("1",)),
    ("phase 3 trial of drug 12 in 2009", ("12", "2009", "3")),
    ("no numbers here", ()),
    ("case 007", ("7",)),
])
def test_title_numbers_are_sorted_without_leading_zeros(title, expected):
    assert n.title_numbers(title) == expected


@pytest.mark.parametrize("title, expected", [
    ("editorial", True),
    ("in this issue", True),
    ("letter", True),
    ("short", True),
    ("insulin degludec in children with type 1 diabetes", False),
])
def test_is_generic_title_flags_titles_that_many_works_share(title, expected):
    assert n.is_generic_title(title) is expected


@pytest.mark.parametrize("raw, expected", [
    ("10.1097/MOL.0b013e3282ffaf82", ("10.1097/mol.0b013e3282ffaf82",)),
    ("http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82", ("10.1097/mol.0b013e3282ffaf82",)),
    ("https://doi.org/10.1016/S0016-5085%2816%2930847-2", ("10.1016/s0016-5085(16)30847-2",)),
    ("doi:10.1002/dmrr.2604.", ("10.1002/dmrr.2604",)),
    ("Doi 10.1016/S0016-5085(16)30847-2", ("10.1016/s0016-5085(16)30847-2",)),
    ("10.1111/nmo.12598 [doi]", ("10.1111/nmo.12598",)),
    ("10.1/x; 10.1234/abc\n10.5678/DEF", ("10.1234/abc", "10.5678/def")),
    ("S0140-6736(09)60000-1 [pii]", ()),
    ("", ()),
])
def test_normalise_dois_handles_urls_prefixes_suffixes_and_lists(raw, expected):
    assert n.normalise_dois(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("12345678", "12345678"),
    ("PMID: 0012345", "12345"),
    ("", ""),
    ("1234567890123", ""),
])
def test_normalise_pmid_keeps_digits_without_leading_zeros(raw, expected):
    assert n.normalise_pmid(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (("0957-9672 (Print)", "0957-9672"), ("09579672",)),
    (("1469-493x (Electronic)",), ("1469493X",)),
    ("0028-4793", ("00284793",)),
    ((), ()),
])
def test_normalise_issns_drop_hyphens_and_print_labels(raw, expected):
    assert n.normalise_issns(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("221-8", ("221", "228")),
    ("221-228", ("221", "228")),
    ("1234-56", ("1234", "1256")),
    ("47--65", ("47", "65")),
    ("211-211", ("211", "211")),
    ("S12-S14", ("12", "14")),
    ("S231-S232", ("231", "232")),
    ("e0123456", ("123456", "")),
    ("A506", ("506", "")),
    ("pp. 91–92", ("91", "92")),
    ("2243-5; author reply 2243-5", ("2243", "2245")),
    ("11-Sep", ("", "")),  # Excel turned a range into a date
    ("Nov-19", ("", "")),
    ("2297-2108", ("", "")),  # ends before it starts: a typo, pages unknown
    ("125-12", ("", "")),
    ("", ("", "")),
])
def test_normalise_pages_expands_ranges_and_reads_article_numbers(raw, expected):
    assert n.normalise_pages(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("65", "65"),
    ("65 SUPPL. 2", "65"),
    ("Vol. 12", "12"),
    ("007", "7"),
    ("2)", ""),  # a parser cut this field in half
    ("Korsakova. Part 2. 117", ""),
    ("", ""),
])
def test_normalise_volume_keeps_the_leading_number(raw, expected):
    assert n.normalise_volume(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("e0123456", True),
    ("a1754", True),
    ("c1804", True),
    ("102345", True),
    ("S231-S232", False),
    ("221-8", False),
    ("1014", False),
    ("", False),
])
def test_is_article_number_tells_electronic_numbers_from_pages(raw, expected):
    assert n.is_article_number(raw) is expected


@pytest.mark.parametrize("volume, issue, expected", [
    ("65 SUPPL. 2", "", "2"),
    ("16", "SUPPL. 1", "1"),
    ("58", "1 SUPPL. 1", "1"),
    ("145", "Suppl. 1", "1"),
    ("19", "3", ""),
])
def test_supplement_number_reads_the_supplement_from_volume_or_issue(volume, issue, expected):
    assert n.supplement_number(volume, issue) == expected


@pytest.mark.parametrize("volume, issue, pages, expected", [
    ("58", "1 SUPPL. 1", "S581", True),
    ("27", "Meeting Abstracts", "", False),
    ("", "", "S35-S36", True),
    ("19", "3", "221-8", False),
])
def test_is_supplement_reads_volume_issue_and_pages(volume, issue, pages, expected):
    assert n.is_supplement(volume, issue, pages) is expected


@pytest.mark.parametrize("raw, expected", [
    ("The Lancet", "lancet"),
    ("Jpen: Journal of Parenteral & Enteral Nutrition", "jpen journal of parenteral and enteral nutrition"),
    ("FASEB Journal. Conference: Experimental Biology", "faseb journal"),
    ("Medicina clinica (Barcelona)", "medicina clinica"),
    ("Zhonghua yi xue za zhi", "national medical journal of china"),  # variants table
])
def test_normalise_journal_drops_decoration_and_maps_variants(raw, expected):
    assert venues.normalise_journal(raw) == expected


@pytest.mark.parametrize("a, b, expected", [
    ("Curr Opin Lipidol", "Current opinion in lipidology", True),
    ("N Engl J Med", "The New England Journal of Medicine", True),
    ("Amcis 2017 Proceedings", "Americas Conference on Information Systems", True),
    ("Diabetes", "Diabetes Care", False),
    ("Diabetologia", "Cardiology", False),
    ("ACP Journal Club", "Annals of Internal Medicine", False),
])
def test_journals_compatible_matches_abbreviations_and_acronyms(a, b, expected):
    words_a = venues.journal_words(venues.normalise_journal(a))
    words_b = venues.journal_words(venues.normalise_journal(b))
    assert venues.journals_compatible(words_a, words_b) is expected


@pytest.mark.parametrize("raw, expected", [
    ("Adeli K.Lewis G. F.", ("Adeli K", "Lewis G. F")),
    ("Zhai, Q. J. and Yue, X. Y.", ("Zhai, Q. J", "Yue, X. Y")),
    ("Smith J; Jones K", ("Smith J", "Jones K")),
    ("", ()),
])
def test_split_author_field_separates_every_name(raw, expected):
    assert n.split_author_field(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Smith, John A.", ("smith", "ja")),
    ("Smith JA", ("smith", "ja")),
    ("Smith J. A.", ("smith", "ja")),
    ("J. A. Smith", ("smith", "ja")),
    ("John Smith", ("smith", "j")),
    ("van der Berg, H.", ("van der berg", "h")),
    ("H. van der Berg", ("van der berg", "h")),
    ("Müller-Lüdenscheidt, K.", ("muller ludenscheidt", "k")),
    ("Lynch Jr, T. J.", ("lynch", "tj")),
    ("M. Vassiliades Jr", ("vassiliades", "m")),
    ("Smith, John, Jr.", ("smith", "j")),
    ("Anonymous", ("", "")),
    ("et al.", ("", "")),
])
def test_parse_author_reads_every_common_name_form(raw, expected):
    assert n.parse_author(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (2008, 2008), ("2008", 2008), ("2008 Mar", 2008), ("", None), (None, None), ("12", None),
])
def test_normalise_year_reads_a_plausible_four_digit_year(raw, expected):
    assert n.normalise_year(raw) == expected


# Properties that must hold for any input, not just the examples above.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def test_fold_text_spells_out_an_accented_ligature():
    assert n.fold_text("Ǽ") == n.fold_text("æ") == "ae"


def test_greek_letters_with_accents_become_their_names_in_one_pass():
    assert n.fold_text("ἀ-helix") == n.fold_text("α-helix") == "alpha helix"
    assert n.fold_text("Ἑλλάς") == n.fold_text(n.fold_text("Ἑλλάς"))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fold_text_is_idempotent(text):
    once = n.fold_text(text)
    assert n.fold_text(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-–SseE ,;pPagNov", max_size=20))
def test_normalise_pages_never_ends_before_it_starts(text):
    start, end = n.normalise_pages(text)
    if end:
        assert start and int(end) >= int(start)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalise_dois_only_returns_valid_dois(text):
    for doi in n.normalise_dois(text):
        assert doi.startswith("10.") and "/" in doi and doi == doi.casefold()


@pytest.mark.parametrize("raw, expected", [
    ("Blood.Conference: 52nd ASH Annual Meeting Orlando, FL", "52nd ash annual meeting orlando fl"),
    ("Pediatric Nephrology. Conference: IPNA Congress", "ipna congress"),
    ("Pediatric Nephrology", ""),
    ("", ""),
])
def test_conference_name_reads_the_meeting_of_a_conference_venue(raw, expected):
    assert venues.conference_name(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("Eculizumab in Atypical Hemolytic Uremic Syndrome (aHUS)", "eculizumab in ahus"),
    ("Plasma therapy-sensitive atypical hemolytic uremic syndrome (aHUS) in adults",
     "plasma therapy sensitive ahus in adults"),
    ("Eculizumab (ECU) therapy", ""),  # not the initials of the words before it
    ("Insulin pumps in children", ""),
    ("", ""),
])
def test_collapse_acronyms_keeps_only_the_acronym_of_a_spelled_out_term(raw, expected):
    assert n.collapse_acronyms(raw) == expected
