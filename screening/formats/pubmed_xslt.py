"""Reading the fields of PubMed XML records in C: one compiled XSLT over a batch of records.

Building an ElementTree per article and walking it from Python cost about two thirds of the
parsing time. Here a batch of record texts, already cut from the file by pubmed_xml, is
parsed by libxml2 (lxml) in one call, and one XSLT, also in C, writes the string value of
each field we keep as flat text, which Python only splits and cleans. The paths mirror
``_journal_article`` and ``_book_article`` in pubmed_xml one for one (first child named so,
every child named so), and a test compares the two readings field by field on every file.

The record texts are parsed without a DTD, entity expansion or network access; a batch that
libxml2 refuses, or whose text holds one of the separators below, returns None and the
caller reads it through ElementTree, which names the line of any error.

Pure Python, no Django.
"""
from __future__ import annotations

import re
from lxml import etree

from .record import ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

BATCH_SIZE = 200

# Unicode noncharacters: never in bibliographic text, allowed in XML 1.0, so fit to separate
# fields (FIELD), the items of a list field (ITEM), the parts of an item (PART) and records.
FIELD, ITEM, PART, RECORD = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
_SEPARATOR_REFERENCE = re.compile(r"&#(?:[xX]0*[fF][dD][dD][0-3];|0*6497[6-9];)")


def _holds_a_separator(text: str) -> bool:
    # Four substring searches and a regex led by a literal run at C speed; one regex with a
    # character class in front would step through the text in Python's regex engine.
    return any(separator in text for separator in (FIELD, ITEM, PART, RECORD)) or (
        "&#" in text and _SEPARATOR_REFERENCE.search(text) is not None
    )

_F, _I, _P, _R = "&#xFDD0;", "&#xFDD1;", "&#xFDD2;", "&#xFDD3;"


def _value(path: str) -> str:
    return f'<xsl:value-of select="{path}"/>{_F}'


def _each(path: str, *parts: str) -> str:
    """Every node of ``path``: its parts (relative paths) separated by PART, each item ended by ITEM."""
    inner = _P.join(f'<xsl:value-of select="{part}"/>' for part in parts)
    return f'<xsl:for-each select="{path}">{inner}{_I}</xsl:for-each>{_F}'


_AUTHOR = ("LastName[1]", "ForeName[1]", "Initials[1]", "CollectiveName[1]")
# ElementTree's ``element.text``: the text before the first child element.
_LEADING_TEXT = '<xsl:for-each select="text()[not(preceding-sibling::*)]"><xsl:value-of select="."/></xsl:for-each>'

_JOURNAL_FIELDS = "".join([
    _value("$a/ArticleTitle[1]"),
    _value("$a/VernacularTitle[1]"),
    _each("$a/Abstract[1]/AbstractText", "@Label", "."),
    _each("$a/AuthorList[1]/Author", *_AUTHOR),
    _value("($j/JournalIssue/PubDate)[1]/Year[1]"),
    _value("($j/JournalIssue/PubDate)[1]/MedlineDate[1]"),
    _value("$a/ArticleDate[1]/Year[1]"),
    _value("$j/Title[1]"),
    _value("$j/ISOAbbreviation[1]"),
    _value("($j/JournalIssue/Volume)[1]"),
    _value("($j/JournalIssue/Issue)[1]"),
    _value("$a/Pagination[1]/MedlinePgn[1]"),
    _value("$a/Pagination[1]/StartPage[1]"),
    _value("$a/Pagination[1]/EndPage[1]"),
    _each("(PubmedData/ArticleIdList)[1]/ArticleId", "@IdType", "."),
    f'<xsl:for-each select="$a/ELocationID"><xsl:value-of select="@EIdType"/>{_P}{_LEADING_TEXT}{_I}'
    f"</xsl:for-each>{_F}",
    _value("$c/PMID[1]"),
    _each("$j/ISSN", "."),
    _value("($c/MedlineJournalInfo/ISSNLinking)[1]"),
    _each("$c/KeywordList/Keyword", "."),
    _each("$c/MeshHeadingList/MeshHeading", "DescriptorName[1]"),
    _value("$a/Language[1]"),
    _each("$a/PublicationTypeList/PublicationType", "."),
    _value("$c/@Status"),
])

_BOOK_FIELDS = "".join([
    _value("($d/Book/BookTitle)[1]"),
    _value("$d/ArticleTitle[1]"),
    _each("(PubmedBookData/ArticleIdList)[1]/ArticleId", "@IdType", "."),
    _each("$d/ArticleIdList[1]/ArticleId", "@IdType", "."),
    _each("$d/Abstract[1]/AbstractText", "@Label", "."),
    _each("$d/AuthorList[1]/Author", *_AUTHOR),
    _each("($d/Book/AuthorList)[1]/Author", *_AUTHOR),
    _value("($d/Book/PubDate)[1]/Year[1]"),
    _value("($d/Book/PubDate)[1]/MedlineDate[1]"),
    _value("$d/Pagination[1]/MedlinePgn[1]"),
    _value("$d/Pagination[1]/StartPage[1]"),
    _value("$d/Pagination[1]/EndPage[1]"),
    _value("$d/PMID[1]"),
    _each("$d/KeywordList/Keyword", "."),
    _value("$d/Language[1]"),
    _each("$d/PublicationType", "."),
    _value("($d/Book/Publisher/PublisherName)[1]"),
])

# Each child of the batch's wrapper writes its name (or "?" for a name in a namespace, which
# the tree reader treats as an unknown element), its fields, and RECORD.
_STYLESHEET = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="utf-8"/>
<xsl:template match="/">
<xsl:for-each select="*/*">
<xsl:choose>
<xsl:when test="namespace-uri() != ''">?{_F}</xsl:when>
<xsl:when test="self::PubmedArticle">PubmedArticle{_F}<xsl:variable name="c" select="MedlineCitation[1]"/>
<xsl:variable name="a" select="$c/Article[1]"/><xsl:variable name="j" select="$a/Journal[1]"/>
{_JOURNAL_FIELDS}</xsl:when>
<xsl:when test="self::PubmedBookArticle">PubmedBookArticle{_F}<xsl:variable name="d" select="BookDocument[1]"/>
{_BOOK_FIELDS}</xsl:when>
<xsl:otherwise><xsl:value-of select="name()"/>{_F}</xsl:otherwise>
</xsl:choose>{_R}</xsl:for-each>
</xsl:template>
</xsl:stylesheet>"""

_TRANSFORM = etree.XSLT(etree.XML(_STYLESHEET), access_control=etree.XSLTAccessControl.DENY_ALL)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


def read_batch(batch: list[tuple[str, int, str]]) -> list[ParsedRecord] | None:
    """The records of ``batch`` (``(name, line, raw)`` per child of the set), or None when it needs the tree reader."""
    text = "".join(raw for _name, _line, raw in batch)
    if _holds_a_separator(text):
        return None
    try:
        document = etree.fromstring(f"<batch>{text}</batch>".encode(), _PARSER)
        written = str(_TRANSFORM(document))
    except (etree.XMLSyntaxError, etree.XSLTError):
        return None
    outputs = written.split(RECORD)
    if len(outputs) != len(batch) + 1:
        return None
    records = []
    for (name, line, raw), output in zip(batch, outputs):
        fields = output.split(FIELD)
        if fields[0] != name:
            return None
        if name == "PubmedArticle":
            records.append(_journal_article(fields, line, raw))
        elif name == "PubmedBookArticle":
            records.append(_book_article(fields, line, raw))
    return records


def _items(field: str) -> list[list[str]]:
    return [item.split(PART) for item in field.split(ITEM)[:-1]]


def _texts(field: str) -> list[str]:
    return [clean_text(item) for item in field.split(ITEM)[:-1]]


def _journal_article(fields: list[str], line: int, raw: str) -> ParsedRecord:
    (_name, title, vernacular_title, abstract, authors, year, medline_date, article_year, journal,
     abbreviation, volume, issue, medline_pages, start_page, end_page, article_ids, elocations, pmid,
     issns, issn_linking, keywords, mesh, language, publication_types, status, _rest) = fields
    ids = _article_ids(article_ids)
    elocation_doi = next((text for kind, text in _items(elocations) if kind == "doi"), "")
    abbreviation = clean_text(abbreviation)
    return ParsedRecord(
        title=clean_text(title) or clean_text(vernacular_title),
        abstract=_abstract(abstract),
        authors=_authors(authors),
        year=parse_year(clean_text(year)) or parse_year(clean_text(medline_date))
        or parse_year(clean_text(article_year)),
        journal=clean_text(journal) or abbreviation,
        volume=clean_text(volume),
        issue=clean_text(issue),
        pages=_pages(medline_pages, start_page, end_page),
        doi=normalise_doi(ids.pop("doi", "")) or normalise_doi(elocation_doi),
        pmid=clean_text(pmid) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        issn=unique(_texts(issns) + [clean_text(issn_linking)]),
        keywords=unique(_texts(keywords)),
        subject_terms=unique(_texts(mesh)),
        language=clean_text(language),
        publication_type="; ".join(unique(_texts(publication_types))),
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("status", status), ("journal_abbreviation", abbreviation)),
    )


def _book_article(fields: list[str], line: int, raw: str) -> ParsedRecord:
    (_name, book_title, chapter_title, book_data_ids, document_ids, abstract, authors, book_authors, year,
     medline_date, medline_pages, start_page, end_page, pmid, keywords, language, publication_types,
     publisher, _rest) = fields
    book_title, chapter_title = clean_text(book_title), clean_text(chapter_title)
    ids = _article_ids(document_ids) | _article_ids(book_data_ids)
    return ParsedRecord(
        title=chapter_title or book_title,
        abstract=_abstract(abstract),
        authors=_authors(authors) or _authors(book_authors),
        year=parse_year(clean_text(year)) or parse_year(clean_text(medline_date)) or None,
        journal=book_title if chapter_title else "",
        pages=_pages(medline_pages, start_page, end_page),
        doi=normalise_doi(ids.pop("doi", "")),
        pmid=clean_text(pmid) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        keywords=unique(_texts(keywords)),
        language=clean_text(language),
        publication_type="; ".join(unique(_texts(publication_types))) or "Book",
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(("publisher", clean_text(publisher))),
    )


def _article_ids(field: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for kind, value in _items(field):
        kind, value = kind.strip().lower(), clean_text(value)
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def _abstract(field: str) -> str:
    sections = []
    for label, text in _items(field):
        text, label = clean_text(text), label.strip()
        if label and text:
            sections.append(f"{label}: {text}")
        elif text:
            sections.append(text)
    return " ".join(sections)


def _authors(field: str) -> tuple[str, ...]:
    names = []
    for last_name, fore_name, initials, collective_name in _items(field):
        last_name = clean_text(last_name)
        first_names = clean_text(fore_name) or clean_text(initials)
        if last_name and first_names:
            names.append(f"{last_name}, {first_names}")
        else:
            names.append(last_name or clean_text(collective_name))
    return unique(names)


def _pages(medline_pages: str, start_page: str, end_page: str) -> str:
    medline_pages = clean_text(medline_pages)
    if medline_pages:
        return medline_pages
    start, end = clean_text(start_page), clean_text(end_page)
    return f"{start}-{end}" if start and end else start


def _extra(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((key, value) for key, value in pairs if value)

