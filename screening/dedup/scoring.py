"""Compare two records: duplicate, maybe (human review) or distinct.

A field missing on either side is unknown: it neither supports nor contradicts a match.
Vetoes run first and keep distinct works apart; the rules then ask for a similar title
plus independent positive evidence before merging automatically.

Rule names, as stored in ``Reason.rule``:

- duplicate: ``same_pages_volume_year`` (same full page range, volume and year, and a
  similar title or the same authors), ``identifier_and_title`` (same DOI or PMID and
  title >= 0.9), ``title_authors_and_details`` (title >= 0.95, authors >= 0.8 and two
  agreeing details among pages, volume, journal, year, abstract),
  ``close_title_authors_and_details`` (title >= 0.9, authors >= 0.9, three details),
  ``title_and_details`` (identical title, no authors on one side, three details).
- maybe: ``similar_title``, ``identifier_weak_title``, ``changed_title`` (title >= 0.75
  with the same three or more authors, journal and year), the soft vetoes below when
  title and authors agree and only one detail conflicts, and ``veto_supplements`` when
  title, authors and year (±1) agree.
- vetoes: ``veto_kind_*`` (erratum, retraction notice, reply or comment vs article),
  ``veto_title_numbers`` (Part 1 / Part 2, phase 2 / 3), ``veto_pmid``, ``veto_doi``,
  ``veto_generic_title`` ("Editorial"), ``veto_authors``, ``veto_year`` (more than one
  year apart), ``veto_pages``, ``veto_volume``, ``veto_supplements`` (two supplements
  of different journals), plus ``low_title``, ``missing_title`` and ``weak_evidence``
  (also: only title and year known, and the title below 0.98, or below 0.95 in the
  same year).
- ``chain_guard:<rule>`` (set by the engine): a duplicate pair that would have joined
  two records a veto keeps apart, or grown a group past its size limit.
"""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from . import venues
from .keys import RecordKeys

DUPLICATE = "duplicate"
MAYBE = "maybe"
DISTINCT = "distinct"


@dataclass(frozen=True, slots=True)
class Comparison:
    outcome: str
    rule: str
    score: float
    scores: tuple[tuple[str, float], ...]


def title_similarity(a: RecordKeys, b: RecordKeys) -> float:
    """Return 0..1; 1 for titles equal once spaces are ignored.

    A title cut off by one database (at least 50 characters kept) counts as 0.97.
    """
    if not a.title or not b.title:
        return 0.0
    if a.title_nospace == b.title_nospace:
        return 1.0
    short, long = sorted((a.title_nospace, b.title_nospace), key=len)
    if len(short) >= 50 and long.startswith(short):
        return 0.97
    best = max(fuzz.ratio(a.title, b.title), fuzz.ratio(a.title_nospace, b.title_nospace))
    if a.title_short or b.title_short:
        # "Atypical Hemolytic Uremic Syndrome (aHUS)" against "aHUS".
        for x in {a.title, a.title_short} - {""}:
            for y in {b.title, b.title_short} - {""}:
                best = max(best, fuzz.ratio(x, y))
    return best / 100


def title_contains_other(a: RecordKeys, b: RecordKeys, min_words: int = 3) -> bool:
    """Return True when one title is the other's main title or subtitle: the other holds it
    whole, word for word ("Unilateral neglect in stroke" and "... in stroke: a comparative
    study")."""
    short, long = sorted((a.title, b.title), key=len)
    if len(short.split()) < min_words or short == long:
        return short == long and bool(short)
    return long.startswith(short + " ") or long.endswith(" " + short)


def author_similarity(a: RecordKeys, b: RecordKeys) -> float | None:
    """Return 0..1 for the author lists, or None when either side has none.

    The first surnames count most; a list truncated by one source is not penalised.
    """
    if not a.surnames or not b.surnames:
        return None
    x, y = a.surnames[0], b.surnames[0]
    first = JaroWinkler.similarity(x, y)
    if first < 0.95 and min(len(x), len(y)) >= 4 and (x in y or y in x):
        first = 0.95  # one source kept only part of a compound surname
    if first < 0.9 and len(a.surnames) > 1 and len(b.surnames) > 1:
        # Transposed or swapped name parts: compare the sets instead.
        first = max(first, 0.9 if a.surnames[0] in b.surnames[:2] and b.surnames[0] in a.surnames[:2] else 0)
    count = min(len(a.surnames), len(b.surnames), 10)
    rest = fuzz.token_set_ratio(" ".join(a.surnames[:count]), " ".join(b.surnames[:count])) / 100
    return round(0.6 * first + 0.4 * rest, 4)


def pages_relation(a: RecordKeys, b: RecordKeys) -> str:
    """Return "same", "conflict" or "" (unknown) for the page ranges."""
    if not a.page_start or not b.page_start:
        return ""
    if a.page_start == b.page_start:
        return "same"
    # A parser that lost the volume shifts the rest by one: volume "" issue "26" pages "9"
    # for volume 26, issue 9. Such pages say nothing.
    for x, y in ((a, b), (b, a)):
        if not x.volume and x.issue and x.issue == y.volume and x.page_start == y.issue:
            return ""
    # An online-first record often restarts at page 1 before it has a volume, and an
    # electronic article number ("e12724") cannot be compared with printed pages.
    if ("1" in (a.page_start, b.page_start)) and (not a.volume or not b.volume):
        return ""
    if a.article_number != b.article_number:
        return ""
    # One range inside the other ("488" and "487-488") is a shortened citation;
    # ranges that only touch at a boundary are consecutive articles.
    a_end, b_end = int(a.page_end or a.page_start), int(b.page_end or b.page_start)
    a_start, b_start = int(a.page_start), int(b.page_start)
    if (a_start <= b_start and b_end <= a_end) or (b_start <= a_start and a_end <= b_end):
        return ""
    return "conflict"


def volume_relation(a: RecordKeys, b: RecordKeys) -> str:
    """Return "same", "conflict" or "" for the volumes.

    A volume equal to the other record's supplement number ("1" against "16, Suppl. 1")
    is a parser's mistake, not a conflict.
    """
    relation = _relation(a.volume, b.volume)
    if relation == "conflict" and (
        (a.volume and a.volume == b.supplement_number)
        or (b.volume and b.volume == a.supplement_number)
    ):
        return ""
    return relation


def _relation(x, y) -> str:
    if not x or not y:
        return ""
    return "same" if x == y else "conflict"


def journal_relation(a: RecordKeys, b: RecordKeys) -> str:
    if a.issns and b.issns and set(a.issns) & set(b.issns):
        return "same"
    if not a.journal or not b.journal:
        return ""
    if a.conference_venue and b.conference_venue and editions_conflict(a.venue_edition, b.venue_edition):
        return "conflict"  # the 54th and the 55th meeting of one conference
    if a.journal == b.journal or venues.journals_compatible(a.journal_words, b.journal_words):
        return "same"
    # Word order and spelling may differ; an extra word may not ("Diabetes" is not
    # "Diabetes Care").
    if fuzz.token_sort_ratio(a.journal, b.journal) >= 90:
        return "same"
    # "J Thromb Haemost.Conference: 23rd ISTH Congress" against the congress itself.
    for x, y in ((a.conference, b.journal), (b.conference, a.journal)):
        if x and len(y) >= 20 and fuzz.ratio(x, y) >= 90:
            return "same"
    # Proceedings go by many names: "ICIS 2019 Proceedings", "International Conference on
    # Information Systems", "ICIS: Transforming Society with Digital Innovation".
    # A journal is never its conference, though the conference's acronym may spell some of the
    # journal's words ("CHI" and "Transactions on Computer-Human Interaction").
    if (a.conference_venue or b.conference_venue) and not (a.journal_name or b.journal_name) and (
        venues.venues_compatible(a.venue_core or a.journal_words, b.venue_core or b.journal_words)
    ):
        return "same"
    return "conflict"


def _journal_version_of_proceedings_paper(a: RecordKeys, b: RecordKeys) -> bool:
    """True when one record is a paper in proceedings (a conference venue with no volume, so
    not an abstract in a journal's supplement), the other a later journal article (volume or
    pages known), and the author lists differ in length."""
    for paper, article in ((a, b), (b, a)):
        if (paper.conference_venue and not paper.volume and not paper.supplement
                and not article.conference_venue and (article.volume or article.page_start)
                and paper.year and article.year and article.year > paper.year
                and paper.surnames and article.surnames and len(paper.surnames) != len(article.surnames)):
            return True
    return False


def editions_conflict(x: tuple[str, str], y: tuple[str, str]) -> bool:
    """Return True when two venues name different editions (numbers or years)."""
    return any(p and q and p != q for p, q in zip(x, y))


def identifier_relation(x: tuple[str, ...], y: tuple[str, ...]) -> str:
    if not x or not y:
        return ""
    return "same" if set(x) & set(y) else "conflict"


def compare(a: RecordKeys, b: RecordKeys) -> Comparison:
    """Return the outcome for one pair, with the rule that decided it."""
    title = title_similarity(a, b)
    doi = identifier_relation(a.dois, b.dois)
    pmid = _relation(a.pmid, b.pmid)
    pages = pages_relation(a, b)
    volume = volume_relation(a, b)
    issue = _relation(a.issue, b.issue) if volume == "same" else ""
    if title < 0.6 and "same" not in (doi, pmid) and not (pages == volume == "same"):
        # Most candidate pairs end here; nothing below could rescue them.
        return Comparison(DISTINCT, "low_title", round(0.55 * title, 4), (("title", round(title, 4)),))
    authors = author_similarity(a, b)
    year_gap = abs(a.year - b.year) if a.year and b.year else None
    journal = journal_relation(a, b)
    abstract = (
        fuzz.ratio(a.abstract, b.abstract) / 100 if a.abstract and b.abstract else None
    )
    scores = [("title", round(title, 4))]
    if authors is not None:
        scores.append(("authors", authors))
    if abstract is not None:
        scores.append(("abstract", round(abstract, 4)))
    for name, value in (("doi", doi), ("pmid", pmid), ("pages", pages),
                        ("volume", volume), ("journal", journal)):
        if value:
            scores.append((name, 1.0 if value == "same" else 0.0))
    if year_gap is not None:
        scores.append(("year_gap", float(year_gap)))
    scores = tuple(scores)

    agreements = sum(
        1 for v in (pages, volume, journal) if v == "same"
    ) + (year_gap == 0) + (abstract is not None and abstract >= 0.9)
    score = round(
        0.55 * title + 0.25 * (authors if authors is not None else 0.5)
        + 0.04 * min(agreements, 5), 4
    )

    def result(outcome: str, rule: str) -> Comparison:
        return Comparison(outcome, rule, score, scores)

    same_id = doi == "same" or pmid == "same"
    # The same full page range in the same volume and year locates one article.
    same_place = (
        pages == "same" and volume == "same" and year_gap == 0
        and a.page_end == b.page_end and a.page_end not in ("", a.page_start)
        and journal != "conflict"
    )
    # Vetoes: evidence that these are two different works.
    if a.kind != b.kind:
        # An erratum or reply next to its article is worth a human look (some
        # reviews count a corrected version as the same record), never a merge.
        related = same_place or same_id or (
            journal == "same" and (year_gap is None or year_gap <= 1)
        )
        outcome = MAYBE if title >= 0.9 and related else DISTINCT
        return result(outcome, f"veto_kind_{a.kind or 'article'}_{b.kind or 'article'}")
    if a.title_numbers != b.title_numbers and a.title_numbers and b.title_numbers and not (
        same_place and title >= 0.9
    ):
        return result(DISTINCT, "veto_title_numbers")
    both_titled = bool(a.title and b.title)
    strong_match = title >= 0.95 and (authors is None or authors >= 0.9)
    # One conflicting detail may be a data error worth a human look; two or more
    # (other year and volume, other pages and journal) mean another publication.
    conflicts = (year_gap is not None and year_gap > 1) + sum(
        1 for v in (pages, volume, journal) if v == "conflict"
    )
    soft = MAYBE if strong_match and conflicts <= 1 else DISTINCT
    if a.preprint or b.preprint:
        # A preprint and its published version: another DOI, venue and year are expected;
        # the same title and the same authors make them one work.
        preprint_year, other_year = (a.year, b.year) if a.preprint else (b.year, a.year)
        in_order = not (preprint_year and other_year) or -1 <= other_year - preprint_year <= 5
        if (title >= 0.95 and authors is not None and authors >= 0.9 and in_order
                and pmid != "conflict" and not (a.preprint and b.preprint and doi == "conflict")):
            return result(DUPLICATE, "preprint_and_version")
        if title >= 0.9 and authors is not None and authors >= 0.8 and in_order:
            return result(MAYBE, "preprint_similar")
    if (a.recurring or b.recurring) and (
        (year_gap is not None and year_gap > 0) or issue == "conflict" or journal == "conflict"
    ):
        # "Introduction to the minitrack on X" comes back with each year's conference.
        return result(DISTINCT, "veto_recurring")
    if pmid == "conflict":
        return result(soft, "veto_pmid")
    if doi == "conflict":
        return result(soft, "veto_doi")
    if a.generic or b.generic:
        # "Editor's Comments" in every issue: only the same identifier or the same place
        # (volume, issue and pages) makes two of them one.
        if (same_id and title == 1.0 and year_gap in (None, 0) and "conflict" not in (volume, issue)
                and (authors is None or authors >= 0.9)):
            return result(DUPLICATE, "generic_title_same_identifier")
        if not (pages == "same" and volume == "same" and issue != "conflict"):
            return result(MAYBE if title == 1.0 and same_id else DISTINCT, "veto_generic_title")
    if a.supplement and b.supplement and journal == "conflict":
        # The same abstract printed in two journals' supplements is two records; when
        # title, authors and year agree a human may still want to see it.
        near = strong_match and authors is not None and (year_gap is None or year_gap <= 1)
        return result(MAYBE if near else DISTINCT, "veto_supplements")
    if same_place and both_titled and (authors is None or authors >= 0.9 or title >= 0.95):
        if title >= 0.8 or title_contains_other(a, b):
            return result(DUPLICATE, "same_pages_volume_year")
        if authors is not None and authors >= 0.9:
            # The same place and authors under another title: one title translated
            # ("[...]" is MEDLINE's mark), or two articles of one author in issues that each
            # start at page 1, which only a person can tell apart.
            if a.translated or b.translated:
                return result(DUPLICATE, "same_pages_volume_year")
            if issue == "conflict":
                return result(DISTINCT, "veto_other_title_other_issue")
            return result(MAYBE, "same_pages_other_title")
    if (title == 1.0 and authors is not None and authors >= 0.9 and volume == "same" and issue == "same"
            and pages == "same" and a.page_end == b.page_end and a.page_end not in ("", a.page_start)
            and (year_gap is None or year_gap <= 1) and not same_place):
        # The same title and authors at the same full page range of the same volume and issue
        # are one article, whatever the journal is called ("Nephron" and "Nephron Clinical
        # Practice", a section and its journal) and whether the online or the print year is given.
        return result(DUPLICATE, "same_article_place")
    if title < 0.6 and not same_id:
        return result(DISTINCT, "low_title")
    if not both_titled:
        return result(MAYBE if same_id else DISTINCT, "missing_title")
    if authors is not None and authors < 0.5 and not (same_id and title >= 0.95):
        return result(DISTINCT, "veto_authors")
    if year_gap is not None and year_gap > 1:
        return result(soft, "veto_year")
    if journal == "conflict" and _journal_version_of_proceedings_paper(a, b):
        # A proceedings paper and the journal article that extends it a year or more later
        # with other authors on it: two publications, which reviews count as two records.
        return result(DISTINCT, "veto_journal_version")
    if pages == "conflict":
        # Different start pages: consecutive articles, or one abstract printed twice.
        return result(soft, "veto_pages")
    if volume == "conflict" and not (pages == "same" and year_gap == 0):
        # Parsers put a supplement number in the volume field ("1" for "Suppl. 1");
        # the same start page in the same year outweighs that.
        return result(soft, "veto_volume")

    # Rules: similar title plus independent positive evidence.
    authors_ok = authors is None or authors >= 0.8
    if same_id and title >= 0.9 and authors_ok:
        return result(DUPLICATE, "identifier_and_title")
    if (title >= 0.95 and authors is not None and authors >= 0.8 and agreements >= 2
            and journal != "conflict"):
        return result(DUPLICATE, "title_authors_and_details")
    if title >= 0.9 and authors is not None and authors >= 0.9 and agreements >= 3:
        return result(DUPLICATE, "close_title_authors_and_details")
    if title == 1.0 and authors is None and agreements >= 3:
        return result(DUPLICATE, "title_and_details")
    # Conference papers carry few details: the same title and authors in the same venue,
    # dated at most a year apart (meeting and proceedings years), with nothing against.
    if (title >= 0.95 and authors is not None and authors >= 0.9 and journal == "same"
            and (year_gap is None or year_gap <= 1)):
        return result(DUPLICATE, "title_authors_venue")
    # With nothing known but the title and year, the title alone must nearly match.
    title_only = (authors is None and abstract is None and not same_id
                  and not (pages or volume or journal))
    if title_only and not (title >= 0.98 or (title >= 0.95 and year_gap == 0)):
        return result(DISTINCT, "weak_evidence")
    if title >= 0.85 and (authors is None or authors >= 0.6) and (
        journal != "conflict" or title >= 0.93
    ):
        return result(MAYBE, "similar_title")
    # A title changed between versions: the same long author list, journal and year.
    if (title >= 0.75 and authors is not None and authors >= 0.95 and journal == "same"
            and year_gap == 0 and min(len(a.surnames), len(b.surnames)) >= 3):
        return result(MAYBE, "changed_title")
    if same_id and title >= 0.7:
        return result(MAYBE, "identifier_weak_title")
    return result(DISTINCT, "weak_evidence")
