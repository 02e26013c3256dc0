"""The PubMed article reader as it was before it took every text in one pass: the reference
the fast reader must agree with, field by field (tests/formats/test_pubmed_xml_reference.py).

Kept word for word, reading the tree one element at a time.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from screening.formats.pubmed_xml import _abstract, _article_ids, _authors, _extra, _pages, _pubmed_year
from screening.formats.xml_records import element_text, elements_at, first_at
from screening.formats.record import ParsedRecord
from screening.formats.text import normalise_doi, unique


def reference_journal_article(element: ET.Element, line: int, raw: str) -> ParsedRecord:
    citation = element.find("MedlineCitation")
    if citation is None:
        citation = ET.Element("MedlineCitation")
    article = citation.find("Article")
    if article is None:
        article = ET.Element("Article")
    journal = article.find("Journal")
    if journal is None:
        journal = ET.Element("Journal")
    ids = _article_ids(first_at(element, "PubmedData/ArticleIdList"))
    elocation_doi = next(
        (e.text or "" for e in elements_at(article, "ELocationID") if e.get("EIdType") == "doi"), ""
    )
    title = element_text(article.find("ArticleTitle")) or element_text(article.find("VernacularTitle"))
    return ParsedRecord(
        title=title,
        abstract=_abstract(article.find("Abstract")),
        authors=_authors(article.find("AuthorList")),
        year=_pubmed_year(first_at(journal, "JournalIssue/PubDate"), article.find("ArticleDate")),
        journal=element_text(journal.find("Title")) or element_text(journal.find("ISOAbbreviation")),
        volume=element_text(first_at(journal, "JournalIssue/Volume")),
        issue=element_text(first_at(journal, "JournalIssue/Issue")),
        pages=_pages(article.find("Pagination")),
        doi=normalise_doi(ids.pop("doi", "")) or normalise_doi(elocation_doi),
        pmid=element_text(citation.find("PMID")) or ids.pop("pubmed", ""),
        pmcid=ids.pop("pmc", ""),
        identifiers=tuple((kind, value) for kind, value in ids.items() if kind != "pubmed"),
        issn=unique(
            [element_text(issn) for issn in elements_at(journal, "ISSN")]
            + [element_text(first_at(citation, "MedlineJournalInfo/ISSNLinking"))]
        ),
        keywords=unique(element_text(k) for k in elements_at(citation, "KeywordList/Keyword")),
        subject_terms=unique(
            element_text(heading.find("DescriptorName"))
            for heading in elements_at(citation, "MeshHeadingList/MeshHeading")
        ),
        language=element_text(article.find("Language")),
        publication_type="; ".join(
            unique(element_text(t) for t in elements_at(article, "PublicationTypeList/PublicationType"))
        ),
        database="PubMed",
        raw=raw,
        line=line,
        extra=_extra(
            ("status", citation.get("Status", "")),
            ("journal_abbreviation", element_text(journal.find("ISOAbbreviation"))),
        ),
    )

