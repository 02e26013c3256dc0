import pytest

from screening.formats.bibtex import latex_to_text, parse_bibtex, split_bibtex_authors
from screening.formats.record import ImportFormatError

RECORD_COUNTS = [
    ("bibtex/ASySD__zotero_export.bib", 1000),
    ("wos-bibtex/bibliometrix__savedrecs.bib", 300),
    ("scopus-bibtex/bibliometrix__scopus.bib", 46),
]


@pytest.mark.parametrize(("relative", "expected"), RECORD_COUNTS)
def test_it_reads_every_entry_of_each_bibtex_file(parse_export, relative, expected):
    records = parse_export(parse_bibtex, relative)
    assert len(records) == expected
    assert all(record.title for record in records)
    assert not [record.line for record in records if dict(record.extra).get("warning")]


def test_it_reads_a_zotero_entry_field_by_field(parse_export):
    record = parse_export(parse_bibtex, "bibtex/ASySD__zotero_export.bib")[0]
    assert record.title == "Microangiography of the humeral condyle in Cocker Spaniel and non-Cocker Spaniel dogs"
    assert record.abstract.startswith("The purpose of this study was to evaluate the blood supply")
    assert record.authors == ("Larsen, LJ", "Roush, JK", "McLaughlin, RM", "Cash, WC")
    assert record.year == 1999
    assert record.journal == "VETERINARY AND COMPARATIVE ORTHOPAEDICS AND TRAUMATOLOGY"
    assert (record.volume, record.issue, record.pages) == ("12", "3", "134-137")
    assert record.issn == ("0932-0814",)
    assert record.keywords == (
        "blood supply", "Cocker Spaniels", "FRACTURES", "humeral condylar fractures", "microangiography",
    )
    assert record.language == "English"
    assert record.publication_type == "article"
    assert record.id_in_file == "larsen_microangiography_1999"
    assert ("month", "August") in record.extra  # the unquoted month macro "aug"
    assert record.line == 2
    assert record.raw.startswith("@article{larsen_microangiography_1999,")


def test_it_finds_the_dois_and_abstracts_zotero_wrote(parse_export):
    records = parse_export(parse_bibtex, "bibtex/ASySD__zotero_export.bib")
    assert sum(bool(record.doi) for record in records) == 718
    assert sum(bool(record.abstract) for record in records) == 776
    assert sum(record.publication_type == "inproceedings" for record in records) == 3


def test_it_reads_a_web_of_science_entry_field_by_field(parse_export):
    record = parse_export(parse_bibtex, "wos-bibtex/bibliometrix__savedrecs.bib")[0]
    assert record.title == (
        "Integrating bibliometrics and roadmapping: A case of strategic promotion "
        "for the ground source heat pump in China"
    )
    assert record.authors == ("Liao, Pin-Chao", "Zhang, Kenan", "Wang, Tao", "Wang, Yanqing")
    assert record.journal == "RENEWABLE & SUSTAINABLE ENERGY REVIEWS"
    assert "regulations that facilitate R&D related to GSHP" in record.abstract
    assert (record.year, record.volume, record.pages) == (2016, "57", "292-301")
    assert record.doi == "10.1016/j.rser.2015.12.080"
    assert record.identifiers == (("wos", "WOS:000370456000022"),)
    assert record.id_in_file == "ISI:000370456000022"  # the key after "@article{ "
    assert record.keywords[:2] == ("Ground source heat pump", "Bibliometrics")
    assert record.subject_terms[0] == "CO-WORD ANALYSIS"
    assert record.publication_type == "Review"
    assert record.database == "Web of Science"


def test_it_skips_the_scopus_header_lines_and_splits_comma_joined_authors(parse_export):
    record = parse_export(parse_bibtex, "scopus-bibtex/bibliometrix__scopus.bib")[0]
    assert record.id_in_file == "D'Ambrosio20171339"
    assert record.line == 4
    assert record.authors == ("D'Ambrosio, A.", "Aria, M.", "Iorio, C.", "Siciliano, R.")
    assert record.title == "Regression trees for multivalued numerical response variables"
    assert record.keywords[0] == "Earth mover distance"
    assert record.identifiers == (("scopus_eid", "2-s2.0-84993929598"),)
    assert record.database == "Scopus"
    assert record.publication_type == "Article"


def test_it_reads_scopus_pubmed_ids(parse_export):
    records = parse_export(parse_bibtex, "scopus-bibtex/bibliometrix__scopus.bib")
    assert sum(bool(record.pmid) for record in records) == 13


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r'M{\"u}ller', "Müller"),
        (r'M\"{u}ller', "Müller"),
        (r"Caf\'e", "Café"),
        (r"{\'E}cole", "École"),
        (r"na\"{\i}ve", "naïve"),
        (r"Stra\ss e", "Straße"),
        (r"Gar{\c c}on", "Garçon"),
        (r"\v{S}koda", "Škoda"),
        (r"{\o}resund", "øresund"),
        (r"R\&D at 50\%", "R&D at 50%"),
        ("pages 1--2 --- done", "pages 1–2 — done"),
        ("{Cocker} {Spaniel}", "Cocker Spaniel"),
        ("{{DNA}} repair", "DNA repair"),
        (r"\emph{Homo} sapiens", "Homo sapiens"),
        (r"$\alpha$-helix", "α-helix"),
        ("Tom~Jones", "Tom Jones"),
        (r"\textless{}i\textgreater{}E. coli\textless{}/i\textgreater{}", "E. coli"),
        (r"a \{literal\} brace", "a {literal} brace"),
        ("plain  text\n   wrapped", "plain text wrapped"),
    ],
)
def test_it_turns_latex_into_plain_text(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Smith, John and Doe, Jane", ("Smith, John", "Doe, Jane")),
        ("{Barnes and Noble} and Poe, E.", ("Barnes and Noble", "Poe, E.")),
        (r"M{\"u}ller, K. AND Roe, R.", ("Müller, K.", "Roe, R.")),
        ("D'Ambrosio, A.a , Aria, M.a , Iorio, C.b", ("D'Ambrosio, A.", "Aria, M.", "Iorio, C.")),
        ("Siciliano, R., D’Ambrosio, A.", ("Siciliano, R.", "D’Ambrosio, A.")),
        ("Larsen, LJ", ("Larsen, LJ",)),
    ],
)
def test_it_splits_author_lists(value, names):
    assert split_bibtex_authors(value) == names


def test_it_applies_string_macros_and_concatenation_and_skips_comments(parse_text):
    text = """
@comment{ this is {ignored} }
@string{jgs = "Journal of {G}ambling Studies"}
Free text between entries is a comment too.
@Article(key1,
  title = "Quoted {Title} with \\"{o}",
  journal = jgs,
  year = 2020,
  note = "Part " # "two",
)
"""
    [record] = parse_text(parse_bibtex, text)
    assert record.title == "Quoted Title with ö"
    assert record.journal == "Journal of Gambling Studies"
    assert record.year == 2020
    assert ("note", "Part two") in record.extra
    assert record.id_in_file == "key1"


def test_it_keeps_later_entries_when_one_entry_never_closes_its_braces(parse_text):
    text = "@article{a, title = {Broken {title},\n  year = {2001}\n@article{b, title = {Fine}, year = {2002}}\n"
    first, second = parse_text(parse_bibtex, text)
    assert first.id_in_file == "a" and dict(first.extra)["warning"]
    assert (second.id_in_file, second.title, second.year) == ("b", "Fine", 2002)


def test_it_reads_a_truncated_last_entry_as_far_as_it_goes(parse_text):
    [record] = parse_text(parse_bibtex, "@article{a,\n title = {Complete},\n abstract = {cut sho")
    assert record.title == "Complete"
    assert record.abstract == "cut sho"
    assert "warning" in dict(record.extra)


def test_it_reads_two_entries_on_one_line(parse_text):
    records = parse_text(parse_bibtex, "@misc{a, title={One}}@misc{b, title={Two}}")
    assert [record.title for record in records] == ["One", "Two"]


@pytest.mark.parametrize("text", ["", "TY  - JOUR\nTI  - A RIS record\nER  - \n", "@comment{only a comment}"])
def test_it_rejects_text_without_any_entry(parse_text, text):
    with pytest.raises(ImportFormatError, match="no BibTeX entry"):
        parse_text(parse_bibtex, text)
