import pytest

from screening.formats.record import ImportFormatError
from screening.formats.wos_plaintext import parse_wos_plaintext

EXPORT = """\ufeffFN Thomson Reuters Web of Science\u2122
VR 1.0
PT J
AU Alvarez-Manzaneda, I
   Guerrero, F
AF Alvarez-Manzaneda, Ines
   Guerrero, Francisco
TI Restoration of a wetland: a long
   wrapped title
SO JOURNAL OF APPLIED ECOLOGY
DE restoration; wetlands; birds
ID COMMUNITIES; DIVERSITY
AB Short abstract.
SN 0021-8901
EI 1365-2664
PD JUN
PY 2019
VL 56
IS 6
BP 1400
EP 1410
DI 10.1111/1365-2664.13377
PM 31234567
UT WOS:000470000000001
ER

PT J
AU Stillman, Andrew N. (andrew.stillman@uconn.edu) 
TI Second
AN ZOOR15512090342
UT ZOOREC:ZOOR15512090342
PY 2020
AR e0123
ER

EF"""


def test_it_reads_a_web_of_science_record(parse_text):
    first, second = parse_text(parse_wos_plaintext, EXPORT)
    assert first.title == "Restoration of a wetland: a long wrapped title"
    assert first.authors == ("Alvarez-Manzaneda, Ines", "Guerrero, Francisco")
    assert first.journal == "JOURNAL OF APPLIED ECOLOGY"
    assert first.keywords == ("restoration", "wetlands", "birds")
    assert first.subject_terms == ("COMMUNITIES", "DIVERSITY")
    assert (first.year, first.volume, first.issue, first.pages) == (2019, "56", "6", "1400-1410")
    assert (first.doi, first.pmid) == ("10.1111/1365-2664.13377", "31234567")
    assert first.issn == ("0021-8901", "1365-2664")
    assert first.identifiers == (("wos", "WOS:000470000000001"),)
    assert first.database == "Web of Science Core Collection"
    assert first.line == 3


def test_it_reads_zoological_record_authors_without_their_email(parse_text):
    _, second = parse_text(parse_wos_plaintext, EXPORT)
    assert second.authors == ("Stillman, Andrew N.",)
    assert second.pages == "e0123"
    assert second.database == "Zoological Record"
    assert ("zoorec", "ZOOR15512090342") in second.identifiers


def test_it_reads_crlf_and_cr_only_files_alike(parse_text):
    lf = parse_text(parse_wos_plaintext, EXPORT)
    crlf = parse_text(parse_wos_plaintext, EXPORT.replace("\n", "\r\n"))
    cr = parse_text(parse_wos_plaintext, EXPORT.replace("\n", "\r"))
    assert [r.title for r in lf] == [r.title for r in crlf] == [r.title for r in cr]


def test_it_warns_about_a_record_cut_off_before_er(parse_text):
    [record] = parse_text(parse_wos_plaintext, "FN Clarivate\nVR 1.0\nPT J\nTI Cut")
    assert record.title == "Cut"
    assert ("warning", "record starting at line 3 has no 'ER' line") in record.extra


@pytest.mark.parametrize("text", ["", "FN Clarivate Analytics Web of Science\nVR 1.0\nEF", "hello\nworld\n"])
def test_it_raises_when_there_is_no_record(text, parse_text):
    with pytest.raises(ImportFormatError, match="expected Web of Science records"):
        parse_text(parse_wos_plaintext, text)
