"""Normalisers for where a record was published: journal names (with the shared variants
list), conferences and preprint servers. Like screening.dedup.normalise, each function turns
one raw value into a comparison key; an empty key means "unknown", never "different".
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from .normalise import fold_text, strip_markup

# --- journals ----------------------------------------------------------------------

JOURNAL_STOPWORDS = frozenset({"the", "of", "and", "for", "in", "on", "de", "la", "le",
                               "der", "die", "das", "und", "et", "a", "an", "y", "del", "des",
                               "fur", "i", "e"})
_JOURNAL_SUFFIXES = re.compile(
    r"\s*(?:\.\s*conference\s*:.*|\((?:[a-z .,]+)\)\s*$)", re.IGNORECASE
)
VARIANTS_FILE = Path(__file__).parent / "data" / "journal_variants.csv"


@lru_cache(maxsize=1)
def journal_variants() -> dict[str, str]:
    """Return the variant -> canonical journal map, keyed by folded title.

    The table is bib-dedupe's ``journal_variants.csv`` (MIT), see data/README.md.
    """
    table = {}
    with VARIANTS_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            canonical = _fold_journal(row["journal"])
            variant = _fold_journal(row["title_variant"])
            if variant and canonical:
                table[variant] = canonical
    return table


def _fold_journal(text: str) -> str:
    text = _JOURNAL_SUFFIXES.sub("", strip_markup(text or "").strip().strip('"').strip())
    text = fold_text(text.replace("&", " and "))
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=65536)
def normalise_journal(value: str) -> str:
    """Return the folded journal title, mapped to its canonical form when known.

    Drops a leading "The", reads "&" as "and", strips ". Conference: ..." and
    "(Switzerland)"-style suffixes. For bilingual titles ("A = B") each part is looked up.
    """
    variants = journal_variants()
    parts = [value] + [p for p in re.split(r"\s=\s", value or "") if p != value]
    for part in parts:
        folded = _fold_journal(part)
        if folded in variants:
            return variants[folded]
    return _fold_journal(value)


_CONFERENCE = re.compile(r"\.\s*conference\s*:(.*)$", re.IGNORECASE | re.DOTALL)


def conference_name(value: str) -> str:
    """Return the folded meeting name of a "Journal.Conference: Meeting" venue, or "".

    Some databases give the meeting itself as the venue of the same abstract.
    """
    match = _CONFERENCE.search(value or "")
    return fold_text(strip_markup(match.group(1))) if match else ""


def journal_words(normalised_journal: str) -> tuple[str, ...]:
    """Return the significant words of a journal title, for abbreviation matching."""
    return tuple(w for w in normalised_journal.split() if w not in JOURNAL_STOPWORDS)


@lru_cache(maxsize=262144)
def journals_compatible(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> bool:
    """Return True when one journal title abbreviates the other.

    Every word of the shorter title must be a prefix of a word of the longer one, in
    order ("curr opin lipidol" / "current opinion in lipidology"). Run-together
    initialisms ("jpen") may match the initials of several words.
    """
    if not words_a or not words_b:
        return False
    if _is_acronym_of(words_a, words_b) or _is_acronym_of(words_b, words_a):
        return True
    if _acronym_expands(words_a, words_b) or _acronym_expands(words_b, words_a):
        return True
    short, long = sorted((words_a, words_b), key=lambda w: (len(w), w))
    if len(short) < 2 and len(long) >= 2:
        return False  # "Diabetes" is not "Diabetes Care"
    i = 0
    for word in short:
        while i < len(long) and not long[i].startswith(word):
            i += 1
        if i == len(long):
            return False
        i += 1
    return True


def _acronym_expands(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> bool:
    """Return True when ``words_a`` is ``words_b`` with a run of words written as their
    initials: "mis quarterly" / "management information systems quarterly", "journal ais"
    / "journal association information systems"."""
    for i, token in enumerate(words_a):
        k = len(token)
        if not (2 <= k <= 8 and token.isalpha()) or len(words_b) < k or len(words_a) - 1 != len(words_b) - k:
            continue
        rest = words_a[:i] + words_a[i + 1:]
        for start in range(len(words_b) - k + 1):
            window = words_b[start:start + k]
            if "".join(w[0] for w in window) == token and words_b[:start] + words_b[start + k:] == rest:
                return True
    return False


def _is_subsequence(small: str, big: str) -> bool:
    letters = iter(big)
    return all(c in letters for c in small)


def _is_acronym_of(words_a: tuple[str, ...], words_b: tuple[str, ...]) -> bool:
    """Return True when a word of ``words_a`` is an acronym of ``words_b``
    ("amcis" for "americas conference information systems")."""
    words = [w for w in words_b if not w.isdigit()]
    if len(words) < 3:
        return False
    initials = "".join(w[0] for w in words)
    return any(
        3 <= len(t) <= 8 and t[0] == initials[0] and _is_subsequence(initials, t)
        and _is_subsequence(t, "".join(words))
        for t in words_a
    )


# --- venues: conferences and preprint servers --------------------------------------------

_CONFERENCE_WORDS = re.compile(
    r"\b(?:conference|conf|proceedings|proc|symposium|symp|workshop|congress|colloquium|meeting|"
    r"summit|convention)\b|\b(?:19|20)\d\d\b|\b\d+(?:st|nd|rd|th)\b|'\d\d\b", re.IGNORECASE)
_EDITION_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_EDITION_YEAR = re.compile(r"\b((?:19|20)\d\d)\b|'(\d\d)\b")
# Words that say where a venue's proceedings appear, not which venue it is.
VENUE_NOISE = frozenset({"proceedings", "proc", "annual", "th", "st", "nd", "rd", "ed", "edition",
                         "papers", "paper", "full", "research", "track", "companion", "vol", "volume",
                         "part", "digital", "library", "ais", "electronic", "elibrary"})


@lru_cache(maxsize=65536)
def is_conference_venue(value: str) -> bool:
    """Return True when a venue names a conference or its proceedings (or carries a year or
    an edition number, as proceedings titles do)."""
    return bool(_CONFERENCE_WORDS.search(value or ""))


# Words only a journal's (or a book series') name carries, never a conference's own name.
_JOURNAL_WORDS = re.compile(
    r"\b(?:journal|transactions|quarterly|magazine|letters|annals|bulletin|acta)\b", re.IGNORECASE)


def is_journal_name(value: str) -> bool:
    """Return True when a venue that names no conference says it is a journal
    ("ACM Transactions on Computer-Human Interaction", not "CHI")."""
    return bool(_JOURNAL_WORDS.search(value or "")) and not is_conference_venue(value)


@lru_cache(maxsize=65536)
def venue_edition(value: str) -> tuple[str, str]:
    """Return the (edition number, year) a venue names, "" where it names none:
    "Proceedings of the 54th Hawaii International Conference" -> ("54", "")."""
    text = value or ""
    ordinal = _EDITION_ORDINAL.search(text)
    year = _EDITION_YEAR.search(text)
    year_text = ""
    if year:
        year_text = year.group(1) or ("20" + year.group(2))
    return (ordinal.group(1) if ordinal else "", year_text)


@lru_cache(maxsize=65536)
def venue_core(value: str) -> tuple[str, ...]:
    """Return a conference venue's naming words: no years, edition numbers, "Proceedings",
    theme after a colon kept (it may hold the acronym), stop words dropped."""
    text = fold_text((value or "").replace("&", " and "))
    return tuple(
        w for w in text.split()
        if w not in JOURNAL_STOPWORDS and w not in VENUE_NOISE and not any(c.isdigit() for c in w)
    )


@lru_cache(maxsize=65536)
def venues_compatible(core_a: tuple[str, ...], core_b: tuple[str, ...]) -> bool:
    """Return True when two conference venues name the same conference: one's words are
    all in the other's ("ICIS" and "ICIS: Transforming Society"), one is an acronym of
    the other ("ICSE" and "International Conference on Software Engineering"), or one
    abbreviates the other."""
    if not core_a or not core_b:
        return False
    short, long = sorted((core_a, core_b), key=len)
    if set(short) <= set(long):
        return True
    if journals_compatible(core_a, core_b):
        return True
    # The acronym may stand for a run of the long name's words, with a place or a theme
    # around it ("International Conference on Information Systems, Munich").
    for acronym_side, name in ((core_a, core_b), (core_b, core_a)):
        for start in range(len(name)):
            for end in range(start + 3, len(name) + 1):
                if _is_acronym_of(acronym_side, name[start:end]):
                    return True
    return False


PREPRINT_SERVERS = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|chemrxiv|techrxiv|psyarxiv|socarxiv|edarxiv|eartharxiv|engrxiv|"
    r"ssrn|research square|preprints org|osf preprints|preprint|preprints|working paper|"
    r"nber working|repec)\b"
)
_PREPRINT_DOI = re.compile(
    r"^10\.(?:48550/|2139/ssrn|21203/rs\.|36227/techrxiv|31234/|31235/|31219/|20944/preprints|"
    r"26434/chemrxiv|1101/(?:\d{4}\.\d{2}\.\d{2}\.|\d{6,}$))"
)


def is_preprint(journal: str, dois: tuple[str, ...], publication_type: str = "") -> bool:
    """Return True for a record from a preprint server or a working-paper series."""
    if any(_PREPRINT_DOI.match(d) for d in dois):
        return True
    return _is_preprint_venue(journal) or bool(publication_type and _is_preprint_venue(publication_type))


@lru_cache(maxsize=65536)
def _is_preprint_venue(text: str) -> bool:
    return bool(PREPRINT_SERVERS.search(fold_text(text)))
