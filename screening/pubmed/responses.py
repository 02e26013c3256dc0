"""Read E-utilities response bodies: ESearch (XML or JSON) and EFetch PubMed XML.

ESearch XML goes through ``Bio.Entrez.read``, which knows the esearch DTD and turns
``Count``, ``QueryTranslation``, ``ErrorList`` and ``WarningList`` into plain dicts.
``validate=False`` keeps the parser working when NCBI adds an element, and
``ignore_errors=True`` hands ``<ERROR>`` back as data, so this module decides which
exception to raise. JSON (``retmode=json``) is read with the standard library, as is
EFetch XML: only its PMIDs are needed here, and parsing the whole record is the job of
``screening.formats.pubmed_xml``.
"""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from Bio import Entrez

from .errors import PubMedQueryError


class GarbledResponse(ValueError):
    """A body that is not a complete E-utilities document (cut short, an HTML page...).

    The client treats it like a network error and tries again.
    """


class HistoryLost(Exception):
    """EFetch could not find the ESearch result on the history server (WebEnv expired)."""


@dataclass(frozen=True, slots=True)
class SearchSummary:
    """What ESearch says about a query.

    ``warnings`` are sentences for the user. ``ids``, ``webenv`` and ``query_key`` are
    filled only when the request asked for them (``retmax`` > 0, ``usehistory=y``).
    """

    count: int
    query_translation: str = ""
    warnings: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    webenv: str = ""
    query_key: str = ""


def parse_esearch(body: bytes) -> SearchSummary:
    """Return the SearchSummary in an ESearch response, XML or JSON.

    Raise PubMedQueryError for an NCBI error document (``<ERROR>``, ``"ERROR"``) and
    GarbledResponse for anything that is not a whole ESearch document.
    """
    if body.lstrip()[:1] == b"{":
        return _parse_esearch_json(body)
    return _parse_esearch_xml(body)


def _parse_esearch_xml(body: bytes) -> SearchSummary:
    try:
        doc = Entrez.read(io.BytesIO(body), validate=False, ignore_errors=True)
    except (ValueError, ET.ParseError) as exc:
        raise GarbledResponse(f"not an ESearch XML document ({exc})") from exc
    if not isinstance(doc, dict):
        raise GarbledResponse("not an ESearch XML document")
    error = doc.get("ERROR", "")
    if isinstance(error, list):  # for some DTDs Bio.Entrez collects ERROR into a list
        error = "; ".join(str(e) for e in error)
    error = str(error).strip()  # espell sends an empty <ERROR/>
    if error:
        raise PubMedQueryError(f"PubMed could not run the search: {error}")
    if "Count" not in doc:
        raise GarbledResponse("the ESearch document has no Count")
    errors = doc.get("ErrorList", {})
    warnings = doc.get("WarningList", {})
    return SearchSummary(
        count=int(doc["Count"]),
        query_translation=str(doc.get("QueryTranslation", "")),
        warnings=describe_warnings(
            phrases_not_found=errors.get("PhraseNotFound", []),
            fields_not_found=errors.get("FieldNotFound", []),
            phrases_ignored=warnings.get("PhraseIgnored", []),
            quoted_phrases_not_found=warnings.get("QuotedPhraseNotFound", []),
            output_messages=warnings.get("OutputMessage", []),
        ),
        ids=tuple(str(pmid) for pmid in doc.get("IdList", [])),
        webenv=str(doc.get("WebEnv", "")),
        query_key=str(doc.get("QueryKey", "")),
    )


def _parse_esearch_json(body: bytes) -> SearchSummary:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise GarbledResponse(f"not an ESearch JSON document ({exc})") from exc
    if not isinstance(doc, dict):
        raise GarbledResponse("not an ESearch JSON document")
    result = doc.get("esearchresult")
    if not isinstance(result, dict):
        # Rate-limit and API-key failures come as {"error": "API rate limit exceeded", ...}.
        if "error" in doc:
            raise PubMedQueryError(f"PubMed could not run the search: {doc['error']}")
        raise GarbledResponse("the JSON document has no esearchresult")
    if "ERROR" in result:
        raise PubMedQueryError(f"PubMed could not run the search: {result['ERROR']}")
    if "count" not in result:
        raise GarbledResponse("the ESearch JSON document has no count")
    errors = result.get("errorlist", {})
    warnings = result.get("warninglist", {})
    return SearchSummary(
        count=int(result["count"]),  # NCBI sends every number as a string
        query_translation=result.get("querytranslation", ""),
        warnings=describe_warnings(
            phrases_not_found=errors.get("phrasesnotfound", []),
            fields_not_found=errors.get("fieldsnotfound", []),
            phrases_ignored=warnings.get("phrasesignored", []),
            quoted_phrases_not_found=warnings.get("quotedphrasesnotfound", []),
            output_messages=warnings.get("outputmessages", []),
        ),
        ids=tuple(result.get("idlist", [])),
        webenv=result.get("webenv", ""),
        query_key=str(result.get("querykey", "")),
    )


def describe_warnings(
    *,
    phrases_not_found=(),
    fields_not_found=(),
    phrases_ignored=(),
    quoted_phrases_not_found=(),
    output_messages=(),
) -> tuple[str, ...]:
    """Return ESearch's ErrorList and WarningList entries as sentences for the user.

    NCBI puts "phrase not found" in ErrorList, but the search still runs without that
    phrase, so it is a warning here, not an exception.
    """
    sentences = []
    for phrase in phrases_not_found:
        sentences.append(f'PubMed found nothing for "{phrase}"; the search ran without it.')
    for field in fields_not_found:
        sentences.append(f'PubMed does not know the search field "{field}".')
    for phrase in phrases_ignored:
        sentences.append(f'PubMed ignored "{phrase}" (too common a word to search for).')
    for phrase in quoted_phrases_not_found:
        sentences.append(f'PubMed found nothing for the quoted phrase "{phrase}".')
    for message in output_messages:
        sentences.append(str(message).strip())
    return tuple(sentences)


def efetch_pmids(body: bytes) -> tuple[str, ...]:
    """Return the PMIDs of the articles in an EFetch PubMed XML body, in document order.

    Raise HistoryLost for an ``<eFetchResult><ERROR>`` document, which is what NCBI
    sends once the WebEnv has expired, and GarbledResponse for a body cut short.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise GarbledResponse(f"incomplete PubMed XML ({exc})") from exc
    if root.tag != "PubmedArticleSet":
        message = (root.findtext("ERROR") or "").strip()
        if message:
            raise HistoryLost(message)
        raise GarbledResponse(f"expected <PubmedArticleSet>, got <{root.tag}>")
    pmids = []
    for article in root:
        # Book chapters (PubmedBookArticle) keep their PMID under BookDocument.
        pmid = article.findtext("MedlineCitation/PMID") or article.findtext("BookDocument/PMID")
        if pmid:
            pmids.append(pmid.strip())
    return tuple(pmids)
