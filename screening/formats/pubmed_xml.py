"""PubMed XML (``<PubmedArticleSet>``), as efetch returns it and as PubMed's website saves it.

Also home of ``iter_xml_records``, the streaming XML reader the EndNote XML parser shares:
it feeds expat chunk by chunk and builds a tree only for one record at a time, so a
250 MB file never sits in memory.

Pure Python, no Django.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO
from xml.parsers import expat

from .record import ImportFormatError, ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

_CHUNK_SIZE = 1 << 20
# Real exports nest a dozen levels deep; anything far deeper is hostile or broken, and would
# make the recursive serialiser in ElementTree.tostring blow the stack.
_MAX_DEPTH = 200
_TAIL_KEPT = 1 << 16


def iter_xml_records(
    stream: TextIO,
    *,
    root_tags: set[str],
    record_tags: set[str],
    filename: str = "",
) -> Iterator[tuple[ET.Element, int, str]]:
    """Yield ``(element, line, raw)`` for every element named in ``record_tags``, in file order.

    ``raw`` is the record's XML exactly as it stands in the file. The document element must
    be one of ``root_tags`` (or itself a record). Elements outside records are never built.
    Malformed XML, a wrong root and entity declarations (the billion-laughs attack) raise
    ImportFormatError naming the line.
    """
    reader = _RecordCollector(root_tags, record_tags, filename)
    try:
        while chunk := stream.read(_CHUNK_SIZE):
            reader.feed(chunk.encode("utf-8"))
            yield from reader.take_finished()
        reader.feed(b"", final=True)
        yield from reader.take_finished()
    except expat.ExpatError as error:
        raise ImportFormatError(
            f"not well-formed XML ({expat.ErrorString(error.code)})",
            filename=filename,
            line=error.lineno,
        ) from None
    except UnicodeError as error:
        raise ImportFormatError(f"unreadable characters in XML ({error})", filename=filename) from None


class _RecordCollector:
    """Expat handlers that build one record subtree at a time and queue finished records.

    The text was already decoded by the caller, so it is fed to expat as UTF-8 whatever the
    XML declaration says. The bytes of an open record are kept so each record's raw XML is
    cut straight from the input (re-serialising the tree would double the parsing time).
    """

    def __init__(self, root_tags: set[str], record_tags: set[str], filename: str):
        self.root_tags = root_tags
        self.record_tags = record_tags
        self.filename = filename
        self.depth = 0
        self.builder: ET.TreeBuilder | None = None
        self.record_depth = 0
        self.record_line = 0
        self.record_start = 0  # byte offset of the open record's "<"
        self.pending = bytearray()  # input bytes from buffer_offset on
        self.buffer_offset = 0
        self.finished: list[tuple[ET.Element, int, str]] = []
        self.parser = expat.ParserCreate(encoding="utf-8")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.EntityDeclHandler = self.refuse_entity_declaration

    def feed(self, data: bytes, final: bool = False) -> None:
        self.pending += data
        self.parser.Parse(data, final)
        # Only an open record's bytes are still needed, plus a tail: expat holds back a tag cut
        # by the chunk boundary, and when that tag opens a record its start lies in the tail.
        end = self.buffer_offset + len(self.pending)
        keep_from = self.record_start if self.builder is not None else max(self.buffer_offset, end - _TAIL_KEPT)
        del self.pending[: keep_from - self.buffer_offset]
        self.buffer_offset = keep_from

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail(f"elements nested more than {_MAX_DEPTH} deep")
        if self.depth == 1 and tag not in self.root_tags and tag not in self.record_tags:
            expected = " or ".join(f"<{name}>" for name in sorted(self.root_tags))
            self.fail(f"expected {expected} as the document element, found <{tag}>")
        if self.builder is None:
            if tag not in self.record_tags:
                return
            self.builder = ET.TreeBuilder()
            self.record_depth = self.depth
            self.record_line = self.parser.CurrentLineNumber
            self.record_start = self.parser.CurrentByteIndex
            self.parser.CharacterDataHandler = self.builder.data
        self.builder.start(tag, attributes)

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.builder is None:
            return
        element = self.builder.end(tag)
        if self.depth < self.record_depth:
            self.finished.append((element, self.record_line, self.raw_record(element)))
            self.builder = None
            self.parser.CharacterDataHandler = None

    def raw_record(self, element: ET.Element) -> str:
        start = self.record_start - self.buffer_offset
        if start < 0:  # a start tag longer than the kept tail: rebuild the text instead
            return ET.tostring(element, encoding="unicode")
        end_tag = self.parser.CurrentByteIndex - self.buffer_offset
        if end_tag < start:  # an empty element <record/>: its start is its end
            end_tag = start
        close = self.pending.find(b">", end_tag)
        return self.pending[start : close + 1].decode("utf-8", errors="replace")

    def refuse_entity_declaration(self, name, *_ignored) -> None:
        self.fail(f"entity declarations are not allowed (found '{name}')")

    def fail(self, reason: str) -> None:
        raise ImportFormatError(reason, filename=self.filename, line=self.parser.CurrentLineNumber)

    def take_finished(self) -> list[tuple[ET.Element, int, str]]:
        finished, self.finished = self.finished, []
        return finished


def element_text(element: ET.Element | None) -> str:
    """All text inside ``element``, inline markup (``<i>``, ``<sup>``) included, cleaned."""
    if element is None:
        return ""
    return clean_text("".join(element.itertext()))


# --- PubMed -----------------------------------------------------------------------------

_PUBMED_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
_PUBMED_RECORDS = {"PubmedArticle", "PubmedBookArticle"}


def parse_pubmed_xml(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one record per ``<PubmedArticle>`` or ``<PubmedBookArticle>``."""
    for element, line, raw in iter_xml_records(
        stream, root_tags=_PUBMED_ROOTS, record_tags=_PUBMED_RECORDS, filename=filename
    ):
        if element.tag == "PubmedBookArticle":
            yield _book_article(element, line, raw)
        else:
            yield _journal_article(element, line, raw)


def _journal_article(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    citation = element.find("MedlineCitation")
    if citation is None:
        citation = ET.Element("MedlineCitation")
    article = citation.find("Article")
    if article is None:
        article = ET.Element("Article")
    journal = article.find("Journal")
    if journal is None:
        journal = ET.Element("Journal")
    ids = _article_ids(element.find("PubmedData/ArticleIdList"))
    elocation_doi = next(
        (e.text or "" for e in article.iterfind("ELocationID") if e.get("EIdType") == "doi"), ""
    )
    title = element_text(article.find("ArticleTitle")) or element_text(article.find("VernacularTitle"))
    return ParsedRecord(
        title=title,
        abstract=_abstract(article.find("Abstract")),
        authors=_authors(article.find("AuthorList")),
        year=_pubmed_year(journal.find("JournalIssue/PubDate"), article.find("ArticleDate")),
        journal=element_text(journal.find("Title")) or element_text(journal.find("ISOAbbreviation")),
        volume=element_text(journal.find("JournalIssue/Volume")),
        issue=element_text(journal.find("JournalIssue/Issue")),
        pages=_pages(article.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")) or normalise_doi(elocation_doi),
        pmid=element_text(citation.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        issn=unique(
            [element_text(issn) for issn in journal.iterfind("ISSN")]
            + [element_text(citation.find("MedlineJournalInfo/ISSNLinking"))]
        ),
        keywords=unique(element_text(k) for k in citation.iterfind("KeywordList/Keyword")),
        subject_terms=unique(
            element_text(heading.find("DescriptorName"))
            for heading in citation.iterfind("MeshHeadingList/MeshHeading")
        ),
        language=element_text(article.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in article.iterfind("PublicationTypeList/PublicationType"))
        ),
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(
            ("status", citation.get("Status", "")),
            ("journal_abbreviation", element_text(journal.find("ISOAbbreviation"))),
        ),
    )


def _book_article(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    document = element.find("BookDocument")
    if document is None:
        document = ET.Element("BookDocument")
    book_title = element_text(document.find("Book/BookTitle"))
    chapter_title = element_text(document.find("ArticleTitle"))
    ids = _article_ids(element.find("PubmedBookData/ArticleIdList"))
    ids = _article_ids(document.find("ArticleIdList")) | ids
    return ParsedRecord(
        title=chapter_title or book_title,
        abstract=_abstract(document.find("Abstract")),
        authors=_authors(document.find("AuthorList")) or _authors(document.find("Book/AuthorList")),
        year=_pubmed_year(document.find("Book/PubDate"), None),
        journal=book_title if chapter_title else "",
        pages=_pages(document.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")),
        pmid=element_text(document.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        keywords=unique(element_text(k) for k in document.iterfind("KeywordList/Keyword")),
        language=element_text(document.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in document.iterfind("PublicationType"))
        )
        or "Book",
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("publisher", element_text(document.find("Book/Publisher/PublisherName")))),
    )


def _article_ids(id_list: ET.Element | None) -> dict[str, str]:
    """``IdType -> value`` from the record's own ArticleIdList (never its cited references)."""
    if id_list is None:
        return {}
    ids: dict[str, str] = {}
    for article_id in id_list.iterfind("ArticleId"):
        kind = article_id.get("IdType", "").strip().lower()
        value = element_text(article_id)
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def _abstract(abstract: ET.Element | None) -> str:
    """Join structured sections as ``LABEL: text`` so the headings survive in one string."""
    if abstract is None:
        return ""
    sections = []
    for part in abstract.iterfind("AbstractText"):
        text = element_text(part)
        label = part.get("Label", "").strip()
        if label and text:
            sections.append(f"{label}: {text}")
        elif text:
            sections.append(text)
    return " ".join(sections)


def _authors(author_list: ET.Element | None) -> tuple[str, ...]:
    if author_list is None:
        return ()
    names = []
    for author in author_list.iterfind("Author"):
        last_name = element_text(author.find("LastName"))
        first_names = element_text(author.find("ForeName")) or element_text(author.find("Initials"))
        if last_name and first_names:
            names.append(f"{last_name}, {first_names}")
        else:
            names.append(last_name or element_text(author.find("CollectiveName")))
    return unique(names)


def _pubmed_year(pub_date: ET.Element | None, article_date: ET.Element | None) -> int | None:
    if pub_date is not None:
        year = parse_year(element_text(pub_date.find("Year"))) or parse_year(
            element_text(pub_date.find("MedlineDate"))
        )
        if year:
            return year
    if article_date is not None:
        return parse_year(element_text(article_date.find("Year")))
    return None


def _pages(pagination: ET.Element | None) -> str:
    if pagination is None:
        return ""
    medline_pages = element_text(pagination.find("MedlinePgn"))
    if medline_pages:
        return medline_pages
    start, end = element_text(pagination.find("StartPage")), element_text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start


def _extra(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((key, value) for key, value in pairs if value)
