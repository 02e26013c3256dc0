"""Whatever arrives, parsing yields records or raises ImportFormatError, never anything else."""
from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.formats import FORMATS, ImportFormatError, open_export, parser_for

# Text built from the pieces the parsers react to, so generated inputs reach deep branches.
_PIECES = st.sampled_from([
    "TY  - ", "ER  - ", "PMID- ", "AU  - ", "TI  - ", "AB  - ", "FN ", "VR 1.0", "PT J", "ER", "EF",
    "   ", "\n", "\r", "\r\n", "\ufeff", "@article{", "}", ",", '"', "\t", "<", ">", "&amp;", "10.1000/x",
    "2019", "=", "PUBMED ", "[PMID]", "KW  - ", "DO  - ", "<record>", "<PubmedArticle>", "\x00",
])
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXT, format_name=st.sampled_from(sorted(FORMATS)))
def test_any_text_yields_records_or_an_import_format_error(text, format_name):
    upload = io.BytesIO(text.encode("utf-8", "surrogatepass"))
    try:
        export = open_export(upload, filename="fuzz.txt", format=format_name)
        for record in export.records():
            assert isinstance(record.title, str)
    except ImportFormatError:
        pass


@settings(max_examples=60, deadline=None)
@given(text=_TEXT)
def test_any_text_is_detected_or_refused_with_an_import_format_error(text):
    upload = io.BytesIO(text.encode("utf-8", "surrogatepass"))
    try:
        export = open_export(upload, filename="fuzz.txt")
        list(export.records())
    except ImportFormatError:
        pass


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_an_import_format_error(data):
    try:
        list(open_export(io.BytesIO(data), filename="fuzz.bin").records())
    except ImportFormatError:
        pass


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.ris", "TY  - JOUR\nER  - \n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "fuzz: the file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (_zip_bytes(), "ZIP"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"FN Clarivate Analytics Web of Science\nVR 1.0\nEF\n", "found none"),
    ],
)
def test_it_refuses_named_bad_inputs_with_a_readable_message(data, message):
    with pytest.raises(ImportFormatError, match=message):
        list(open_export(io.BytesIO(data), filename="fuzz").records())


@pytest.mark.parametrize(
    ("format_name", "text"),
    [
        ("ris", "PMID- 1\nTI  - A MEDLINE record\n"),
        ("medline", "TY  - JOUR\nTI  - An RIS record\nER  - \n"),
        ("wos_plaintext", "PMID- 1\nTI  - A MEDLINE record\n"),
    ],
)
def test_it_explains_when_the_wrong_format_was_chosen_by_hand(format_name, text):
    export = open_export(io.BytesIO(text.encode()), filename="picked.txt", format=format_name)
    with pytest.raises(ImportFormatError, match="picked.txt: expected"):
        list(export.records())


# A file that ends inside its last record is refused: tests/formats/test_cut_off.py.


def test_a_10_mb_line_is_read_without_error():
    text = "TY  - JOUR\nTI  - Long\nAB  - " + "word " * 2_000_000 + "\nER  - \n"
    [record] = open_export(io.BytesIO(text.encode()), filename="long.ris").records()
    assert len(record.abstract) == 10_000_000 - 1


def test_an_unknown_format_name_is_refused():
    with pytest.raises(ImportFormatError, match="unknown format 'docx'"):
        open_export(io.BytesIO(b"TY  - JOUR\n"), filename="x", format="docx")
    with pytest.raises(ImportFormatError, match="unknown format"):
        parser_for("docx")
