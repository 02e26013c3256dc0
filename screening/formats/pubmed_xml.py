"""PubMed XML (``<PubmedArticleSet>``), as efetch returns it and as PubMed's website saves it.

Pure Python, no Django.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import chain
from typing import TextIO

from .record import ImportFormatError, ParsedRecord
from .text import normalise_doi, parse_year, unique
from .xml_records import element_text, element_texts, elements_at, first_at

_CHUNK_SIZE = 1 << 20


# --- PubMed -----------------------------------------------------------------------------

_PUBMED_ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
_PUBMED_RECORDS = {"PubmedArticle", "PubmedBookArticle"}


def parse_pubmed_xml(stream: TextIO, *, filename: str = "", first_line: int = 1, opens: bool = True,
                     closes: bool = True) -> Iterator[ParsedRecord]:
    """Yield one record per ``<PubmedArticle>`` or ``<PubmedBookArticle>``.

    A part of a large file read in two (see ExportReader.split_point) is one of the set's
    records onwards, its lines numbered from ``first_line``: without the prolog and the set's
    start tag unless it ``opens`` the file, and without its end tag unless it ``closes`` it.
    """
    for element, line, raw in iter_pubmed_elements(stream, filename=filename, first_line=first_line,
                                                    opens=opens, closes=closes):
        if element.tag == "PubmedBookArticle":
            yield _book_article(element, line, raw)
        elif element.tag == "PubmedArticle":
            yield _journal_article(element, line, raw)


_NAME_END = re.compile(r"[\s/>]")
# Whitespace, then a start tag whose name ends inside the text read so far.
_NEXT_START_TAG = re.compile(r"[ \t\r\n]*<([A-Za-z_:][^\s/>]*)(?=[\s/>])")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY\s+(?:%\s+)?([^\s>]+)")


def iter_pubmed_elements(stream: TextIO, *, filename: str = "", first_line: int = 1, opens: bool = True,
                         closes: bool = True) -> Iterator[tuple[ET.Element, int, str]]:
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
    reader = _SetReader(stream, filename, first_line)
    if opens:
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
    else:
        root = None  # a later part: the reader of the first part checked the document element
    while (child := reader.next_child(root, closes)) is not None:
        yield reader.read_element(child)
    if closes:
        reader.read_epilogue()


class _SetReader:
    """A cursor over the decoded text, read in chunks; ``position`` indexes ``buffer``."""

    def __init__(self, stream: TextIO, filename: str, first_line: int = 1):
        self.stream = stream
        self.filename = filename
        self.buffer = ""
        self.position = 0
        self.line = first_line  # the line of buffer[counted]
        self.counted = 0
        self.at_end = False
        self.record_parser = _RecordParser()

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

    def next_child(self, root: str | None, closes: bool = True) -> str | None:
        """Step to the next child element of the document element; None at its end tag (either
        set's when ``root`` is None), or at the end of the text of a part that does not close
        the document (a part that ends at a split point)."""
        while True:
            self.compact()
            # The common case, only whitespace before the next record, without the calls below.
            found = _NEXT_START_TAG.match(self.buffer, self.position)
            if found is not None:
                self.position = found.start(1) - 1
                return found.group(1)
            self.skip_misc()
            start = self.find("<", self.position)
            if start == -1:
                if not closes:
                    return None
                self.not_well_formed(f"no closing </{root or 'PubmedArticleSet'}>", len(self.buffer))
            self.position = start
            self.ensure(len(root or "PubmedBookArticleSet") + 3)
            if self.buffer.startswith("</", start):
                end = self.find(">", start)
                name = self.buffer[start + 2:end].strip() if end != -1 else ""
                if name != root and not (root is None and name in _PUBMED_ROOTS):
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
        stop = self.buffer.find(">", start)
        if stop == -1:
            stop = self.find(">", start)
        if stop != -1 and self.buffer[stop - 1] == "/":
            close, end_tag = stop + 1, ""
        else:
            close = self.buffer.find(end_tag, start)
            if close == -1:
                close = self.find(end_tag, start)
            # Looking for "!" first: a search for one character is several times faster than for two.
            if close != -1 and self.buffer.find("!", start, close) != -1 and self.buffer.find("<!", start, close) != -1:
                close = self.end_past_comments(start, end_tag)
            if close == -1:
                self.parse_rest(start)  # names the actual error and its line
                self.not_well_formed(f"no closing {end_tag}", len(self.buffer))
        end = close + len(end_tag)
        raw = self.buffer[start:end]
        line = self.line_of(start)
        element = self.record_parser.parse(raw, name)
        if element is None:
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


class _RecordParser:
    """One XML parser for every record of a file, each fed as a child of an element of its own.

    A parser per record (``ET.fromstring``) cost a fifth of the parsing time in setting it up.
    A record parses here exactly as on its own: nothing is declared around it, and it starts
    and ends with its own tags. When its text could leave the parser inside the record (a
    nested start tag of its name, a processing instruction, a comment or CDATA section that
    may hold its end tag), or at the parser's first error, ``parse`` returns None and the
    caller parses that record on its own, which gives the same tree or names the error.
    """

    def __init__(self):
        builder = ET.TreeBuilder()
        holder = builder.start("holder", {})
        self.parser: ET.XMLParser | None = ET.XMLParser(target=builder)
        self.parser.feed("<records>")
        self.records = holder[0]

    def parse(self, raw: str, name: str) -> ET.Element | None:
        if (self.parser is None or ("?" in raw and "<?" in raw) or ("!" in raw and "<!" in raw)
                or raw.find(f"<{name}", 1) != -1):
            return None
        try:
            self.parser.feed(raw)
        except ET.ParseError:
            self.parser = None
            return None
        if len(self.records) != 1:
            self.parser = None
            return None
        element = self.records[0]
        del self.records[0]
        return element


def _reason(error: ET.ParseError) -> str:
    """expat's reason without its position ("mismatched tag: line 3, column 2")."""
    return str(error).split(": line ", 1)[0]


def _journal_article(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    # Every text is taken in one list and cleaned in one pass (element_texts): calling
    # element_text some 40 times per article cost a third of the reading time.
    citation = _found(element.find("MedlineCitation"))
    article = _found(citation.find("Article"))
    journal = _found(article.find("Journal"))
    journal_issues = journal.findall("JournalIssue")
    pub_date = _first_of(journal_issues, "PubDate")
    article_date = article.find("ArticleDate")
    pagination = _found(article.find("Pagination"))
    singles = [
        article.find("ArticleTitle"), article.find("VernacularTitle"), journal.find("Title"),
        journal.find("ISOAbbreviation"), _first_of(journal_issues, "Volume"), _first_of(journal_issues, "Issue"),
        citation.find("PMID"), article.find("Language"), pagination.find("MedlinePgn"),
        pagination.find("StartPage"), pagination.find("EndPage"),
        None if pub_date is None else pub_date.find("Year"), None if pub_date is None else pub_date.find("MedlineDate"),
        None if article_date is None else article_date.find("Year"),
        _first_of(citation.findall("MedlineJournalInfo"), "ISSNLinking"),
    ]
    author_list = article.find("AuthorList")
    authors = [] if author_list is None else author_list.findall("Author")
    id_list = _first_of(element.findall("PubmedData"), "ArticleIdList")
    article_ids = [] if id_list is None else id_list.findall("ArticleId")
    lists = [
        journal.findall("ISSN"),
        _children(citation.findall("KeywordList"), "Keyword"),
        [heading.find("DescriptorName") for heading in _children(citation.findall("MeshHeadingList"), "MeshHeading")],
        _children(article.findall("PublicationTypeList"), "PublicationType"),
        [author.find("LastName") for author in authors],
        [author.find("ForeName") for author in authors],
        article_ids,
    ]
    texts = element_texts([*singles, *chain.from_iterable(lists)])
    (title, vernacular_title, journal_title, iso_abbreviation, volume, issue, pmid, language, medline_pages,
     start_page, end_page, pub_year, medline_date, article_year, issn_linking) = texts[:len(singles)]
    issns, keywords, descriptors, publication_types, last_names, fore_names, id_values = _split(
        texts[len(singles):], [len(elements) for elements in lists])
    # IdType -> value from the record's own ArticleIdList (never its cited references).
    ids: dict[str, str] = {}
    for article_id, value in zip(article_ids, id_values):
        kind = article_id.get("IdType", "").strip().lower()
        if kind and value:
            ids.setdefault(kind, value)
    elocation_doi = next((e.text or "" for e in article.findall("ELocationID") if e.get("EIdType") == "doi"), "")
    # Initials and CollectiveName are read only where they count: most authors have a ForeName.
    names = []
    for author, last_name, fore_name in zip(authors, last_names, fore_names):
        first_names = fore_name or element_text(author.find("Initials"))
        if last_name and first_names:
            names.append(f"{last_name}, {first_names}")
        else:
            names.append(last_name or element_text(author.find("CollectiveName")))
    return ParsedRecord(
        title=title or vernacular_title,
        abstract=_abstract(article.find("Abstract")),
        authors=unique(names),
        year=parse_year(pub_year) or parse_year(medline_date) or parse_year(article_year),
        journal=journal_title or iso_abbreviation,
        volume=volume,
        issue=issue,
        pages=medline_pages or (f"{start_page}-{end_page}" if start_page and end_page else start_page),
        doi=normalise_doi(ids.pop("doi", "")) or normalise_doi(elocation_doi),
        pmid=pmid or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        issn=unique([*issns, issn_linking]),
        keywords=unique(keywords),
        subject_terms=unique(descriptors),
        language=language,
        publication_type="; ".join(unique(publication_types)),
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("status", citation.get("Status", "")), ("journal_abbreviation", iso_abbreviation)),
    )


# An absent element reads as this one: no text, no attributes, no children.
_NOTHING = ET.Element("nothing")


def _found(element: ET.Element | None) -> ET.Element:
    return _NOTHING if element is None else element


def _first_of(parents: list[ET.Element], tag: str) -> ET.Element | None:
    """The first ``tag`` child of any of ``parents``, in document order (ElementPath's ``A/tag``)."""
    for parent in parents:
        found = parent.find(tag)
        if found is not None:
            return found
    return None


def _split(values: list[str], sizes: list[int]) -> list[list[str]]:
    parts, start = [], 0
    for size in sizes:
        parts.append(values[start:start + size])
        start += size
    return parts


def _children(parents: list[ET.Element], tag: str) -> list[ET.Element]:
    return [child for parent in parents for child in parent.findall(tag)]


def _book_article(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    document = element.find("BookDocument")
    if document is None:
        document = ET.Element("BookDocument")
    book_title = element_text(first_at(document, "Book/BookTitle"))
    chapter_title = element_text(document.find("ArticleTitle"))
    ids = _article_ids(first_at(element, "PubmedBookData/ArticleIdList"))
    ids = _article_ids(document.find("ArticleIdList")) | ids
    return ParsedRecord(
        title=chapter_title or book_title,
        abstract=_abstract(document.find("Abstract")),
        authors=_authors(document.find("AuthorList")) or _authors(first_at(document, "Book/AuthorList")),
        year=_pubmed_year(first_at(document, "Book/PubDate"), None),
        journal=book_title if chapter_title else "",
        pages=_pages(document.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")),
        pmid=element_text(document.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        keywords=unique(element_text(k) for k in elements_at(document, "KeywordList/Keyword")),
        language=element_text(document.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in elements_at(document, "PublicationType"))
        )
        or "Book",
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("publisher", element_text(first_at(document, "Book/Publisher/PublisherName")))),
    )


def _article_ids(id_list: ET.Element | None) -> dict[str, str]:
    """``IdType -> value`` from the record's own ArticleIdList (never its cited references)."""
    if id_list is None:
        return {}
    ids: dict[str, str] = {}
    for article_id in elements_at(id_list, "ArticleId"):
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
    for part in abstract.findall("AbstractText"):
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
    for author in elements_at(author_list, "Author"):
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
