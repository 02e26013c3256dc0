"""A file that ends inside a record was cut off (an interrupted download or copy): it is
refused, naming the file, the line and the record, whatever the format. A record that only
lacks its end tag in the middle of a file is read, with a warning."""
import io

import pytest

from screening.formats import ImportFormatError, open_export

RIS_WHOLE = ("TY  - JOUR\nTI  - Blue-light glasses and sleep in shift workers\nAB  - Two weeks of amber lenses.\n"
             "ER  - \n\n")
MEDLINE_WHOLE = ("PMID- 31000001\nTI  - Blue-light glasses and sleep in shift workers.\n"
                 "AB  - Shift workers wore amber lenses for two weeks.\nAU  - Smith A\n"
                 "SO  - Sleep Med. 2020;12(3):45-50.\n\n")


def read(text, filename, encoding="utf-8"):
    return list(open_export(io.BytesIO(text.encode(encoding)), filename=filename).records())


@pytest.mark.parametrize(("filename", "text", "line", "title"), [
    ("embase.ris", RIS_WHOLE + "TY  - JOUR\nTI  - Amber lenses for insomnia\nAB  - Forty adults were rand",
     6, "Amber lenses for insomnia"),
    ("ovid.ris", (RIS_WHOLE * 3).replace("\n", "\r\n") + "TY  - JOUR\r\nTI  - Amber lenses\r\nAU  - Rossi, M\r\n",
     16, "Amber lenses"),
    ("pubmed.nbib", MEDLINE_WHOLE * 2 + "PMID- 31000003\nTI  - Amber lenses for insomnia.\n"
     "AB  - Forty adults were randomised to amber or clear lenses; sleep onset late", 13, "Amber lenses for insomnia."),
    ("pubmed-crlf.txt",
     (MEDLINE_WHOLE * 3 + "PMID- 31000004\nTI  - Amber lenses.\nAU  - Rossi M\n").replace("\n", "\r\n"),
     19, "Amber lenses."),
    ("savedrecs.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Blue light and sleep\nER\n\n"
     "PT J\nTI Amber lenses for insomnia\nAB Forty adults", 7, "Amber lenses for insomnia"),
    ("zotero.bib", "@article{smith2020,\n  title = {Blue light and sleep},\n}\n\n"
     "@article{rossi2019,\n  title = {Amber lenses for insomnia},\n  abstract = {Forty adults were rand", 5,
     "Amber lenses for insomnia"),
])
def test_a_file_that_ends_inside_a_record_is_refused_naming_the_record(filename, text, line, title):
    with pytest.raises(ImportFormatError) as refused:
        read(text, filename)
    message = str(refused.value)
    assert message.startswith(f"{filename}, line {line}: the file ends inside the record starting at line {line}")
    assert f"(“{title}”)" in message and "cut off" in message and "nothing from it was imported" in message


@pytest.mark.parametrize(("filename", "text", "count"), [
    # RIS: a record without ER followed by another record, and a file without a final newline.
    ("mid.ris", "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n", 2),
    ("no-newline.ris", RIS_WHOLE + "TY  - JOUR\nTI  - Two\nER  - ", 2),
    # MEDLINE: a file whose records have no SO at all (nothing to compare the last one with),
    # and one record alone.
    ("no-source.nbib", "PMID- 1\nTI  - One.\n\nPMID- 2\nTI  - Two.\n", 2),
    ("one.nbib", "PMID- 1\nTI  - One.\nAB  - Abstract", 1),
    ("whole.nbib", MEDLINE_WHOLE * 3, 3),
    # BibTeX: an entry whose braces never close, followed by another entry.
    ("mid.bib", "@article{a,\n title = {One\n@article{b,\n title = {Two}\n}\n", 2),
])
def test_a_file_that_does_not_end_inside_a_record_is_read(filename, text, count):
    assert len(read(text, filename)) == count


def test_a_file_read_in_two_parts_refuses_only_at_its_real_end():
    text = (RIS_WHOLE * 3 + "TY  - JOUR\nTI  - No ER here\n" + RIS_WHOLE * 3).encode()
    whole = open_export(io.BytesIO(text), filename="parts.ris")
    first, second = whole.split(text.index(b"TI  - No ER here"))
    assert list(first.records()) + list(second.records()) == list(whole.records())
    cut = open_export(io.BytesIO(text + b"TY  - JOUR\nTI  - Cut"), filename="parts.ris")
    _, last_part = cut.split(len(text) - 10)
    with pytest.raises(ImportFormatError, match="parts.ris, line 33: the file ends inside the record"):
        list(last_part.records())
