"""The normalised bibliographic record every parser yields, and the one error they raise.

Pure Python: nothing here imports Django, so parsers are tested without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class ImportFormatError(ValueError):
    """Input that cannot be read as the expected format.

    The message names the file, the line and what was expected, so it can be shown to the
    user as is (``"pubmed.nbib, line 42: expected a tag such as 'TI  - ', found '...'"``).
    """

    def __init__(self, message: str, *, filename: str = "", line: int | None = None):
        self.filename = filename
        self.line = line
        self.reason = message
        where = filename or "input"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")


# The key of the ``extra`` entry a parser appends, last, to a record the stream ended inside
# of (its value says what is missing: "no 'ER  - ' line"). Read to the end of a file, such a
# record means the file was cut off; at the end of a part of a file it is only a record
# without its end tag, since the next part starts with the next record.
CUT_OFF = "cut_off"


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One bibliographic record, normalised across every export format.

    Strings are stripped of markup (HTML/JATS tags, entities, LaTeX escapes) and are "" when
    absent; ``year`` is None when absent. ``raw`` keeps the record verbatim as it stood in the
    file, for audit and export. ``line`` is the 1-based line where the record starts.
    """

    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""  # normalised: lower case, no URL or "doi:" prefix
    pmid: str = ""
    pmcid: str = ""
    # Other identifiers as (kind, value) pairs: ("embase", "L2001234"), ("wos", "WOS:000..."),
    # ("scopus_eid", "2-s2.0-..."), ("central", "CN-01234"), ("psycinfo", "2019-1234-001"), ...
    identifiers: tuple[tuple[str, str], ...] = ()
    issn: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # author keywords
    subject_terms: tuple[str, ...] = ()  # MeSH / Emtree / thesaurus terms
    language: str = ""
    publication_type: str = ""
    urls: tuple[str, ...] = ()
    database: str = ""  # the source database when the file names it ("Embase", "MEDLINE", ...)
    id_in_file: str = ""  # the file's own record id, when it has one (CSV "ID"/"record_id")
    raw: str = ""
    line: int = 0
    extra: tuple[tuple[str, str], ...] = field(default=())  # anything else worth keeping
