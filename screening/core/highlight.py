"""Keyword highlighting for titles and abstracts. Pure: no Django.

`highlight(text, include=[...], exclude=[...])` escapes the text and wraps every match in
<mark class="kw-include"> or <mark class="kw-exclude">. Matching is case-insensitive and on whole
words. A keyword matches its stem's usual inflections: "trial" also matches "trials"; "randomi*"
(a trailing star) matches every word starting with "randomi". A keyword of several words matches
the phrase with any white space between the words. Where an include and an exclude keyword
match the same words, the longer keyword wins, and exclude wins a tie (a reviewer should not
miss a reason to exclude).
"""
from html import escape
import re

# Inflections a plain keyword also matches: plural, verb and adjective endings.
_SUFFIXES = r"(?:s|es|ed|ing|er|ers|ly)?"


def parse_keywords(text):
    """Return the keywords of a settings field: one per line (commas also separate), blanks
    dropped, duplicates dropped, order kept."""
    if not text:
        return []
    parts = re.split(r"[\n,;]", text)
    return list(dict.fromkeys(part.strip() for part in parts if part.strip()))


def _pattern(keyword):
    stem = keyword.endswith("*")
    words = keyword.rstrip("*").split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    tail = r"\w*" if stem else _SUFFIXES
    return rf"(?<!\w){body}{tail}(?!\w)"


def compile_keywords(include, exclude):
    """Return one compiled regular expression for both lists, or None when both are empty.
    Group names say which list a match came from."""
    entries = []
    for kind, keywords in (("exclude", exclude), ("include", include)):
        for keyword in keywords:
            pattern = _pattern(keyword)
            if pattern:
                entries.append((len(keyword.rstrip("*")), kind == "exclude", kind, pattern))
    if not entries:
        return None
    # Longest first, exclude first on a tie: regex alternation takes the first branch that
    # matches at a position.
    entries.sort(key=lambda entry: (-entry[0], not entry[1]))
    branches = [f"(?P<{kind}{i}>{pattern})" for i, (_, _, kind, pattern) in enumerate(entries)]
    return re.compile("|".join(branches), re.IGNORECASE)


def highlight(text, include=(), exclude=(), *, compiled=None):
    """Return `text` as escaped HTML with include keywords marked green and exclude keywords
    marked red. Pass `compiled` (from compile_keywords) to reuse one expression."""
    text = text or ""
    regex = compiled if compiled is not None else compile_keywords(include, exclude)
    if regex is None:
        return escape(text)
    out = []
    position = 0
    for match in regex.finditer(text):
        kind = "exclude" if match.lastgroup.startswith("exclude") else "include"
        out.append(escape(text[position:match.start()]))
        out.append(f'<mark class="kw-{kind}">{escape(match.group())}</mark>')
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)

