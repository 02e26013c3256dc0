"""Comparison keys computed once per record."""
from __future__ import annotations

from dataclasses import dataclass

from . import normalise as n
from . import venues
from .notices import NoticeFacts, notice_facts
from .records import DedupRecord


@dataclass(frozen=True, slots=True)
class RecordKeys:
    title: str
    title_nospace: str
    title_short: str
    title_numbers: tuple[str, ...]
    kind: str
    generic: bool
    translated: bool
    recurring: bool
    surnames: tuple[str, ...]
    first_initial: str
    year: int | None
    journal: str
    journal_words: tuple[str, ...]
    conference: str
    conference_venue: bool
    journal_name: bool
    venue_core: tuple[str, ...]
    venue_edition: tuple[str, str]
    preprint: bool
    issns: tuple[str, ...]
    volume: str
    issue: str
    page_start: str
    page_end: str
    article_number: bool
    supplement: bool
    supplement_number: str
    dois: tuple[str, ...]
    pmid: str
    abstract: str
    notice: NoticeFacts


def record_keys(record: DedupRecord) -> RecordKeys:
    """Return the normalised comparison keys for one record."""
    title = n.normalise_title(record.title)
    journal = venues.normalise_journal(record.journal)
    start, end = n.normalise_pages(record.pages)
    dois = n.normalise_dois(record.doi)
    conference_venue = venues.is_conference_venue(record.journal)
    generic = n.is_generic_title(title)
    notice = notice_facts(record.title, record.publication_type, record.related, record.abstract)
    first_initial = ""
    for name in record.authors:
        surname, initials = n.parse_author(name)
        if surname:
            first_initial = initials[:1]
            break
    return RecordKeys(
        title=title,
        title_nospace=title.replace(" ", ""),
        title_short=n.collapse_acronyms(record.title),
        title_numbers=n.title_numbers(title),
        # A notice's kind keeps it from merging with its article; the publication type
        # and MEDLINE's fields can say so when the title does not.
        kind=n.title_kind(record.title) or notice.kind,
        generic=generic,
        recurring=n.is_recurring_title(title, generic),
        translated=n.is_translated_title(record.title),
        surnames=n.author_surnames(record.authors),
        first_initial=first_initial,
        year=n.normalise_year(record.year),
        journal=journal,
        journal_words=venues.journal_words(journal),
        conference=venues.conference_name(record.journal),
        conference_venue=conference_venue,
        journal_name=venues.is_journal_name(record.journal),
        venue_core=venues.venue_core(record.journal) if conference_venue else (),
        venue_edition=venues.venue_edition(record.journal) if conference_venue else ("", ""),
        preprint=venues.is_preprint(record.journal, dois, record.publication_type),
        issns=n.normalise_issns(record.issn),
        volume=n.normalise_volume(record.volume),
        issue=n.normalise_volume(record.issue),
        page_start=start,
        page_end=end,
        article_number=n.is_article_number(record.pages),
        supplement=n.is_supplement(record.volume, record.issue, record.pages),
        supplement_number=n.supplement_number(record.volume, record.issue),
        dois=dois,
        pmid=n.normalise_pmid(record.pmid),
        abstract=n.fold_text(record.abstract[:600])[:500],
        notice=notice,
    )
