"""CSL-JSON: real samples and our own read to their exact counts; broken JSON named by item and line."""
import json
from pathlib import Path

import pytest

from screening.formats import parse_file
from screening.formats.csl_json import parse_csl_json
from screening.formats.detect import detect_format
from screening.formats.record import ImportFormatError

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("name", "count"),
    [("zotero_citeproc_export.json", 2), ("citationjs_examples.json", 3), ("mendeley_pubmed.json", 3)],
)
def test_each_sample_is_detected_and_read_to_its_exact_count(name, count):
    path = SAMPLES / name
    assert detect_format(path.read_text(encoding="utf-8")) == "csl_json"
    assert len(parse_file(path)) == count


def test_a_zotero_item_reads_its_names_year_and_container():
    book, chapter = parse_file(SAMPLES / "zotero_citeproc_export.json")
    assert book.authors == ("authorLast, authorFirst",)
    assert (book.year, book.publication_type, book.language) == (1999, "book", "en-US")
    assert chapter.journal == "Publication title" and chapter.pages == "1-10"
    assert (book.line, chapter.line) == (2, 47)
    assert book.raw.startswith("{") and book.raw.endswith("}") and '"id": 3' in book.raw


def test_crossref_lists_and_name_suffixes_are_read():
    _a, _b, crossref = parse_file(SAMPLES / "citationjs_examples.json")
    assert crossref.journal == "Journal of the American Chemical Society"
    assert crossref.authors == ("Hall, H. K., Jr.",)
    assert crossref.issn == ("0002-7863", "1520-5126")
    assert (crossref.doi, crossref.year) == ("10.1021/ja01577a030", 1957)


def test_a_mendeley_item_reads_particles_group_authors_and_pubmed_ids():
    first, second, thesis = parse_file(SAMPLES / "mendeley_pubmed.json")
    assert first.authors == ("Scott, Anna Mae", "van de Schoot, Rens", "Cochrane Skin Group")
    assert (first.pmid, first.pmcid, first.doi, first.year) == ("31712293", "PMC6846280", "10.1370/afm.2445", 2019)
    assert first.keywords == ("acne vulgaris", "blue light", "systematic review")
    assert first.abstract == "Antibiotic use in acne treatment raises concerns about increased resistance."
    assert second.year == 2004 and thesis.year == 2022


def test_a_single_item_object_is_one_record(parse_text):
    (record,) = parse_text(parse_csl_json, '{"type": "article-journal", "title": "Alone"}')
    assert record.title == "Alone"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"type": "book", "title": "A"},\n {"type": "book", "title": }]', r"line 2: item 2 is not valid JSON"),
        ('[{"type": "book"}, 42]', r"item 2 is not a CSL item"),
        ('[{"type": "book"} {"type": "book"}]', r"expected ',' or '\]' after item 1"),
        ('[{"type": "book"}', r"not closed"),
        ("[]", "holds no items"),
        ('[{"type": "book", "author": "x"}]', "item 1 has a field of an unexpected kind"),
    ],
)
def test_broken_documents_are_refused_naming_the_item(parse_text, text, message):
    with pytest.raises(ImportFormatError, match=message):
        parse_text(parse_csl_json, text)


def test_json_that_is_not_csl_is_not_taken_for_it():
    with pytest.raises(ImportFormatError, match="not CSL-JSON"):
        detect_format('{"header": {"type": "esearch"}, "esearchresult": {"count": "3"}}')


CROSSREF_WORK = {
    "DOI": "10.1016/j.jad.2020.05.001", "type": "journal-article", "title": ["Blue light and sleep: a trial"],
    "container-title": ["Journal of Affective Disorders"], "ISSN": ["0165-0327"], "volume": "274",
    "page": "1-10", "author": [{"given": "Anna", "family": "Smith", "sequence": "first", "affiliation": []}],
    "issued": {"date-parts": [[2020, 9]]}, "abstract": "<jats:p>Shift workers slept longer.</jats:p>",
}


def test_crossrefs_envelope_for_one_work_is_one_record(parse_text):
    text = json.dumps({"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": CROSSREF_WORK})
    assert detect_format(text) == "csl_json"
    (record,) = parse_text(parse_csl_json, text)
    assert (record.title, record.journal, record.year) == ("Blue light and sleep: a trial",
                                                          "Journal of Affective Disorders", 2020)
    assert record.authors == ("Smith, Anna",) and record.abstract == "Shift workers slept longer."
    assert '"DOI": "10.1016/j.jad.2020.05.001"' in record.raw


def test_crossrefs_envelope_for_a_list_of_works_is_one_record_each(parse_text):
    second = CROSSREF_WORK | {"DOI": "10.1016/j.jad.2021.01.002", "title": ["Amber lenses at night"]}
    text = json.dumps({"status": "ok", "message-type": "work-list",
                       "message": {"facets": {}, "total-results": 2, "items": [CROSSREF_WORK, second]}}, indent=2)
    assert detect_format(text) == "csl_json"
    records = parse_text(parse_csl_json, text)
    assert [r.doi for r in records] == ["10.1016/j.jad.2020.05.001", "10.1016/j.jad.2021.01.002"]


def test_zoteros_web_api_items_envelope_is_read(parse_text):
    # The Zotero web API's ?format=csljson answers {"items": [...]}.
    text = ('{"items": [{"id": "1234/ABCD", "type": "article-journal", "title": "Amber lenses",'
            ' "author": [{"family": "Novak", "given": "Petra"}], "issued": {"date-parts": [["2019"]]}},'
            ' {"id": "1234/EFGH", "type": "chapter", "title": "Light at night", "container-title": "Sleep"}]}')
    first, chapter = parse_text(parse_csl_json, text)
    assert (first.title, first.authors, first.year) == ("Amber lenses", ("Novak, Petra",), 2019)
    assert chapter.journal == "Sleep"


@pytest.mark.parametrize(("text", "message"), [
    ('{"items": [{"type": "book", "title": "A"}, "not an item"]}', "item 2 is not a CSL item"),
    ('{"status": "ok", "message": {"items": []}}', "holds no items"),
    ('{"items": "none"}', "item 1 is not a CSL item"),
])
def test_an_envelope_with_something_else_inside_is_refused_naming_the_item(parse_text, text, message):
    with pytest.raises(ImportFormatError, match=message):
        parse_text(parse_csl_json, text)
