"""Normalisers that turn raw bibliographic values into comparison keys.

Each function takes one raw value and returns a key; raw values are kept elsewhere for
display and merging. An empty key ("", None or ()) means "unknown", never "different".
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

# --- text -------------------------------------------------------------------------

GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma",
    "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi",
    "ω": "omega", "µ": "mu",
}
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_NON_ALNUM = re.compile(r"[\W_]+")


def strip_markup(text: str) -> str:
    """Decode HTML entities (twice, for double-escaped input) and drop tags."""
    text = text or ""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" not in text:
        return text
    return _TAG.sub("", text)


_GREEK_NAMES = str.maketrans({c: f" {name} " for c, name in GREEK.items()})
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_text(text: str) -> str:
    """Return lower-case words separated by single spaces.

    Markup is removed, Greek letters become their names, diacritics are dropped and
    punctuation becomes a space (so "post-operative" gives "post operative").
    """
    text = strip_markup(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        # Ligatures and Greek letters after NFKD: "ǽ" only becomes "æ", and "ἀ" only "α",
        # once its accent is split off.
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).translate(_LIGATURES)
        text = text.translate(_GREEK_NAMES)
    else:
        text = text.lower()
    return _NON_ALNUM.sub(" ", text).strip()


# --- titles ------------------------------------------------------------------------

ROMAN = {
    "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8,
    "ix": 9, "x": 10, "xi": 11, "xii": 12,
}
# "i", "v" and "x" are ordinary words too; convert them only after these markers.
_AMBIGUOUS_ROMAN = {"i", "v", "x"}
NUMBER_MARKERS = {"part", "phase", "type", "stage", "class", "grade", "study", "trial",
                  "volume", "vol", "no", "series", "section", "chapter", "report"}
LANGUAGES = (
    "chinese", "german", "french", "spanish", "russian", "japanese", "italian", "polish",
    "portuguese", "dutch", "czech", "hungarian", "turkish", "korean", "danish", "swedish",
    "norwegian", "finnish", "hebrew", "greek", "croatian", "serbian", "slovak", "persian",
    "romanian", "bulgarian", "ukrainian", "lithuanian", "slovenian", "arabic", "icelandic",
    "estonian", "afrikaans", "thai", "vietnamese", "indonesian", "malay", "latvian",
)
_LANGUAGE_TAG = re.compile(
    r"[\s.]*[\[(](?:" + "|".join(LANGUAGES) + r")(?:[ ,;]+(?:with )?\w+(?: abstract)?)*[\])]\s*\.?\s*$",
    re.IGNORECASE,
)
_TRAILING_LANGUAGE = re.compile(r"\.\s+(?:" + "|".join(LANGUAGES) + r")\s*\.?\s*$", re.IGNORECASE)
_TITLE_SUFFIXES = re.compile(
    r"[\s.]*(?:\((?:review|reprint|abstract|provisional abstract|structured abstract|"
    r"multiple letters)\)|\[(?:review|\d+\s*refs?|\d+|multiple letters|editorial|letter)\]|"
    r"review\s*\d+\s*refs?|"
    r"(?<=[.\s\]])\s*\[?(?:erratum|errata|comment|comments|retraction|retracted|update|"
    r"corrected and republished|summary for patients)(?:\s+appears?)?\s+in\b.*|"
    r"\(retracted article[^)]*\))\s*\.?\s*$",
    re.IGNORECASE,
)
# Correction notices cite the corrected article: "(vol 360, pg 542, 2009)" in Web of
# Science, "(Journal (2009) 360 (542-544))" in Embase.
_CORRECTION_CITATION = re.compile(
    r"\s*\((?:vol\.?\s*\d+[^)]*\bpg?\.?\s*\w+[^)]*|[^()]*\(\d{4}\)\s*\d+\s*\(\s*[\w-]+\s*\))\)\s*\.?\s*$",
    re.IGNORECASE,
)
_TITLE_PREFIXES = re.compile(r"^\s*(?:retracted|withdrawn|reprint)\s*[:.]\s*", re.IGNORECASE)


@lru_cache(maxsize=65536)
def clean_title(title: str) -> str:
    """Strip the wrappers databases add around the same title.

    Removes MEDLINE's ``[...]`` around translated titles, trailing language tags
    ("[Chinese]", ". Russian"), "(Review)", "Erratum in ..." style notes and the
    "RETRACTED:" / "WITHDRAWN:" prefixes that mark the article itself.
    """
    title = strip_markup(title).strip()
    if title.endswith(")"):
        title = _CORRECTION_CITATION.sub("", title)
    for _ in range(4):
        before = title
        # The suffix patterns are anchored at the end; searching only the tail keeps
        # them linear on long titles.
        head, tail = title[:-160], title[-160:]
        tail = _LANGUAGE_TAG.sub("", tail)
        tail = _TRAILING_LANGUAGE.sub("", tail)
        tail = _TITLE_SUFFIXES.sub("", tail)
        title = _TITLE_PREFIXES.sub("", head + tail)
        title = title.strip().rstrip(".").strip()
        if title.startswith("[") and title.endswith("]") and title.count("[") == 1:
            title = title[1:-1].strip()
        elif title.startswith("[") and title.count("[") == 1 and "]" in title[-3:]:
            title = title[1:title.rindex("]")].strip()
        if title == before:
            break
    return title


_KIND_PREFIX = re.compile(
    r"^(?:erratum|errata|corrigendum|correction|retraction(?: notice)?|notice of retraction|"
    r"reply|in reply|response|comment|(?:editorial )?expression of concern)(?:\s+(?:to|for|of|on))?\s*[:.\-–]\s*",
    re.IGNORECASE,
)
_KIND_SUFFIX = re.compile(r"\s*[-–:.]\s*(?:reply|authors?'? reply|response)\s*$", re.IGNORECASE)


def normalise_title(title: str) -> str:
    """Return the folded title with Roman numerals as Arabic numbers.

    The "Erratum:" / "- Reply" labels are dropped here so that a notice can be
    compared with its article; ``title_kind`` keeps them apart.
    """
    title = _KIND_SUFFIX.sub("", _KIND_PREFIX.sub("", clean_title(title)))
    words = fold_text(title).split()
    out = []
    for i, word in enumerate(words):
        if word in ROMAN and (
            word not in _AMBIGUOUS_ROMAN or (i > 0 and words[i - 1] in NUMBER_MARKERS)
        ):
            word = str(ROMAN[word])
        out.append(word)
    return " ".join(out)


_ACRONYM = re.compile(r"\(([A-Za-z]{2,8})\)")


def collapse_acronyms(title: str) -> str:
    """Return the title with each spelled-out term that is followed by its acronym
    replaced by the acronym alone, or "" when there is none.

    "Therapy in Atypical Hemolytic Uremic Syndrome (aHUS)" becomes "Therapy in aHUS",
    so that it can be compared with a title that only uses the acronym. The acronym's
    letters must be the initials of the words just before it.
    """
    text = title or ""
    changed = False
    for match in reversed(list(_ACRONYM.finditer(text))):
        acronym = match.group(1)
        before = text[: match.start()].rstrip()
        words = list(re.finditer(r"[^\s\-–]+", before))
        k = len(acronym)
        if len(words) < k:
            continue
        initials = "".join(w.group(0)[0] for w in words[-k:]).casefold()
        if initials != acronym.casefold():
            continue
        text = before[: words[-k].start()] + acronym + text[match.end():]
        changed = True
    return normalise_title(text) if changed else ""


_DIGITS = re.compile(r"\d+")


def title_numbers(normalised_title: str) -> tuple[str, ...]:
    """Return the sorted numbers in a normalised title, without leading zeros.

    "Part 1" vs "Part 2", "phase 2" vs "phase 3" and "Case 22-1991" vs "Case 23-1991"
    differ here even when the titles are 97 % similar.
    """
    return tuple(sorted(n.lstrip("0") or "0" for n in _DIGITS.findall(normalised_title)))


KIND_PATTERNS = (
    ("erratum", re.compile(r"^(?:erratum|errata|corrigend|correction|corrections)\b|"
                           r"\b(?:erratum|corrigendum) (?:to|for|on)\b|^correction (?:to|of)\b|"
                           r"^notice of correction|\berratum\s*$|\bcorrigendum\s*$")),
    ("retraction", re.compile(r"^(?:retraction|notice of retraction|retraction notice)\b|"
                              r"\bretraction (?:of|notice|note)\b|\bretraction\s*$")),
    ("expression_of_concern", re.compile(r"\bexpression of concern\b")),
    ("reply", re.compile(r"^(?:reply|in reply|response|authors reply|author reply|the authors reply)\b|"
                         r"\b(?:reply|response) to\b|\bauthors? reply\b|\breply\s*$")),
    ("comment", re.compile(r"^(?:comment|commentary|comments) (?:on|to|about|regarding)\b|"
                           r"^re\b|\bcomment on\b|\beditorial comment\b|\bcommentary\s*$|\bcomment\s*$")),
)


_KIND_WORDS = re.compile(r"errat|corrig|correct|retract|reply|respon|comment|concern|^re\b")


def title_kind(title: str) -> str:
    """Return "erratum", "retraction", "expression_of_concern", "reply", "comment" or ""
    for an ordinary work.

    The kind is read from the raw title after removing the notes that databases append
    ("Erratum in ...", "Comment in ..."), which describe other records, and the
    "RETRACTED:" prefix, which marks the retracted article itself.
    """
    raw = strip_markup(title).rstrip(" .")
    if raw.endswith(")") and _CORRECTION_CITATION.search(raw):
        return "erratum"
    text = fold_text(clean_title(title))
    if not _KIND_WORDS.search(text):
        return ""
    for kind, pattern in KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return ""


GENERIC_TITLES = frozenset({
    "editorial", "introduction", "in this issue", "correspondence", "book review",
    "book reviews", "news", "abstracts", "abstract", "letter", "letters",
    "letter to the editor", "letters to the editor", "preface", "foreword", "commentary",
    "editorial comment", "editors note", "editor s note", "reply", "in reply",
    "authors reply", "response", "erratum", "errata", "correction", "corrigendum",
    "comment", "comments", "guest editorial", "announcements", "obituary", "index",
    "contents", "table of contents", "poster session", "poster sessions", "oral presentations",
    "conference abstracts", "meeting abstracts", "summary", "overview", "highlights",
    "retraction", "notice of retraction", "retraction notice", "untitled", "no title",
    "reviewers", "acknowledgement", "acknowledgements", "acknowledgment", "case report",
    "case reports", "introduction to the special issue", "editors introduction",
})


# Words that make up the titles of recurring items (columns, editorials, introductions to
# an issue or a track): a title made only of these names no particular work.
COLUMN_WORDS = frozenset({
    "a", "an", "and", "the", "of", "to", "from", "for", "in", "on", "at", "by", "our", "this", "these", "with",
    "s", "editor", "editors", "editorial", "editorials", "chief", "in-chief", "desk", "comments", "comment",
    "remarks", "note", "notes", "message", "messages", "letter", "letters", "word", "words", "welcome", "preface",
    "foreword", "introduction", "introductory", "special", "issue", "issues", "section", "sections", "track",
    "tracks", "minitrack", "minitracks", "volume", "year", "new", "book", "books", "review", "reviews",
    "reviewed", "information", "announcement", "announcements", "news", "call", "papers", "reviewers",
    "acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments", "thanks", "obituary", "memoriam",
    "index", "contents", "table", "front", "back", "matter", "cover", "masthead", "president", "presidents",
    "chair", "chairs", "general", "program", "committee", "conference", "guest", "overview", "summary",
    "highlights", "statement", "perspective", "column", "corner", "forum", "errata", "erratum", "correction",
    "corrigendum"
})
# Recurring framing pieces whose titles also name a topic: "Introduction to the minitrack on
# X" comes back every year with the same words.
_RECURRING_PREFIX = re.compile(
    r"^(?:introduction|introductory|preface|foreword|editorial|welcome|message|overview|guest editorial)"
    r"(?: note| remarks| message)? (?:to|for|of|on|from) (?:the |this )?"
    r"(?:special issue|special section|minitrack|mini track|track|workshop|symposium|issue|section|"
    r"focus issue|forum|volume|editors?|chairs?|program chairs|conference)\b"
)


def is_generic_title(normalised_title: str) -> bool:
    """Return True for titles that many different works share ("Editorial", "Editor's
    Comments", "Remarks from the Editor"): short, or made only of column words."""
    if normalised_title in GENERIC_TITLES or len(normalised_title) < 12:
        return True
    words = normalised_title.split()
    return all(w in COLUMN_WORDS or w.isdigit() for w in words)


def is_translated_title(title: str) -> bool:
    """Return True for a title marked as translated: MEDLINE's "[...]", an "<ORIGINAL>"
    part, or a trailing language tag ("[Chinese]")."""
    text = strip_markup(title or "").strip().lstrip('"').strip()
    if text.startswith("[") or "<original>" in text.casefold():
        return True
    return text.rstrip(" .").endswith(("]", ")")) and bool(_LANGUAGE_TAG.search(text[-60:]))


def is_recurring_title(normalised_title: str, generic: bool | None = None) -> bool:
    """Return True for the framing pieces that recur issue after issue or year after year
    ("Introduction to the minitrack on ...", "Editorial to the special issue on ..."),
    generic titles included."""
    if generic is None:
        generic = is_generic_title(normalised_title)
    return generic or bool(_RECURRING_PREFIX.match(normalised_title))


# --- identifiers -------------------------------------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_TAIL = ".,;:)]}>\"'"


def normalise_dois(value: str) -> tuple[str, ...]:
    """Return every valid DOI in a field, lower-cased, sorted and without duplicates.

    Handles URL forms, "doi:" prefixes, URL-encoding, PubMed's " [doi]" suffix and
    several DOIs in one field.
    """
    if not value:
        return ()
    text = unquote(value).casefold()
    text = re.sub(r"\[(?:doi|pii)\]", " ", text)
    found = set()
    for match in _DOI.finditer(text):
        doi = match.group(0).rstrip(_DOI_TAIL)
        if doi.count("(") < doi.count(")"):
            doi = doi.rstrip(")")
        found.add(doi)
    return tuple(sorted(found))


def normalise_pmid(value: str) -> str:
    """Return the PMID as digits without leading zeros, or "" if there is none."""
    digits = re.sub(r"\D", "", value or "")
    digits = digits.lstrip("0")
    return digits if 1 <= len(digits) <= 9 else ""


def normalise_issns(values) -> tuple[str, ...]:
    """Return the valid ISSNs (8 characters, no hyphen, upper-case X) found in values."""
    if isinstance(values, str):
        values = (values,)
    found = set()
    for value in values or ():
        for match in re.finditer(r"\b(\d{4})-?(\d{3}[\dxX])\b", value or ""):
            found.add((match.group(1) + match.group(2)).upper())
    return tuple(sorted(found))


# --- pages, volume, issue ----------------------------------------------------------

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_EXCEL_DATE = re.compile(r"^(\d{1,2})-([a-z]{3})$|^([a-z]{3})-(\d{1,2})$")
_PAGE_NUMBER = re.compile(r"[a-z]*0*(\d+)[a-z]*", re.IGNORECASE)


def _page_number(token: str) -> str:
    """Return the digits of one page token: "S12" -> "12", "e0123456" -> "123456"."""
    match = _PAGE_NUMBER.fullmatch(token.strip())
    return match.group(1) if match else ""


def normalise_pages(value: str) -> tuple[str, str]:
    """Return ``(start, end)`` page numbers as digit strings ("" when unknown).

    ``123-9`` becomes ("123", "129"), ``S12-S14`` becomes ("12", "14"), an article
    number ("e0123456") is the start page, ``211-211`` is ("211", "211") and Excel's
    date artefacts ("08-Nov") and ranges that end before they start ("2297-2108") are
    unknown ("", "").
    """
    text = (value or "").strip().casefold()
    text = text.replace("–", "-").replace("—", "-").replace("‐", "-").replace("−", "-")
    text = re.sub(r"-+", "-", text).split(";")[0].split(",")[0]
    text = re.sub(r"^(?:pp?\.?|pages?)\s*", "", text)
    excel = _EXCEL_DATE.match(text)
    if excel and (excel.group(2) or excel.group(3)) in MONTHS:
        # Excel turned "11-19" into "Nov-19" and "9-11" into "11-Sep"; which number is
        # the start page cannot be recovered, so the pages are unknown.
        return "", ""
    parts = [p for p in re.split(r"\s*-\s*", text) if p]
    if not parts:
        return "", ""
    start = _page_number(parts[0].split()[0] if parts[0].split() else "")
    if not start:
        return "", ""
    end = _page_number(parts[1].split()[0]) if len(parts) > 1 and parts[1].split() else ""
    if end and len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    if end and int(end) < int(start):
        # A range that ends before it starts ("2297-2108" for 2097-2108) has a typo in
        # one of its numbers, and which one cannot be told: the pages are unknown.
        return "", ""
    return start, end


_VOLUME = re.compile(r"^\s*(?:vol(?:ume)?\.?\s*|no\.?\s*)?0*(\d+)\b", re.IGNORECASE)


def is_article_number(value: str) -> bool:
    """Return True for an electronic article number ("e0123456", "a1754", "c1804",
    "102345") rather than a printed page range. "S12" (a supplement page) is not one.
    """
    text = (value or "").strip().casefold()
    if not text:
        return False
    if re.match(r"^[a-rt-z]+\d", text):
        return True
    return bool(re.fullmatch(r"\d{5,}", text))


def normalise_volume(value: str) -> str:
    """Return the leading number of a volume or issue field: "65 SUPPL. 2" -> "65".

    Fields that a parser visibly broke ("2)", "Korsakova. Part 2. 117") are unknown.
    """
    value = value or ""
    if value.count(")") != value.count("("):
        return ""
    match = _VOLUME.match(value)
    return (match.group(1) or "0") if match else ""


def supplement_number(volume: str, issue: str) -> str:
    """Return the supplement number in "65 SUPPL. 2" or issue "Suppl 2" ("2"), or ""."""
    match = re.search(r"suppl\w*\.?\s*(\d+)", f"{volume} {issue}", re.IGNORECASE)
    return match.group(1).lstrip("0") if match else ""


def is_supplement(volume: str, issue: str, pages: str) -> bool:
    """Return True when volume, issue or pages mark a supplement ("Suppl. 2", "S12")."""
    text = f"{volume} {issue}".casefold()
    return "suppl" in text or bool(re.match(r"\s*s\d", (pages or "").casefold())) or bool(
        re.search(r"\bs\d+\b", (issue or "").casefold())
    )


# --- authors -----------------------------------------------------------------------

_RUN_TOGETHER = re.compile(r"(?<=\.)(?=[A-Z][a-z])")
PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "della", "la",
                       "le", "du", "dos", "das", "ten", "ter", "st", "al", "el", "bin", "ben"})
_NAME_SUFFIX = re.compile(r"(?:,?\s+|(?<=,))(?:jr|sr|ii|iii|iv|2nd|3rd)\.?(?=\s*(?:,|$))", re.IGNORECASE)
IGNORED_AUTHORS = frozenset({"anonymous", "anon", "et al", "unknown", "na", "n a"})


def split_author_field(value: str) -> tuple[str, ...]:
    """Split one author field into names.

    Handles BibTeX " and ", semicolons, new lines and ASySD's run-together
    "Adeli K.Lewis G. F." form.
    """
    if not value:
        return ()
    parts = re.split(r"\s+and\s+|;|\n|\r", value)
    names = []
    for part in parts:
        names.extend(_RUN_TOGETHER.split(part))
    return tuple(n.strip(" ,.") for n in names if n.strip(" ,."))


@lru_cache(maxsize=262144)
def parse_author(name: str) -> tuple[str, str]:
    """Return ``(surname, initials)`` in folded ASCII from any common name form.

    "Smith, John A." / "Smith JA" / "J. A. Smith" / "Smith J.A." all give
    ("smith", "ja"). Particles stay with the surname ("van der berg"). "Anonymous" and
    "et al." give ("", "").
    """
    raw = _NAME_SUFFIX.sub("", strip_markup(name or "")).strip(" ,")
    if "," in raw:
        surname, _, given = raw.partition(",")
        words = fold_text(given).split()
        surname_key = fold_text(surname)
        if surname_key in IGNORED_AUTHORS:
            return "", ""
        return surname_key, "".join(w[0] for w in words)
    tokens = raw.replace(".", ". ").split()
    if not tokens or fold_text(raw) in IGNORED_AUTHORS:
        return "", ""
    # "Smith JA" / "Smith J. A.": trailing tokens are initials (upper-case, short).
    trailing = []
    while len(tokens) > 1 and _looks_like_initials(tokens[-1]):
        trailing.insert(0, tokens.pop())
    if trailing:
        initials = "".join(fold_text(t).replace(" ", "") for t in trailing)
        return fold_text(" ".join(tokens)), initials
    # "J. A. Smith" / "John Smith": the last word (plus particles) is the surname.
    words = fold_text(raw).split()
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in PARTICLES:
        cut -= 1
    return " ".join(words[cut:]), "".join(w[0] for w in words[:cut])


def _looks_like_initials(token: str) -> bool:
    letters = token.replace(".", "").replace("-", "")
    return 0 < len(letters) <= 3 and letters.isalpha() and letters.isupper()


def author_surnames(authors: tuple[str, ...], limit: int = 20) -> tuple[str, ...]:
    """Return folded surnames without spaces for the first ``limit`` authors."""
    out = []
    for name in authors[: limit * 2]:
        surname, _ = parse_author(name)
        if surname:
            out.append(surname.replace(" ", ""))
        if len(out) == limit:
            break
    return tuple(out)


def normalise_year(value) -> int | None:
    """Return a plausible four-digit year, or None."""
    match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", str(value or ""))
    return int(match.group(1)) if match else None
