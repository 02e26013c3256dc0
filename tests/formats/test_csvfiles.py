import csv
import io

import pytest

from screening.formats import csvfiles
from screening.formats.columns import guess_column_map, parse_generic_csv
from screening.formats.csvfiles import split_names, split_terms
from screening.formats.record import ImportFormatError

RECORD_COUNTS = [
    (csvfiles.parse_pubmed_csv, "pubmed-csv/citation-file-formatting___baseline_pubmed.csv", 10),
    (csvfiles.parse_pubmed_csv, "pubmed-csv/colrev__pubmed-chatbot.csv", 6),
    (csvfiles.parse_scopus_csv, "scopus-csv/bibliometrix__scopus_sample.csv", 8),
    (csvfiles.parse_scopus_csv, "scopus-csv/synthesisr__scopus.csv", 137),
    (csvfiles.parse_scopus_csv, "scopus-csv/citation-file-formatting___baseline_scopus.csv", 10),
    (csvfiles.parse_embase_csv, "embase-csv/asreview__embase.csv", 6),
    (csvfiles.parse_embase_csv, "embase-csv/asreview__embase_newpage.csv", 6),
    (csvfiles.parse_embase_csv, "embase-csv/citation-file-formatting___baseline_embase.csv", 10),
    (csvfiles.parse_ebsco_csv, "ebsco-other/citation-file-formatting___baseline_cinahl.csv", 10),
    (csvfiles.parse_cochrane_csv, "cochrane/citation-file-formatting___baseline_cochrane.csv", 3),
    (csvfiles.parse_wos_tab, "wos-tabdelimited/litsearchr__WoS_corecollection.txt", 163),
    (csvfiles.parse_wos_tab, "wos-tabdelimited/litsearchr__WoS_medline.txt", 10),
    (csvfiles.parse_wos_tab, "wos-tabdelimited/synthesisr__WoS_zoological.txt", 133),
]


@pytest.mark.parametrize(("parser", "relative", "expected"), RECORD_COUNTS)
def test_it_reads_every_row_of_each_tabular_export(parse_export, parser, relative, expected):
    records = parse_export(parser, relative)
    assert len(records) == expected
    assert all(record.title and record.year for record in records)


def test_it_reads_a_pubmed_csv_row_field_by_field(parse_export):
    record = parse_export(csvfiles.parse_pubmed_csv, "pubmed-csv/citation-file-formatting___baseline_pubmed.csv")[0]
    assert record.title == "Time lapse: A glimpse into prehistoric genomics"
    assert record.authors == ("Griffin DK", "Larkin DM", "O'Connor RE")
    assert record.year == 2020
    assert record.journal == "Eur J Med Genet"
    assert (record.volume, record.issue, record.pages) == ("63", "2", "103640")
    assert record.doi == "10.1016/j.ejmg.2019.03.004"
    assert (record.pmid, record.pmcid) == ("30922926", "PMC7026692")
    assert record.database == "PubMed"
    assert record.line == 2
    assert record.raw.startswith('"30922926","Time lapse')


def test_it_reads_a_2024_scopus_row_field_by_field(parse_export):
    record = parse_export(csvfiles.parse_scopus_csv, "scopus-csv/bibliometrix__scopus_sample.csv")[0]
    assert record.title.startswith("Quantitative analysis of studies that use artificial intelligence")
    assert record.authors == ("Liu, Fengyuan", "Li, Chunyun", "Liu, Yong", "Li, Yufei")  # ids dropped
    assert (record.year, record.journal, record.volume) == (2026, "Digital Health", "12")
    assert record.doi == "10.1177/20552076261415846"
    assert record.pmid == ""  # Scopus writes "NA"
    assert record.identifiers == (("scopus_eid", "2-s2.0-105030721984"),)
    assert record.keywords == ("Artificial intelligence", "bibliometrics", "citeSpace", "spinal diseases", "VOSviewer")
    assert (record.language, record.publication_type, record.database) == ("English", "Article", "Scopus")


def test_it_reads_a_2019_scopus_row_with_comma_separated_authors(parse_export):
    record = parse_export(csvfiles.parse_scopus_csv, "scopus-csv/synthesisr__scopus.csv")[0]
    assert record.authors == ("Craig C.", "Mazerolle M.J.", "Taylor P.D.", "Tremblay J.A.", "Villard M.-A.")
    assert record.pages == "134-141"
    assert record.journal == "Forest Ecology and Management"


def test_it_strips_inline_tags_from_scopus_titles(parse_export):
    records = parse_export(csvfiles.parse_scopus_csv, "scopus-csv/citation-file-formatting___baseline_scopus.csv")
    assert not [record.title for record in records if "<i>" in record.title or "<i>" in record.abstract]


def test_it_reads_journal_volume_issue_and_doi_from_an_old_embase_row(parse_export):
    record = parse_export(csvfiles.parse_embase_csv, "embase-csv/asreview__embase.csv")[0]
    assert record.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert record.authors == ("Liu R.", "Adler D.G.")
    assert (record.journal, record.year, record.volume, record.issue, record.pages) == (
        "Endoscopic Ultrasound", 2014, "3", "3", "152-160",
    )
    assert record.doi == "10.4103/2303-9027.138783"  # from the OpenURL link
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in record.subject_terms


def test_it_keeps_paragraph_breaks_inside_quoted_embase_fields_in_one_row(parse_export):
    records = parse_export(csvfiles.parse_embase_csv, "embase-csv/asreview__embase_newpage.csv")
    assert records[0].abstract.startswith("TEST Gastrointestinal tract duplication cysts")
    assert records[1].line > records[0].line + 1


def test_it_skips_the_embase_search_query_preamble(parse_export):
    record = parse_export(csvfiles.parse_embase_csv, "embase-csv/citation-file-formatting___baseline_embase.csv")[0]
    assert record.line == 5
    assert record.title.startswith("Cellular structure of dinosaur scales")
    assert (record.journal, record.volume, record.issue) == ("Nature Communications", "15", "1")
    assert record.pages == "4063"  # the article number
    assert record.pmid == "38773066"
    assert record.identifiers == (("embase", "L2029880245"),)
    assert record.issn == ("2041-1723",)
    assert record.doi == "10.1038/s41467-024-48400-3"


def _fields_by_row(columns_csv: str) -> str:
    """Re-write an Embase fields-by-column export in the fields-by-row layout."""
    rows = list(csv.reader(io.StringIO(columns_csv)))
    header_index = next(index for index, row in enumerate(rows) if "Title" in row)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for preamble_row in rows[:header_index]:
        writer.writerow(preamble_row)
    for row in rows[header_index + 1 :]:
        for name, value in zip(rows[header_index], row):
            writer.writerow([name.upper(), value])
        out.write("\n")
    return out.getvalue()


def test_it_reads_the_embase_fields_by_row_layout_like_the_column_layout(parse_export, parse_text, exports):
    relative = "embase-csv/citation-file-formatting___baseline_embase.csv"
    by_column = parse_export(csvfiles.parse_embase_csv, relative)
    by_row = parse_text(
        csvfiles.parse_embase_csv_rows, _fields_by_row((exports / relative).read_text(encoding="utf-8-sig"))
    )
    assert len(by_row) == len(by_column) == 10
    for row_record, column_record in zip(by_row, by_column):
        assert (row_record.title, row_record.authors, row_record.doi, row_record.pmid, row_record.pages) == (
            column_record.title, column_record.authors, column_record.doi, column_record.pmid, column_record.pages,
        )


def test_it_reads_an_ebsco_row_with_excel_formulas(parse_export):
    record = parse_export(csvfiles.parse_ebsco_csv, "ebsco-other/citation-file-formatting___baseline_cinahl.csv")[0]
    assert record.title.startswith("Osteohistological insight into the growth dynamics")
    assert record.authors[:2] == ("Curry Rogers, Kristina", "Martínez, Ricardo N.")
    assert record.issn == ("19326203",)
    assert record.year == 2024  # from ="4/3/2024"
    assert (record.journal, record.volume, record.issue, record.pages) == ("PLoS ONE", "19", "4", "1")
    assert record.doi == "10.1371/journal.pone.0298242"
    assert record.identifiers == (("ebsco", "176404503"),)
    assert record.subject_terms[:2] == ("FEMUR", "DINOSAURS")


def test_it_reads_a_cochrane_row_with_prefixed_cross_ids(parse_export):
    first, second, _third = parse_export(
        csvfiles.parse_cochrane_csv, "cochrane/citation-file-formatting___baseline_cochrane.csv"
    )
    assert first.authors == ("Bywater, T", "Hutchings, J", "Whitaker, C", "Evans, C", "Parry, L")
    assert (first.journal, first.year, first.volume, first.pages) == ("Trials", 2011, "12", "39")
    assert first.pmid == "21314913"
    assert first.id_in_file == "CN-00778158"
    assert first.identifiers == (("central", "CN-00778158"),)
    assert first.doi == "10.1186/1745-6215-12-39"
    assert second.pages == "1279-1297"  # U+2010 hyphen made plain
    assert ("embase", "643589775") in second.identifiers


def test_it_reads_a_cr_only_wos_tab_row_field_by_field(parse_export):
    record = parse_export(csvfiles.parse_wos_tab, "wos-tabdelimited/litsearchr__WoS_corecollection.txt")[0]
    assert record.title.startswith("Effects of pine-oak woodland restoration on breeding bird densities")
    assert record.authors == ("Roach, Melissa C.", "Thompson, Frank R., III", "Jones-Farrand, Todd")
    assert (record.journal, record.year, record.volume, record.pages) == (
        "FOREST ECOLOGY AND MANAGEMENT", 2019, "437", "443-459",
    )
    assert record.doi == "10.1016/j.foreco.2018.12.057"
    assert record.identifiers == (("wos", "WOS:000461270600041"),)
    assert record.issn == ("0378-1127", "1872-7042")
    assert record.keywords[0] == "Woodland"
    assert record.subject_terms[0] == "SAVANNA RESTORATION"
    assert record.database == "Web of Science Core Collection"


def test_it_reads_pmids_from_wos_medline_and_zoological_record_rows(parse_export):
    medline = parse_export(csvfiles.parse_wos_tab, "wos-tabdelimited/litsearchr__WoS_medline.txt")
    assert all(record.pmid.isdigit() and record.database == "MEDLINE" for record in medline)
    zoological = parse_export(csvfiles.parse_wos_tab, "wos-tabdelimited/synthesisr__WoS_zoological.txt")[0]
    assert zoological.pmid == "29782655"
    assert zoological.identifiers == (("zoorec", "ZOOREC:ZOOR15411078200"),)


def test_it_does_not_treat_a_leading_quote_in_a_wos_cell_as_csv_quoting(parse_text):
    text = 'TI\tAU\tPY\r"Quoted" words in a title\tDoe, J\t2020\rSecond\tRoe, R\t2021\r'
    first, second = parse_text(csvfiles.parse_wos_tab, text)
    assert first.title == '"Quoted" words in a title'
    assert second.year == 2021


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Title", "Abstract", "Authors", "Year", "DOI"],
         {"title": "Title", "abstract": "Abstract", "authors": "Authors", "year": "Year", "doi": "DOI"}),
        (["Article Title", "Author", "Publication Year", "Source title"],
         {"title": "Article Title", "authors": "Author", "year": "Publication Year", "journal": "Source title"}),
        (["TI", "AB", "AU", "PY", "DI", "SO"],
         {"title": "TI", "abstract": "AB", "authors": "AU", "year": "PY", "doi": "DI", "journal": "SO"}),
        (["\ufeffrecord_id", "title", "abstract"], {"id_in_file": "record_id", "title": "title",
                                                    "abstract": "abstract"}),
        (["ID", "Journal", "Page start", "Page end"],
         {"id_in_file": "ID", "journal": "Journal", "page_start": "Page start", "page_end": "Page end"}),
        (["Title", "Document Title"], {"title": "Title"}),
        (["Unrelated", "Columns"], {}),
    ],
)
def test_it_guesses_the_column_map_from_common_header_spellings(headers, expected):
    assert guess_column_map(headers) == expected


def test_it_reads_a_generic_csv_with_a_guessed_column_map(parse_text):
    text = ("record_id,title,abstract,authors,year,doi,keywords\r\n"
            "1,A,Text,\"Doe, J; Roe, R\",2020,https://doi.org/10.1000/X,a; b\r\n")
    [record] = parse_text(parse_generic_csv, text)
    assert (record.id_in_file, record.title, record.abstract, record.year) == ("1", "A", "Text", 2020)
    assert record.authors == ("Doe, J", "Roe, R")
    assert record.doi == "10.1000/x"
    assert record.keywords == ("a", "b")


def test_it_reads_a_tsv_with_an_explicit_column_map(parse_text):
    text = "Naam\tJaar\tSamenvatting\nEen titel\t1999\tTekst\n"
    column_map = {"title": "Naam", "year": "jaar", "abstract": "Samenvatting"}
    [record] = parse_text(parse_generic_csv, text, column_map=column_map, delimiter="\t")
    assert (record.title, record.year, record.abstract) == ("Een titel", 1999, "Tekst")


@pytest.mark.parametrize(
    ("column_map", "reason"),
    [
        ({"title": "Missing"}, "'Missing' not found"),
        ({"colour": "Title"}, "unknown field"),
        ({"abstract": "Title"}, "no title column"),
    ],
)
def test_it_explains_a_column_map_that_does_not_fit(parse_text, column_map, reason):
    with pytest.raises(ImportFormatError, match=reason):
        parse_text(parse_generic_csv, "Title,Year\nA,2000\n", column_map=column_map)


def test_it_explains_a_csv_without_a_recognisable_title_column(parse_text):
    with pytest.raises(ImportFormatError, match="Columns found: Foo, Bar"):
        parse_text(parse_generic_csv, "Foo,Bar\n1,2\n")


def test_it_rejects_an_empty_csv(parse_text):
    with pytest.raises(ImportFormatError, match="no header row"):
        parse_text(csvfiles.parse_scopus_csv, "\n\n")


def test_it_reads_a_cell_larger_than_the_csv_module_default_limit(parse_text):
    [record] = parse_text(parse_generic_csv, f'Title,Abstract\nA,"{"x" * 300_000}"\n')
    assert len(record.abstract) == 300_000


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Liu R., Adler D.G.", ("Liu R.", "Adler D.G.")),
        ("Curry Rogers, Kristina; Alcober, Oscar", ("Curry Rogers, Kristina", "Alcober, Oscar")),
        ("Curry Rogers, Kristina", ("Curry Rogers, Kristina",)),
        ("Smith, J.", ("Smith, J.",)),
        ("", ()),
    ],
)
def test_it_splits_author_cells(value, names):
    assert split_names(value) == names


def test_it_never_splits_terms_inside_parentheses():
    assert split_terms("cyst (diagnosis, surgery), colonoscopy", ",") == ("cyst (diagnosis, surgery)", "colonoscopy")
