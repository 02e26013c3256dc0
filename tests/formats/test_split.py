"""Reading an export in two parts gives the records of reading it whole, line numbers included."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from screening.formats import ImportFormatError, open_export

EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"
MARKERS = {"ris": b"\nTY  - ", "medline": b"\nPMID- ", "pubmed_xml": b"\n<PubmedArticle>"}


def corpus_exports():
    for path in sorted(EXPORTS.rglob("*")):
        if path.is_file() and path.name != "README.md":
            with path.open("rb") as binary:
                try:
                    export = open_export(binary, filename=path.name)
                except Exception:
                    continue
                if export.format in MARKERS:
                    yield path


def record_starts(data: bytes, marker: bytes) -> list[int]:
    starts, found = [], data.find(marker)
    while found != -1:
        starts.append(found + 1)
        found = data.find(marker, found + 1)
    return starts


def assert_parts_read_like_the_whole(data: bytes, name: str, at: int):
    export = open_export(io.BytesIO(data), filename=name)
    whole = list(export.records())
    first, second = export.split(at=at)
    assert first.end == second.start and second.start >= at
    assert list(first.records()) + list(second.records()) == whole


@pytest.mark.parametrize("path", list(corpus_exports()), ids=lambda path: path.name)
def test_every_corpus_file_reads_the_same_in_two_parts(path):
    data = path.read_bytes()
    export = open_export(io.BytesIO(data), filename=path.name)
    starts = record_starts(data, MARKERS[export.format])
    # The first record at or after the middle, and a few other cuts spread over the file.
    cuts = {len(data) // 2, *starts[1::max(1, len(starts) // 4)]}
    for at in sorted(cuts):
        if export.split(at=at) is not None:
            assert_parts_read_like_the_whole(data, path.name, at)


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_line_numbers_of_the_second_part_follow_the_first(line_end, encoding):
    text = line_end.join([
        # A lone CR inside a line ends a line for the reader, and so for the count.
        "Banner before the first record", "TY  - JOUR", "TI  - Caf\u00e9 one\rcut", "ER  - ", "",
        "TY  - JOUR", "TI  - Two", "N1  - a note", "      continued", "ER  - ", "", "",
        "TY  - JOUR", "TI  - Three, with no ER", "TY  - JOUR", "TI  - Four", "ER  - ", "",
    ])
    data = text.encode(encoding)
    export = open_export(io.BytesIO(data), filename="cut.ris")
    parts = export.split(at=len(data) // 2)
    if line_end == "\r":
        assert parts is None  # a lone CR is not a line end this search can find
        return
    first, second = parts
    assert [r.line for r in first.records()] + [r.line for r in second.records()] == [2, 7, 14, 16]
    assert list(first.records()) + list(second.records()) == list(export.records())


def test_a_medline_file_splits_at_a_pmid_line():
    text = "".join(f"PMID- {n}\r\nTI  - Title {n}\r\n      wrapped\r\n\r\n" for n in range(1, 7))
    export = open_export(io.BytesIO(text.encode()), filename="six.nbib")
    first, second = export.split()
    assert [r.pmid for r in second.records()][0] == "4" and [r.line for r in second.records()][0] == 13
    assert list(first.records()) + list(second.records()) == list(export.records())


@pytest.mark.parametrize("text, name", [
    ("TY  - JOUR\nTI  - Only one record\nER  - \n", "one.ris"),  # no record after the middle
    ("Header\nHeader\nHeader\nHeader\nTY  - JOUR\nTI  - One\nER  - \n", "late.ris"),  # none before
    ("@article{a, title={A}}\n@article{b, title={B}}\n", "two.bib"),  # not a splittable format
])
def test_it_does_not_split_what_it_cannot(text, name):
    assert open_export(io.BytesIO(text.encode()), filename=name).split() is None


def test_it_does_not_split_utf16():
    text = "TY  - JOUR\nTI  - A\nER  - \n" * 4
    export = open_export(io.BytesIO(text.encode("utf-16")), filename="wide.ris")
    assert export.split() is None


@pytest.mark.parametrize("line_end", [b"\r\n", b"\r", b"\n"])
def test_lines_are_counted_across_the_blocks_read(line_end):
    # A line end at the one-megabyte boundary where the count reads its next block.
    filler = b"x" * ((1 << 20) - 1)
    data = b"TY  - JOUR\nER  - \n" + filler[18:] + line_end + b"N1  - between\n" + b"TY  - JOUR\nER  - \n" * 3
    export = open_export(io.BytesIO(data), filename="long.ris")
    later = export.part(data.rindex(b"\nTY  - ") + 1)
    expected = sum(1 for _ in io.TextIOWrapper(io.BytesIO(data[:later.start]), encoding="utf-8", newline=""))
    assert later.first_line == expected + 1


def efetch_set(*between: str) -> str:
    """The six efetch articles of the corpus as one PubMed XML set, a line each, with the
    texts `between` written after the second article."""
    files = [EXPORTS / "entrez" / f"biopython__pubmed{n}.xml" for n in (1, 2, 4, 5, 6, 7)]
    articles = [re.search(r"<PubmedArticle>.*?</PubmedArticle>", file.read_text(encoding="utf-8"), re.S).group(0)
                for file in files]
    return ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC '
            '"-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n'
            + "\n".join([*articles[:2], *between, *articles[2:]]) + "\n</PubmedArticleSet>\n")


def test_a_pubmed_xml_set_reads_the_same_in_two_parts_at_every_article():
    data = efetch_set().encode()
    for at in record_starts(data, MARKERS["pubmed_xml"])[1:]:
        assert_parts_read_like_the_whole(data, "efetch.xml", at)
    first, second = open_export(io.BytesIO(data), filename="efetch.xml").split()
    assert data[second.start:].startswith(b"<PubmedArticle>") and not data[:first.end].rstrip().endswith(b"Set>")
    assert [record.line for record in second.records()] == [
        data[:start].count(b"\n") + 1 for start in record_starts(data, MARKERS["pubmed_xml"]) if start >= second.start]


def test_a_pubmed_xml_part_is_refused_where_the_whole_would_be():
    data = efetch_set().encode()
    broken = data.replace(b"</ArticleTitle>", b"</ArticleTitel>", 5)  # the fifth article's title
    broken = broken.replace(b"</ArticleTitel>", b"</ArticleTitle>", 4)
    export = open_export(io.BytesIO(broken), filename="efetch.xml")
    with pytest.raises(ImportFormatError) as whole:
        list(export.records())
    _first, second = export.split(at=broken.rindex(b"\n<PubmedArticle>", 0, broken.index(b"</ArticleTitel>")))
    with pytest.raises(ImportFormatError) as part:
        list(second.records())
    assert (part.value.reason, part.value.line) == (whole.value.reason, whole.value.line)


def test_a_record_start_inside_a_comment_is_no_split_point_the_first_part_can_end_at():
    # A split point is found by its bytes alone; a comment holding a record's start tag at the
    # start of a line makes one. The first part then ends inside the comment and is refused,
    # which tells the check to read the file whole (imports._stage_records).
    data = efetch_set("<!-- an old copy:\n<PubmedArticle>…</PubmedArticle> -->").encode()
    export = open_export(io.BytesIO(data), filename="efetch.xml")
    first, _second = export.split(at=data.index(b"<!-- an old"))
    with pytest.raises(ImportFormatError, match="unclosed comment"):
        list(first.records())
    assert len(list(export.records())) == 6


def test_a_set_of_book_articles_only_is_not_split():
    text = ('<?xml version="1.0"?>\n<PubmedBookArticleSet>\n'
            + "\n".join(f"<PubmedBookArticle><BookDocument><PMID>{n}</PMID></BookDocument></PubmedBookArticle>"
                        for n in range(1, 5)) + "\n</PubmedBookArticleSet>\n")
    assert open_export(io.BytesIO(text.encode()), filename="books.xml").split() is None
