"""BibTeX, as Zotero, Web of Science, Scopus and most reference managers write it.

Entries are cut out of the stream one at a time by counting braces, so memory holds one
entry. Text outside entries (Scopus' ``Scopus`` / ``EXPORT DATE`` header, free comments) is
ignored, as BibTeX itself does. Values are turned from LaTeX into plain Unicode.

Pure Python, no Django.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from .record import CUT_OFF, ImportFormatError, ParsedRecord
from .text import clean_text, normalise_doi, parse_year, unique

_ENTRY_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_DELIMITER = re.compile(r"\\[{}()]|[{}()]")
_MONTHS = ("January February March April May June July August September October November December").split()
_MONTH_MACROS = {name[:3].lower(): name for name in _MONTHS}


@dataclass
class _RawEntry:
    entry_type: str
    body: str  # everything between the opening and the closing delimiter
    line: int
    closed: bool
    at_end: bool = False  # the stream ended inside it


def parse_bibtex(stream: TextIO, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one record per entry; ``@string`` macros apply, ``@comment``/``@preamble`` are skipped.

    An entry whose braces never balance is still read as far as it goes (with a ``warning``
    in ``extra``) rather than swallowing the entries after it. A file without any entry is
    an ImportFormatError, since it is almost certainly not BibTeX.
    """
    macros = dict(_MONTH_MACROS)
    found_entry = False
    for raw_entry in _raw_entries(stream):
        kind = raw_entry.entry_type.lower()
        if kind in ("comment", "preamble"):
            continue
        if kind == "string":
            _key, fields, _problem = _split_fields(raw_entry.body, macros, has_key=False)
            macros.update(fields)
            continue
        found_entry = True
        yield _record(raw_entry, macros)
    if not found_entry:
        raise ImportFormatError(
            "no BibTeX entry found (expected a line such as '@article{key,')", filename=filename
        )


def _raw_entries(stream: TextIO) -> Iterator[_RawEntry]:
    """Cut the stream into entries by brace counting, line by line."""
    parts: list[str] = []
    entry_type = ""
    closer = ""
    depth = 0
    start_line = 0
    line_number = 0
    for line_number, line in enumerate(stream, 1):
        position = 0
        if closer and _ENTRY_START.match(line):
            # A new entry at the start of a line while the last one is still open: its braces
            # were unbalanced. Keep what was read and carry on, so one bad entry costs one record.
            yield _RawEntry(entry_type, "".join(parts), start_line, closed=False)
            closer = ""
        while position < len(line):
            if not closer:
                start = _ENTRY_START.search(line, position)
                if start is None:
                    break
                entry_type = start.group(1)
                closer = "}" if start.group(2) == "{" else ")"
                depth = 0
                start_line = line_number
                parts = []
                position = start.end()
                continue
            end = _closing_position(line, position, closer, depth)
            if isinstance(end, int):
                parts.append(line[position:end])
                yield _RawEntry(entry_type, "".join(parts), start_line, closed=True)
                closer = ""
                position = end + 1
            else:
                parts.append(line[position:])
                depth = end.depth
                break
    if closer:
        yield _RawEntry(entry_type, "".join(parts), start_line, closed=False, at_end=True)


@dataclass
class _StillOpen:
    depth: int


def _closing_position(line: str, position: int, closer: str, depth: int) -> int | _StillOpen:
    """Index of the delimiter that closes the entry in ``line``, or the brace depth reached."""
    if "}" not in line and ")" not in line and "{" not in line:
        return _StillOpen(depth)  # most abstract lines: nothing to count
    for match in _DELIMITER.finditer(line, position):
        delimiter = match.group(0)
        if len(delimiter) == 2:  # an escaped \{ or \} does not count
            continue
        if delimiter == "{":
            depth += 1
        elif delimiter == "}":
            if depth == 0 and closer == "}":
                return match.start()
            depth = max(depth - 1, 0)
        elif delimiter == ")" and depth == 0 and closer == ")":
            return match.start()
    return _StillOpen(depth)


# --- fields -------------------------------------------------------------------------------

_FIELD_NAME = re.compile(r"[\s,]*([^\s=,{}\"#]+)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s,#{}\"]+")
_QUOTED_END = re.compile(r"\\[{}\"]|[{}\"]")


def _split_fields(
    body: str, macros: dict[str, str], *, has_key: bool = True
) -> tuple[str, dict[str, str], str]:
    """Return ``(key, {field name: raw LaTeX value}, problem)`` for an entry body.

    ``problem`` is "" or says where the syntax broke; fields read before that point are kept.
    """
    key = ""
    position = 0
    if has_key:
        comma = body.find(",")
        head = body if comma < 0 else body[:comma]
        if "=" not in head:
            key = head.strip()
            position = len(body) if comma < 0 else comma + 1
    fields: dict[str, str] = {}
    while True:
        name_match = _FIELD_NAME.match(body, position)
        if name_match is None:
            rest = body[position:].strip(" \t\r\n,")
            return key, fields, (f"unreadable text '{rest[:40]}'" if rest else "")
        value, position, problem = _read_value(body, name_match.end(), macros)
        fields.setdefault(name_match.group(1).lower(), value)
        if problem:
            return key, fields, problem


def _read_value(body: str, position: int, macros: dict[str, str]) -> tuple[str, int, str]:
    """Read ``{...}``, ``"..."`` or macro/number parts joined by ``#``."""
    pieces = []
    while True:
        while position < len(body) and body[position].isspace():
            position += 1
        if position >= len(body):
            return "".join(pieces), position, "" if pieces else "a field has no value"
        opener = body[position]
        if opener == "{":
            end = _matching_brace(body, position + 1)
            if end < 0:
                return "".join(pieces) + body[position + 1 :], len(body), "a value is not closed"
            pieces.append(body[position + 1 : end])
            position = end + 1
        elif opener == '"':
            end = _closing_quote(body, position + 1)
            if end < 0:
                return "".join(pieces) + body[position + 1 :], len(body), "a quoted value is not closed"
            pieces.append(body[position + 1 : end])
            position = end + 1
        else:
            bare = _BARE_VALUE.match(body, position)
            if bare is None:
                return "".join(pieces), position, f"unexpected '{opener}' where a value should be"
            word = bare.group(0)
            pieces.append(macros.get(word.lower(), word))
            position = bare.end()
        while position < len(body) and body[position].isspace():
            position += 1
        if position < len(body) and body[position] == "#":
            position += 1
            continue
        return "".join(pieces), position, ""


def _matching_brace(text: str, position: int) -> int:
    depth = 0
    for match in _DELIMITER.finditer(text, position):
        delimiter = match.group(0)
        if delimiter == "{":
            depth += 1
        elif delimiter == "}":
            if depth == 0:
                return match.start()
            depth -= 1
    return -1


def _closing_quote(text: str, position: int) -> int:
    depth = 0
    for match in _QUOTED_END.finditer(text, position):
        delimiter = match.group(0)
        if delimiter == "{":
            depth += 1
        elif delimiter == "}":
            depth = max(depth - 1, 0)
        elif delimiter == '"' and depth == 0:
            return match.start()
    return -1


# --- record -------------------------------------------------------------------------------

_SCOPUS_EID = re.compile(r"eid=(2-s2\.0-\d+)")
_ISSN = re.compile(r"\b\d{4}-?\d{3}[\dXx]\b")


def _record(raw_entry: _RawEntry, macros: dict[str, str]) -> ParsedRecord:
    key, fields, problem = _split_fields(raw_entry.body, macros)
    if not raw_entry.closed:
        problem = problem or "the entry's braces are not balanced"

    def text(*names: str) -> str:
        for name in names:
            if fields.get(name, "").strip():
                return latex_to_text(fields[name])
        return ""

    identifiers = []
    # Older WoS exports say "ISI:000...", newer ones "WOS:000..." for the same accession number.
    unique_id = re.sub(r"^ISI:", "WOS:", text("unique-id"), flags=re.I)
    if unique_id:
        identifiers.append(("wos", unique_id))
    scopus_eid = _SCOPUS_EID.search(fields.get("url", ""))
    if scopus_eid:
        identifiers.append(("scopus_eid", scopus_eid.group(1)))
    author_keywords = fields.get("author_keywords") or fields.get("keywords", "")
    index_terms = fields.get("keywords", "") if "author_keywords" in fields else ""
    eprint_is_pmid = text("eprinttype").lower() == "pubmed"
    return ParsedRecord(
        title=text("title", "booktitle"),
        abstract=text("abstract"),
        authors=split_bibtex_authors(fields.get("author", "")),
        year=parse_year(text("year")) or parse_year(text("date")),
        journal=text("journal", "journaltitle") or (text("booktitle") if "title" in fields else ""),
        volume=text("volume"),
        issue=text("number", "issue"),
        pages=re.sub(r"\s*(?:-{1,3}|–|—)\s*", "-", text("pages")),
        doi=normalise_doi(text("doi")),
        pmid=text("pmid", "pubmed_id", "pubmed-id") or (text("eprint") if eprint_is_pmid else ""),
        pmcid=text("pmcid"),
        identifiers=tuple(identifiers),
        issn=unique(_ISSN.findall(text("issn") + " " + text("eissn"))),
        keywords=_split_terms(author_keywords),
        subject_terms=_split_terms(index_terms) + _split_terms(fields.get("keywords-plus", "")),
        language=text("language", "langid"),
        publication_type=text("document_type", "type") or raw_entry.entry_type.lower(),
        urls=unique([text("url")]),
        database=_database(fields, unique_id),
        id_in_file=key,
        raw=f"@{raw_entry.entry_type}{{{raw_entry.body}{'}' if raw_entry.closed else ''}",
        line=raw_entry.line,
        extra=tuple(
            (name, value)
            for name, value in (("warning", problem), ("note", text("note")), ("month", text("month")),
                                (CUT_OFF, "its braces never close" if raw_entry.at_end else ""))
            if value
        ),
    )


def _database(fields: dict[str, str], unique_id: str) -> str:
    source = latex_to_text(fields.get("source", ""))
    if source:
        return source
    if unique_id.upper().startswith(("ISI:", "WOS:")):
        return "Web of Science"
    return ""


def _split_terms(value: str) -> tuple[str, ...]:
    """Keywords are ';'-separated in WoS and Scopus and ','-separated in Zotero."""
    if not value.strip():
        return ()
    value = _unwrap_braces(value)
    separator = re.compile(";" if ";" in value else ",")
    return unique(latex_to_text(term) for term in _split_at_depth_zero(value, separator))


# --- authors ------------------------------------------------------------------------------

_AND = re.compile(r"\s+and\s+", re.I)
# Scopus (2017) joins authors with commas and glues affiliation letters to the initials:
# "D'Ambrosio, A.a , Aria, M.a , Iorio, C.b". An author ends after an initial's full stop.
_SCOPUS_AUTHOR_END = re.compile(r"(?<=\.)[a-z]{0,2}\s*,\s*")
_AFFILIATION_LETTERS = re.compile(r"(?<=\.)[a-z]{1,2}$")


def split_bibtex_authors(value: str) -> tuple[str, ...]:
    """Split a BibTeX name list on ``and`` outside braces (``{Barnes and Noble}`` is one name)."""
    if not value.strip():
        return ()
    names = _split_at_depth_zero(value, _AND)
    if len(names) == 1 and value.count(",") > 1:
        names = _SCOPUS_AUTHOR_END.split(value)
        names = [_AFFILIATION_LETTERS.sub("", name.strip()) for name in names]
    return unique(latex_to_text(name) for name in names)


def _unwrap_braces(value: str) -> str:
    """``{{a; b}}`` -> ``a; b``: Web of Science wraps whole values in a second pair of braces."""
    value = value.strip()
    while value.startswith("{") and _matching_brace(value, 1) == len(value) - 1:
        value = value[1:-1].strip()
    return value


def _split_at_depth_zero(value: str, separator: re.Pattern) -> list[str]:
    """Split ``value`` on ``separator`` wherever it is not inside braces."""
    if "{" not in value:
        return [part for part in separator.split(value) if part.strip()]
    tokens = re.compile(rf"[{{}}]|{separator.pattern}", separator.flags)
    parts, start, depth = [], 0, 0
    for match in tokens.finditer(value):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append(value[start : match.start()])
            start = match.end()
    parts.append(value[start:])
    return [part for part in parts if part.strip()]


# --- LaTeX to Unicode ---------------------------------------------------------------------

_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOL_ACCENT = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))""")
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)\*?(?:\s*\{\})?\s*")
_CONTROL_SYMBOL = re.compile(r"\\([^A-Za-z])")
_CONTROL_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", " ": " ", ",": " ", "-": "", "/": "",
                    "{": "\ue000", "}": "\ue001", "\\": " "}
_CONTROL_WORDS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "o": "ø", "O": "Ø",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "textendash": "–", "textemdash": "—",
    "textquoteright": "’", "textquoteleft": "‘", "textquotedblleft": "“", "textquotedblright": "”",
    "textless": "<", "textgreater": ">", "textasciitilde": "~", "textbackslash": "\\",
    "textdegree": "°", "textpm": "±", "textmu": "µ", "textbullet": "•", "S": "§", "copyright": "©",
    "textregistered": "®", "texttrademark": "™", "alpha": "α", "beta": "β", "gamma": "γ",
    "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "pi": "π", "sigma": "σ", "tau": "τ", "omega": "ω", "Delta": "Δ", "Omega": "Ω", "pm": "±",
    "times": "×", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "circ": "°", "deg": "°",
}
_NEEDS_LATEX = re.compile(r"[\\{}~$]|--|``|''")


def latex_to_text(value: str) -> str:
    """Plain Unicode text from a BibTeX value: accents, escapes, dashes and braces resolved.

    ``{\\"u}`` and ``\\"{u}`` give ü, ``\\&`` gives &, ``--`` an en dash, ``{Cocker}`` Cocker;
    other commands (``\\emph{x}``) keep their argument. HTML tags and entities are removed too.
    """
    if not _NEEDS_LATEX.search(value):
        return clean_text(value)
    value = _SYMBOL_ACCENT.sub(_accented, value)
    value = _LETTER_ACCENT.sub(_accented, value)
    value = _CONTROL_SYMBOL.sub(lambda m: _CONTROL_SYMBOLS.get(m.group(1), m.group(1)), value)
    value = _CONTROL_WORD.sub(lambda m: _CONTROL_WORDS.get(m.group(1), ""), value)
    value = value.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    value = value.replace("~", " ").replace("$", "").replace("{", "").replace("}", "")
    value = value.replace("\ue000", "{").replace("\ue001", "}")
    return clean_text(unicodedata.normalize("NFC", value))


def _accented(match: re.Match) -> str:
    base = match.group(2) or match.group(3)
    if base in ("\\i", "\\j"):
        base = base[1]
    return base + _ACCENTS[match.group(1)]
