"""PubMed XML (``<PubmedArticleSet>``), as efetch returns it and as PubMed's website saves it.

Also home of ``iter_xml_records``, the streaming XML reader the EndNote XML parser shares:
it feeds expat chunk by chunk and builds a tree only for one record at a time, so a
250 MB file never sits in memory.

Pure Python, no Django.
"""
from __future__ import annotations

import re
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
    if not len(element):  # most elements hold plain text: spare the iterator
        text = element.text
        return clean_text(text) if text else ""
    return clean_text("".join(element.itertext()))


# ElementTree's find and findall run in C for a plain tag name but go through the Python
# ElementPath module for a path ("A/B"), which cost a fifth of the parsing time: paths are
# walked here one plain step at a time, with ElementPath's meaning (every match, in order).
def _all(element: ET.Element | None, path: str) -> list[ET.Element]:
    if element is None:
        return []
    nodes = [element]
    for tag in path.split("/"):
        nodes = [child for node in nodes for child in node.findall(tag)]
    return nodes


def _first(element: ET.Element | None, path: str) -> ET.Element | None:
    if element is None:
        return None
    if "/" not in path:
        return element.find(path)
    found = _all(element, path)
    return found[0] if found else None


# --- PubMed -----------------------------------------------------------------------------

_PUBMED_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
_PUBMED_RECORDS = {"PubmedArticle", "PubmedBookArticle"}


def parse_pubmed_xml(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one record per ``<PubmedArticle>`` or ``<PubmedBookArticle>``."""
    for element, line, raw in iter_pubmed_elements(stream, filename=filename):
        if element.tag == "PubmedBookArticle":
            yield _book_article(element, line, raw)
        elif element.tag == "PubmedArticle":
            yield _journal_article(element, line, raw)


_NAME_END = re.compile(r"[\s/>]")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY\s+(?:%\s+)?([^\s>]+)")


def iter_pubmed_elements(stream: TextIO, *, filename: str = "") -> Iterator[tuple[ET.Element, int, str]]:
    """Yield ``(element, line, raw)`` for every child of the ``<PubmedArticleSet>``, in file order.

    The children of the set never nest in one another, so the text of each is cut from the
    input by finding its end tag, and only that text goes through the parser (expat in C,
    building the tree in C). Calling back into Python for every element of a 300-element
    article, as a streaming parser must, cost more than half of the parsing time. The
    skeleton around the records (prolog, document element, what lies between records) is
    checked here: a DOCTYPE may name an external DTD, which is never read, but may not
    declare entities (the billion-laughs attack); the text of each record must be
    well-formed XML on its own. Errors name the line.
    """
    reader = _SetReader(stream, filename)
    root = reader.read_prolog()
    if root in _PUBMED_RECORDS:  # a lone article as the whole document
        yield reader.read_element(root)
        reader.read_epilogue()
        return
    if root not in _PUBMED_ROOTS:
        expected = " or ".join(f"<{name}>" for name in sorted(_PUBMED_ROOTS))
        reader.fail(f"expected {expected} as the document element, found <{root}>")
    if not reader.open_root(root):
        return  # <PubmedArticleSet/>
    while (child := reader.next_child(root)) is not None:
        yield reader.read_element(child)
    reader.read_epilogue()


class _SetReader:
    """A cursor over the decoded text, read in chunks; ``position`` indexes ``buffer``."""

    def __init__(self, stream: TextIO, filename: str):
        self.stream = stream
        self.filename = filename
        self.buffer = ""
        self.position = 0
        self.line = 1  # the line of buffer[counted]
        self.counted = 0
        self.at_end = False

    # --- reading ---

    def more(self) -> bool:
        """Read the next chunk onto the buffer (indices into it stay valid)."""
        if self.at_end:
            return False
        chunk = self.stream.read(_CHUNK_SIZE)
        if not chunk:
            self.at_end = True
            return False
        self.buffer += chunk
        return True

    def compact(self) -> None:
        """Drop the text behind the cursor; only where no index into the buffer is held."""
        if self.position > _CHUNK_SIZE or self.position > len(self.buffer) // 2 > 0:
            self.line_of(self.position)
            self.buffer = self.buffer[self.position:]
            self.counted -= self.position
            self.position = 0

    def find(self, needle: str, start: int) -> int:
        """The index of ``needle`` at or after ``start``, reading on as needed; -1 at the end."""
        while True:
            found = self.buffer.find(needle, start)
            if found != -1:
                return found
            start = max(start, len(self.buffer) - len(needle) + 1)
            if not self.more():
                return -1

    def ensure(self, size: int) -> None:
        while len(self.buffer) - self.position < size and self.more():
            pass

    def line_of(self, index: int) -> int:
        if index >= self.counted:
            self.line += self.buffer.count("\n", self.counted, index)
        else:
            self.line -= self.buffer.count("\n", index, self.counted)
        self.counted = index
        return self.line

    def fail(self, reason: str, index: int | None = None) -> None:
        line = self.line_of(min(self.position if index is None else index, len(self.buffer)))
        raise ImportFormatError(reason, filename=self.filename, line=line)

    def not_well_formed(self, what: str, index: int | None = None) -> None:
        self.fail(f"not well-formed XML ({what})", index)

    # --- the skeleton ---

    def skip_misc(self) -> None:
        """Skip whitespace, comments and processing instructions."""
        while True:
            self.ensure(4)
            buffer, position = self.buffer, self.position
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            self.position = position
            if position >= len(buffer):
                if not self.more():
                    return
                continue
            self.ensure(4)
            if self.buffer.startswith("<!--", self.position):
                end = self.find("-->", self.position + 4)
                if end == -1:
                    self.not_well_formed("unclosed comment")
                self.position = end + 3
            elif self.buffer.startswith("<?", self.position):
                end = self.find("?>", self.position + 2)
                if end == -1:
                    self.not_well_formed("unclosed processing instruction")
                self.position = end + 2
            else:
                return

    def read_prolog(self) -> str:
        """Skip the XML declaration, comments and the DOCTYPE; return the document element's name."""
        self.skip_misc()
        self.ensure(9)
        if self.buffer.startswith("<!DOCTYPE", self.position):
            self.skip_doctype()
            self.skip_misc()
        self.ensure(2)
        if not self.buffer.startswith("<", self.position) or self.position + 1 >= len(self.buffer):
            found = self.buffer[self.position:self.position + 30]
            self.not_well_formed("no element found" if not found.strip() else f"expected an element, found {found!r}")
        return self.tag_name(self.position + 1)

    def skip_doctype(self) -> None:
        close = self.find(">", self.position)
        subset = self.buffer.find("[", self.position, close if close != -1 else len(self.buffer))
        if subset != -1:
            subset_end = self.find("]", subset)
            if subset_end == -1:
                self.not_well_formed("unclosed DOCTYPE")
            declaration = _ENTITY_DECLARATION.search(self.buffer, subset, subset_end)
            if declaration:
                self.fail(f"entity declarations are not allowed (found '{declaration.group(1)}')", declaration.start())
            close = self.find(">", subset_end)
        if close == -1:
            self.not_well_formed("unclosed DOCTYPE")
        self.position = close + 1

    def tag_name(self, start: int) -> str:
        self.ensure(start - self.position + 256)
        match = _NAME_END.search(self.buffer, start)
        end = match.start() if match else len(self.buffer)
        name = self.buffer[start:end]
        if not name or not (name[0].isalpha() or name[0] in "_:"):
            self.not_well_formed(f"expected an element name, found {self.buffer[start:start + 20]!r}", start)
        return name

    def open_root(self, root: str) -> bool:
        """Step past the document element's start tag; False when it is empty (``<Set/>``)."""
        close = self.find(">", self.position)
        if close == -1:
            self.not_well_formed("unclosed start tag")
        empty = self.buffer[close - 1] == "/"
        self.position = close + 1
        if empty:
            self.read_epilogue()
        return not empty

    def next_child(self, root: str) -> str | None:
        """Step to the next child element of the document element; None at its end tag."""
        while True:
            self.compact()
            self.skip_misc()
            start = self.find("<", self.position)
            if start == -1:
                self.not_well_formed(f"no closing </{root}>", len(self.buffer))
            self.position = start
            self.ensure(len(root) + 3)
            if self.buffer.startswith("</", start):
                end = self.find(">", start)
                name = self.buffer[start + 2:end].strip() if end != -1 else ""
                if name != root:
                    self.not_well_formed(f"mismatched tag </{name}>", start)
                self.position = end + 1
                return None
            if self.buffer.startswith("<!--", start) or self.buffer.startswith("<?", start):
                continue
            if self.buffer.startswith("<!", start):
                self.not_well_formed(f"unexpected {self.buffer[start:start + 12]!r}", start)
            return self.tag_name(start + 1)

    def read_element(self, name: str) -> tuple[ET.Element, int, str]:
        """Parse the element starting at the cursor, which never contains another of its name."""
        start = self.position
        end_tag = f"</{name}>"
        # An empty <PubmedArticle/> first: looking for its end tag would reach into the next record.
        stop = self.find(">", start)
        if stop != -1 and self.buffer[stop - 1] == "/":
            close, end_tag = stop + 1, ""
        else:
            close = self.find(end_tag, start)
            if close != -1 and self.buffer.find("<!", start, close) != -1:
                close = self.end_past_comments(start, end_tag)
            if close == -1:
                self.parse_rest(start)  # names the actual error and its line
                self.not_well_formed(f"no closing {end_tag}", len(self.buffer))
        end = close + len(end_tag)
        raw = self.buffer[start:end]
        line = self.line_of(start)
        try:
            element = ET.fromstring(raw)
        except ET.ParseError as error:
            error_line, _column = error.position
            raise ImportFormatError(f"not well-formed XML ({_reason(error)})", filename=self.filename,
                                    line=line + error_line - 1) from None
        self.position = end
        return element, line, raw

    def end_past_comments(self, start: int, end_tag: str) -> int:
        """The end tag's index, skipping comments and CDATA sections that may hold its text."""
        position = start
        while True:
            close = self.find(end_tag, position)
            markup = self.buffer.find("<!", position, close if close != -1 else len(self.buffer))
            if markup == -1:
                return close
            terminator = "-->" if self.buffer.startswith("<!--", markup) else "]]>"
            skipped = self.find(terminator, markup + 2)
            if skipped == -1:
                return -1
            position = skipped + len(terminator)

    def parse_rest(self, start: int) -> None:
        while self.more():
            pass
        try:
            ET.fromstring(self.buffer[start:])
        except ET.ParseError as error:
            error_line, _column = error.position
            raise ImportFormatError(f"not well-formed XML ({_reason(error)})", filename=self.filename,
                                    line=self.line_of(start) + error_line - 1) from None

    def read_epilogue(self) -> None:
        self.skip_misc()
        if self.position < len(self.buffer) or self.more():
            self.not_well_formed(f"junk after the document element: {self.buffer[self.position:self.position + 30]!r}")


def _reason(error: ET.ParseError) -> str:
    """expat's reason without its position ("mismatched tag: line 3, column 2")."""
    return str(error).split(": line ", 1)[0]


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
    ids = _article_ids(_first(element, "PubmedData/ArticleIdList"))
    elocation_doi = next(
        (e.text or "" for e in _all(article, "ELocationID") if e.get("EIdType") == "doi"), ""
    )
    title = element_text(article.find("ArticleTitle")) or element_text(article.find("VernacularTitle"))
    return ParsedRecord(
        title=title,
        abstract=_abstract(article.find("Abstract")),
        authors=_authors(article.find("AuthorList")),
        year=_pubmed_year(_first(journal, "JournalIssue/PubDate"), article.find("ArticleDate")),
        journal=element_text(journal.find("Title")) or element_text(journal.find("ISOAbbreviation")),
        volume=element_text(_first(journal, "JournalIssue/Volume")),
        issue=element_text(_first(journal, "JournalIssue/Issue")),
        pages=_pages(article.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")) or normalise_doi(elocation_doi),
        pmid=element_text(citation.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        issn=unique(
            [element_text(issn) for issn in _all(journal, "ISSN")]
            + [element_text(_first(citation, "MedlineJournalInfo/ISSNLinking"))]
        ),
        keywords=unique(element_text(k) for k in _all(citation, "KeywordList/Keyword")),
        subject_terms=unique(
            element_text(heading.find("DescriptorName"))
            for heading in _all(citation, "MeshHeadingList/MeshHeading")
        ),
        language=element_text(article.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in _all(article, "PublicationTypeList/PublicationType"))
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
    book_title = element_text(_first(document, "Book/BookTitle"))
    chapter_title = element_text(document.find("ArticleTitle"))
    ids = _article_ids(_first(element, "PubmedBookData/ArticleIdList"))
    ids = _article_ids(document.find("ArticleIdList")) | ids
    return ParsedRecord(
        title=chapter_title or book_title,
        abstract=_abstract(document.find("Abstract")),
        authors=_authors(document.find("AuthorList")) or _authors(_first(document, "Book/AuthorList")),
        year=_pubmed_year(_first(document, "Book/PubDate"), None),
        journal=book_title if chapter_title else "",
        pages=_pages(document.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")),
        pmid=element_text(document.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        keywords=unique(element_text(k) for k in _all(document, "KeywordList/Keyword")),
        language=element_text(document.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in _all(document, "PublicationType"))
        )
        or "Book",
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("publisher", element_text(_first(document, "Book/Publisher/PublisherName")))),
    )


def _article_ids(id_list: ET.Element | None) -> dict[str, str]:
    """``IdType -> value`` from the record's own ArticleIdList (never its cited references)."""
    if id_list is None:
        return {}
    ids: dict[str, str] = {}
    for article_id in _all(id_list, "ArticleId"):
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
    for part in _all(abstract, "AbstractText"):
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
    for author in _all(author_list, "Author"):
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
