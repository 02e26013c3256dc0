"""Every real export in the shared corpus: record counts, titles, and field coverage.

The expected counts are copied from /work/shared/data/exports/README.md. Field presence is
counted independently of the parsers, with simple rules over the raw file (one regex per
field and format, or a CSV column), and compared with what the parser found.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from screening.formats import ImportFormatError, open_export

# Same place as conftest.EXPORTS; conftest is not importable as a module here.
EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"

EXPECTED = {
    "pubmed-medline/revtools__restoration_pubmed.nbib": ("medline", 104),
    "pubmed-medline/RefLib__blue-light.nbib": ("medline", 80),
    "pubmed-medline/biopython__pubmed_result1.txt": ("medline", 1),
    "pubmed-medline/biopython__pubmed_result2.txt": ("medline", 4),
    "pubmed-medline/biopython__pubmed_result3.txt": ("medline", 1),
    "pubmed-medline/citation-file-formatting___baseline_pubmed.ris": ("medline", 50),
    "pubmed-csv/citation-file-formatting___baseline_pubmed.csv": ("pubmed_csv", 10),
    "pubmed-csv/colrev__pubmed-chatbot.csv": ("pubmed_csv", 6),
    "entrez/biopython__pubmed1.xml": ("pubmed_xml", 2),
    "entrez/biopython__pubmed2.xml": ("pubmed_xml", 2),
    "entrez/biopython__pubmed4.xml": ("pubmed_xml", 1),
    "entrez/biopython__pubmed5.xml": ("pubmed_xml", 1),
    "entrez/biopython__pubmed6.xml": ("pubmed_xml", 1),
    "entrez/biopython__pubmed7.xml": ("pubmed_xml", 1),
    "embase-ris/asreview__embase.ris": ("ris", 6),
    "embase-ris/citation-file-formatting___baseline_embase.ris": ("ris", 10),
    "embase-csv/asreview__embase.csv": ("embase_csv", 6),
    "embase-csv/asreview__embase_newpage.csv": ("embase_csv", 6),
    "embase-csv/citation-file-formatting___baseline_embase.csv": ("embase_csv", 10),
    "psycinfo-ovid/asreview__ovid_psycinfo.ris": ("ris", 6),
    "psycinfo-ovid/citation-file-formatting___baseline_psychInfo_ovid.ris": ("ris", 10),
    "eric-ovid/citation-file-formatting___baseline_eric_ovid.ris": ("ris", 10),
    "psycinfo-ebsco/CiteSource__psycinfo_64.ris": ("ris", 64),
    "psycinfo-ebsco/CiteSource__gambling-harms_psycinfo_124.ris": ("ris", 124),
    "ebsco-other/citation-file-formatting___baseline_cinahl.ris": ("ris", 9),
    "ebsco-other/citation-file-formatting___baseline_cinahl.csv": ("ebsco_csv", 10),
    "ebsco-other/CiteSource__gambling-harms_crimjust_41.ris": ("ris", 41),
    "ebsco-other/CiteSource__econlit_3.ris": ("ris", 3),
    "cochrane/citation-file-formatting___baseline_cochrane_endnote.ris": ("ris", 3),
    "cochrane/citation-file-formatting___baseline_cochrane_refman.ris": ("ris", 3),
    "cochrane/citation-file-formatting___baseline_cochrane.csv": ("cochrane_csv", 3),
    "wos-plaintext/revtools__restoration_WoS.ciw": ("wos_plaintext", 247),
    "wos-plaintext/bibliometrix__wos_sample.txt": ("wos_plaintext", 8),
    "wos-plaintext/metaknowledge__savedrecs.txt": ("wos_plaintext", 32),
    "wos-plaintext/synthesisr__zoorec.txt": ("wos_plaintext", 134),
    "wos-tabdelimited/litsearchr__WoS_corecollection.txt": ("wos_tab", 163),
    "wos-tabdelimited/litsearchr__WoS_medline.txt": ("wos_tab", 10),
    "wos-tabdelimited/synthesisr__WoS_zoological.txt": ("wos_tab", 133),
    "wos-ris/ASySD__wos_test.ris": ("ris", 50),
    "wos-ris/citation-file-formatting___baseline_webofscience.ris": ("ris", 10),
    "wos-bibtex/bibliometrix__savedrecs.bib": ("bibtex", 300),
    "scopus-ris/revtools__restoration_scopus.ris": ("ris", 286),
    "scopus-ris/asreview__scopus.ris": ("ris", 6),
    "scopus-ris/citation-file-formatting___baseline_scopus.ris": ("ris", 10),
    "scopus-csv/bibliometrix__scopus_sample.csv": ("scopus_csv", 8),
    "scopus-csv/synthesisr__scopus.csv": ("scopus_csv", 137),
    "scopus-csv/citation-file-formatting___baseline_scopus.csv": ("scopus_csv", 10),
    "scopus-bibtex/bibliometrix__scopus.bib": ("bibtex", 46),
    "endnote-xml/RefLib__blue-light.xml": ("endnote_xml", 102),
    "endnote-xml/RefLib__SpiderCite_demo.xml": ("endnote_xml", 10),
    "endnote-xml/RefLib__Dump-Converted_test.xml": ("endnote_xml", 25),
    "bibtex/ASySD__zotero_export.bib": ("bibtex", 1000),
    "generic-ris/citation-file-formatting___baseline_endnote.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_mendeley.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_zotero.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_refworks.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_rayyan.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_eppireviewer.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_covidence_endnote.ris": ("ris", 10),
    "generic-ris/citation-file-formatting___baseline_citavi.ris": ("ris", 100),
    "generic-ris/asreview__pubmed_zotero.ris": ("ris", 6),
    "generic-ris/asreview__pubmed_endnote.txt": ("ris", 6),
    "generic-ris/asreview__ris_issue_992.txt": ("ris", 19),
    "generic-ris/asreview__ris_issue_1099.txt": ("ris", 7),
    "generic-ris/RefLib__blue-light.ris": ("ris", 102),
    "proquest/asreview__proquest.ris": ("ris", 6),
    "other-ris/CiteSource__Dimensions_246.ris": ("ris", 246),
    "other-ris/CiteSource__gambling-harms_lens_49.ris": ("ris", 49),
    "other-ris/synthesisr__scielo.ris": ("ris", 38),
}
# NCBI responses other than efetch are for the PubMed search client, not for import.
NOT_EXPORTS = {
    "entrez/biopython__esearch1.xml", "entrez/biopython__esearch2.xml", "entrez/biopython__esearch3.xml",
    "entrez/biopython__esearch8.xml", "entrez/biopython__einfo2.xml", "entrez/biopython__esummary1.xml",
    "entrez/biopython__epost1.xml", "entrez/biopython__epost2.xml", "entrez/biopython__espell.xml",
    "entrez/ai_in_bio__esearch.json",
}

# Tagged and markup formats: how to cut the raw text into records, and one regex per field
# that says "this record carries the field".
_M = re.M
RAW_RULES = {
    "ris": (
        re.compile(r"^\ufeff?TY {1,2}-.*?^ER {1,2}-", _M | re.S),
        {
            "year": re.compile(r"^(?:PY|Y1|DA) {1,2}- +.*\d{4}", _M),
            "doi": re.compile(r"^(?:DO|L3) {1,2}- +.*10\.\d{4,}/|^(?:UR|L2|L1|LK) {1,2}- +.*doi\.org/10\.", _M),
            "abstract": re.compile(r"^(?:AB|N2) {1,2}- +(?!Copyright of )\S", _M),
            "pmid": lambda chunk: bool(
                re.search(r"\d \[PMID\]|^C3 {1,2}- +PUBMED \d|^N1  - (?:.*\. )?PMID: \d", chunk, _M)
                or re.search(r"^(?:UR|L1|L2|LK) {1,2}- .*"
                             r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)\d", chunk, _M)
                or (re.search(r"^DB  - Embase", chunk, _M) and re.search(r"^C5  - \d+$", chunk, _M))
                or (re.search(r"^DP  - NLM", chunk, _M) and re.search(r"^AN  - \d+$", chunk, _M))
            ),
        },
    ),
    "medline": (
        re.compile(r"^PMID- .*?(?=^PMID- |\Z)", _M | re.S),
        {
            "year": re.compile(r"^DP  - .*\d{4}", _M),
            "doi": re.compile(r"^(?:AID|LID) - .*\[doi\]", _M),
            "abstract": re.compile(r"^AB  - \S", _M),
            "pmid": re.compile(r"^PMID- \d+", _M),
        },
    ),
    "wos_plaintext": (
        re.compile(r"^PT .*?^ER", _M | re.S),
        {
            "year": re.compile(r"^(?:PY|PD|EA) .*\d{4}", _M),
            "doi": re.compile(r"^DI \S", _M),
            "abstract": re.compile(r"^AB \S", _M),
            "pmid": re.compile(r"^PM \d", _M),
        },
    ),
    "pubmed_xml": (
        re.compile(r"<PubmedArticle>.*?</PubmedArticle>", re.S),
        {
            "year": re.compile(r"<PubDate>\s*<(?:Year>\d{4}|MedlineDate>\D*\d{4})"),
            "doi": re.compile(r'<ArticleId IdType="doi">'),
            "abstract": re.compile(r"<AbstractText"),
            "pmid": re.compile(r"<PMID[^>]*>\d"),
        },
    ),
    "endnote_xml": (
        re.compile(r"<record>.*?</record>", re.S),
        {
            "year": re.compile(r"<year>(?:<style[^>]*>)?\d{4}"),
            "doi": re.compile(r"<electronic-resource-num>(?:<style[^>]*>)?[^<]*10\.\d{4,}/"),
            "abstract": re.compile(r"<abstract>(?:<style[^>]*>)?[^<\s]"),
        },
    ),
    "bibtex": (
        re.compile(r"^\s*@\w+\s*\{.*?(?=^\s*@\w+\s*\{|\Z)", _M | re.S),
        {
            "year": re.compile(r"^\s*year\s*=\s*[{\"]*\d{4}", _M | re.I),
            "doi": re.compile(r"^\s*doi\s*=\s*[{\"]*\s*\S*10\.\d{4,}/", _M | re.I),
            "abstract": re.compile(r"^\s*abstract\s*=\s*[{\"]*\s*[^\s}\"]", _M | re.I),
            "pmid": re.compile(r"^\s*(?:pmid|pubmed_id)\s*=\s*[{\"]*\d", _M | re.I),
        },
    ),
}

# Table formats: the column that carries each field, when the file has it.
COLUMN_RULES = {
    "pubmed_csv": {"year": "Publication Year", "doi": "DOI", "pmid": "PMID"},
    "scopus_csv": {"year": "Year", "doi": "DOI", "abstract": "Abstract", "pmid": "PubMed ID"},
    "embase_csv": {"year": "Publication Year", "doi": "DOI", "abstract": "Abstract", "pmid": "Medline PMID"},
    "ebsco_csv": {"year": "Publication Date", "doi": "DOI", "abstract": "Abstract"},
    "cochrane_csv": {"year": "Year", "doi": "DOI", "abstract": "Abstract", "pmid": "PubMed ID"},
    "wos_tab": {"year": "PY", "doi": "DI", "abstract": "AB", "pmid": "PM"},
}
_PLACEHOLDERS = {"", "na", "[no abstract available]", '=""'}


def raw_text(relative: str) -> str:
    data = (EXPORTS / relative).read_bytes()
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def count_in_raw(relative: str, format_name: str) -> dict[str, int]:
    """Count, without any parser, the records of a file that carry each field."""
    text = raw_text(relative)
    if format_name in RAW_RULES:
        splitter, fields = RAW_RULES[format_name]
        chunks = splitter.findall(text)
        return {name: sum(1 for chunk in chunks if _carries(rule, chunk)) for name, rule in fields.items()}
    delimiter = "\t" if format_name == "wos_tab" else ","
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith(('"SEARCH QUERY"', "---")))
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter))
    counts = {}
    for name, column in COLUMN_RULES[format_name].items():
        if rows and column in rows[0]:
            counts[name] = sum(1 for row in rows if (row[column] or "").strip().lower() not in _PLACEHOLDERS)
    return counts


def _carries(rule, chunk: str) -> bool:
    return rule(chunk) if callable(rule) else bool(rule.search(chunk))


def parse(relative: str):
    with (EXPORTS / relative).open("rb") as binary_file:
        export = open_export(binary_file, filename=Path(relative).name)
        return export, list(export.records())


def test_the_table_covers_every_file_in_the_corpus(exports):
    on_disk = {str(path.relative_to(exports)) for path in exports.glob("*/*") if path.is_file()}
    assert on_disk == set(EXPECTED) | NOT_EXPORTS


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_it_reads_every_record_of_every_export_with_a_title(relative):
    expected_format, expected_count = EXPECTED[relative]
    export, records = parse(relative)
    assert export.format == expected_format
    assert len(records) == expected_count
    untitled = [record.line for record in records if not record.title]
    assert untitled == []


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_it_finds_year_doi_abstract_and_pmid_wherever_the_file_carries_them(relative):
    format_name, _ = EXPECTED[relative]
    in_raw = count_in_raw(relative, format_name)
    _, records = parse(relative)
    found = {name: sum(1 for record in records if getattr(record, name)) for name in in_raw}
    assert found == in_raw


@pytest.mark.parametrize("relative", sorted(NOT_EXPORTS))
def test_it_refuses_ncbi_responses_that_are_not_records(relative):
    with pytest.raises(ImportFormatError, match=Path(relative).name):
        parse(relative)


# A few records checked by eye against the raw file, field by field.
GOLDEN = {
    ("psycinfo-ovid/asreview__ovid_psycinfo.ris", 0): dict(
        title="The influence of self-criticism on depression symptoms among ambulatory patients with "
        "inflammatory bowel disease.",
        authors=("Trindade, Ines A", "Irons, Chris", "Ferreira, Claudia", "Portela, Francisco", "Pinto-Gouveia, Jose"),
        year=2019, journal="Clinical Psychology & Psychotherapy", pages="", doi="10.1002/cpp.2398",
        identifiers=(("psycinfo", "2019-65183-001"),), line=2,
    ),
    ("cochrane/citation-file-formatting___baseline_cochrane_refman.ris", 0): dict(
        authors=("Bywater, T", "Hutchings, J", "Whitaker, C", "Evans, C", "Parry, L"),
        year=2011, journal="Trials", volume="12", pages="39", doi="10.1186/1745-6215-12-39",
        pmid="21314913", identifiers=(("central", "CN-00778158"),), line=5,
    ),
    ("other-ris/CiteSource__Dimensions_246.ris", 0): dict(
        title="The long-term impact of bushfires on the mental health of Australians: a systematic review "
        "and meta-analysis",
        year=2022, journal="European Journal of Psychotraumatology", volume="13", issue="1", pages="2087980",
        doi="10.1080/20008198.2022.2087980", pmid="35957633", pmcid="PMC9359172",
        identifiers=(("dimensions", "pub.1149029839"),), line=2,
    ),
    ("pubmed-medline/RefLib__blue-light.nbib", 0): dict(
        title="Formulation of Herbal Gel of Antirrhinum majus Extract and Evaluation of its "
        "Anti-Propionibacterium acne Effects.",
        year=2018, journal="Advanced biomedical research", volume="7", pages="53",
        doi="10.4103/abr.abr_99_17", pmid="29657938", pmcid="PMC5887696", line=1,
    ),
    ("wos-plaintext/revtools__restoration_WoS.ciw", 0): dict(
        title="Do magnetic phosphorus adsorbents used for lake restoration impact on zooplankton community?",
        authors=("Alvarez-Manzaneda, I.", "Guerreroc, F.", "del Arco, I.", "Funes, A.", "Cruz-Pizarro, L.",
                 "de Vicente, I."),
        year=2019, journal="SCIENCE OF THE TOTAL ENVIRONMENT", volume="656", pages="598-607",
        doi="10.1016/j.scitotenv.2018.11.375", pmid="30529964",
        identifiers=(("wos", "WOS:000455039600059"),), line=3,
    ),
}


@pytest.mark.parametrize(("relative", "index"), sorted(GOLDEN))
def test_golden_records_match_field_by_field(relative, index):
    _, records = parse(relative)
    record = records[index]
    expected = GOLDEN[(relative, index)]
    assert {name: getattr(record, name) for name in expected} == expected
