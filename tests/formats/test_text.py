import io

import pytest

from screening.formats.text import (
    clean_text,
    decode_stream,
    find_issns,
    identifier_kind,
    normalise_doi,
    parse_year,
    sniff_encoding,
    split_authors,
)


@pytest.mark.parametrize(
    ("data", "encoding", "first_line"),
    [
        (b"\xef\xbb\xbfTY  - JOUR\r\n", "utf-8-sig", "TY  - JOUR\r\n"),
        ("TY  - caf\u00e9\n".encode("utf-16"), "utf-16", "TY  - caf\u00e9\n"),
        ("TY  - caf\u00e9\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16", "TY  - caf\u00e9\n"),
        ("TY  - caf\u00e9\n".encode("utf-8"), "utf-8", "TY  - caf\u00e9\n"),
        ("TY  - caf\u00e9 \u2019\n".encode("cp1252"), "cp1252", "TY  - caf\u00e9 \u2019\n"),
        (b"TY  - \x81\x8d\n", "latin-1", "TY  - \x81\x8d\n"),
    ],
)
def test_it_chooses_the_encoding_from_bom_then_content(data, encoding, first_line):
    stream = decode_stream(io.BytesIO(data), filename="x.ris")
    assert stream.encoding == encoding
    assert stream.readline() == first_line


def test_it_falls_back_to_cp1252_when_invalid_utf8_is_far_beyond_the_first_chunk():
    data = b"TY  - JOUR\n" * 300_000 + "caf\u00e9\n".encode("cp1252")
    assert len(data) > 2 * (1 << 20)
    assert sniff_encoding(io.BytesIO(data)) == "cp1252"


def test_it_keeps_a_utf8_character_split_across_chunks():
    data = b"x" * ((1 << 20) - 1) + "\u00e9".encode("utf-8")
    assert sniff_encoding(io.BytesIO(data)) == "utf-8"


def test_it_splits_lines_on_cr_lf_and_crlf_without_translating_them():
    stream = decode_stream(io.BytesIO(b"a\rb\nc\r\nd"), filename="x")
    assert list(stream) == ["a\r", "b\n", "c\r\n", "d"]


def test_it_leaves_the_callers_file_open_when_the_stream_is_dropped():
    upload = io.BytesIO(b"PMID- 1\n")
    stream = decode_stream(upload, filename="x")
    stream.read()
    del stream
    assert upload.closed is False


def test_sniffing_returns_the_file_to_where_it_was():
    upload = io.BytesIO(b"header\nPMID- 1\n")
    upload.seek(7)
    sniff_encoding(upload)
    assert upload.tell() == 7


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>First.</p><p>Second.</p>", "First. Second."),
        ("Effect of <i>Escherichia coli</i> on CO<sub>2</sub>", "Effect of Escherichia coli on CO2"),
        ('<AbstractText Label="BACKGROUND">Text</AbstractText>', "Text"),
        ("Smith &amp; Jones &lt;5 years&gt;", "Smith & Jones <5 years>"),
        ("p &lt; 0.05 and x<y", "p < 0.05 and x<y"),
        ("  many\r\n   spaces\tand\ttabs  ", "many spaces and tabs"),
        ("&#x2010;hyphen&#8217;s", "\u2010hyphen\u2019s"),
        ("", ""),
    ],
)
def test_it_cleans_markup_entities_and_whitespace(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("https://doi.org/10.1002/CPP.2398", "10.1002/cpp.2398"),
        ("http://dx.doi.org/10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("doi:10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("10.4103/abr.abr_99_17 [doi]", "10.4103/abr.abr_99_17"),
        ("https://doi.org/10.1000%2Fabc%3B1", "10.1000/abc;1"),
        ("10.1016/S0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
        ("(doi: 10.1000/xyz).", "10.1000/xyz"),
        ("10.1000/first; 10.1000/second", "10.1000/first"),
        ("S0140-6736(20)30183-5 [pii]", ""),
        ("no identifier here", ""),
        ("", ""),
    ],
)
def test_it_normalises_dois(raw, doi):
    assert normalise_doi(raw) == doi


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("2019//", 2019),
        ("2022/11/05/", 2022),
        ("2021 Jun", 2021),
        ("Jun 2021", 2021),
        ("2018 Sep (Epub 2018 Jun 11)", 2018),
        ("2100", 2100),
        ("0999", None),
        ("21000", None),
        ("12345678", None),
        ("", None),
    ],
)
def test_it_reads_the_first_plausible_year(raw, year):
    assert parse_year(raw) == year


def test_it_splits_authors_and_drops_empty_names():
    assert split_authors("Bywater, T; Hutchings, J; ;") == ("Bywater, T", "Hutchings, J")


def test_it_finds_issns_in_their_written_forms():
    assert find_issns("03064530 (ISSN); 1873-360x") == ("0306-4530", "1873-360X")


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("WOS:000370456000022", "wos"),
        ("CN-00778158", "central"),
        ("L2029880245", "embase"),
        ("2-s2.0-85061562121", "scopus_eid"),
        ("2019-65183-001", "psycinfo"),
        ("EJ401234", "eric"),
        ("pub.1149029839", "dimensions"),
        ("ZOOR15512090342", "zoorec"),
        ("12345", "accession"),
    ],
)
def test_it_names_accession_numbers_by_their_shape(value, kind):
    assert identifier_kind(value) == kind
