"""UTF-16 without a byte-order mark (as some Windows tools save) is read as text, in either
byte order and whatever the format; a binary file is still called one."""
import io
import os

import pytest

from screening.formats import ImportFormatError, open_export
from screening.formats.text import sniff_encoding

RIS = "TY  - JOUR\nTI  - Blue-light glasses and sleep in shift workers\nAU  - Müller, Jürgen\nER  - \n"
MEDLINE = "PMID- 31000001\nTI  - Amber lenses and insomnia: a trial in Zürich.\nSO  - Sleep Med. 2020.\n"
CSV = "Title,Authors,Year\n\"Blue light, sleep and shift work\",\"Ødegaard, K\",2021\n"
CJK = "TY  - JOUR\nTI  - 蓝光眼镜与轮班工人的睡眠\nAB  - 一项随机试验。\nER  - \n"


@pytest.mark.parametrize(("text", "encoding", "format_name", "title"), [
    (RIS, "utf-16-le", "ris", "Blue-light glasses and sleep in shift workers"),
    (RIS.replace("\n", "\r\n"), "utf-16-be", "ris", "Blue-light glasses and sleep in shift workers"),
    (MEDLINE, "utf-16-be", "medline", "Amber lenses and insomnia: a trial in Zürich."),
    (CSV, "utf-16-le", "csv", "Blue light, sleep and shift work"),
    (CJK, "utf-16-le", "ris", "蓝光眼镜与轮班工人的睡眠"),  # tags are ASCII: enough zeros
])
def test_utf16_without_a_bom_is_read_in_either_byte_order(text, encoding, format_name, title):
    data = io.BytesIO(text.encode(encoding))
    assert sniff_encoding(data) == encoding
    export = open_export(data, filename="export.txt",
                         column_map={"title": "Title", "authors": "Authors", "year": "Year"}
                         if format_name == "csv" else None)
    [record] = export.records()
    assert export.format == format_name and record.title == title


def test_a_long_utf16_file_is_read_whole():
    text = RIS * 2000  # the sample is 4 KB; the rest is decoded as the import goes
    records = list(open_export(io.BytesIO(text.encode("utf-16-le")), filename="long.ris").records())
    assert len(records) == 2000 and records[-1].authors == ("Müller, Jürgen",)


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 16,  # zero bytes at even and odd offsets alike
    os.urandom(4096).replace(b"\x00", b"\x01")[:2048] + b"\x00" * 16 + b"\x01" * 2032,
    b"\x00\x00\x00\x01" * 1024,
])
def test_a_binary_file_is_still_called_binary(data):
    with pytest.raises(ImportFormatError, match="binary file"):
        open_export(io.BytesIO(data), filename="scan.dat")


def test_utf8_and_cp1252_files_are_not_taken_for_utf16():
    assert sniff_encoding(io.BytesIO(RIS.encode("utf-8"))) == "utf-8"
    assert sniff_encoding(io.BytesIO(RIS.encode("cp1252"))) == "cp1252"
