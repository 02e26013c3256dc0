"""A checked file's records as PostgreSQL COPY text, and the check of the second half of a
large file in a process of its own.

No Django here: ``python -m screening.services.staging`` runs `stage_part` in a child process,
which reads the second half of a large RIS, MEDLINE or PubMed XML export while the check job
reads the first (see `imports._stage_records`). Reading a file is pure-Python work on one core, and
this halves the wait for a 100,000-record file on two cores.
"""
import ctypes
import json
import os
import pickle
import signal
import sys
from json.encoder import encode_basestring_ascii as _json_string

from ..formats import ExportReader, ImportFormatError, ParsedRecord
from ..formats.report import CheckTally

COPY_COLUMNS = (
    "review_id", "source_import_id", "source_index", "title", "abstract", "authors", "year",
    "journal", "volume", "issue", "pages", "doi", "pmid", "pmcid", "identifiers", "issn",
    "keywords", "subject_terms", "language", "publication_type", "urls", "database",
    "id_in_file", "raw", "line", "removed_reason", "removed_by_automation",
)

# COPY text format: tab-separated fields, \N for NULL, and backslash escapes for the characters
# that would otherwise end a field or a row. PostgreSQL text cannot hold NUL at all.
# The text columns of a row are escaped in two runs, those before and those after `year` (the
# one column that can be NULL): each run is joined with tabs and escaped in one go, a few
# C-speed str calls per run instead of several per field, which matters at 100,000 records.
# A tab inside a value would pass for a separator, so a run with too many tabs is escaped field
# by field instead.


def _escaped(value):
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r").replace("\x00", ""))


def _escaped_run(values):
    joined = "\t".join(values)
    if joined.count("\t") != len(values) - 1:
        return "\t".join(map(_escaped, values))
    if "\\" in joined:
        joined = joined.replace("\\", "\\\\")
    joined = joined.replace("\n", "\\n")
    if "\r" in joined:
        joined = joined.replace("\r", "\\r")
    if "\x00" in joined:
        joined = joined.replace("\x00", "")
    return joined


def _json_list(values):
    """The JSON text of a list of strings, exactly as json.dumps writes it, without its
    per-call overhead: six lists per record."""
    return "[" + ", ".join(map(_json_string, values)) + "]" if values else "[]"


def _json_pairs(pairs):
    return "[" + ", ".join([f"[{_json_string(kind)}, {_json_string(value)}]" for kind, value in pairs]) + "]"


# The formats whose source text the dedup run reads back from the database, in bulk: every
# MEDLINE publication type and the fields citing other records (EIN, CON, CommentsCorrections
# ...), which the parsed fields do not hold. Their records keep that text in `raw`. Any other
# record's source text is in its import's stored file (kept with the import; `source_index`
# and `line` place the record there), and copying it into every row too doubled what an import
# sends to PostgreSQL: 465 MB instead of 210 MB for 100,000 Scopus RIS records, about 2 s of
# the database's 7 s.
FORMATS_WITH_RAW = frozenset({"medline", "pubmed_xml"})


def copy_line(prefix: str, parsed: ParsedRecord, *, keep_raw: bool = True) -> str:
    """The record as one line of COPY text in COPY_COLUMNS order, after ``prefix``: the
    first three columns and their tabs ("review id<TAB>import id<TAB>index<TAB>"), or ""
    for a line that gets them later. Without ``keep_raw``, its `raw` column is empty."""
    year = parsed.year
    head = _escaped_run((parsed.title, parsed.abstract, _json_list(parsed.authors)))
    tail = _escaped_run((
        parsed.journal, parsed.volume[:100], parsed.issue[:100], parsed.pages[:100], parsed.doi[:300],
        parsed.pmid[:20], parsed.pmcid[:20], _json_pairs(parsed.identifiers),
        _json_list(parsed.issn), _json_list(parsed.keywords), _json_list(parsed.subject_terms),
        parsed.language[:100], parsed.publication_type[:200], _json_list(parsed.urls),
        parsed.database[:200], parsed.id_in_file[:200], parsed.raw if keep_raw else "",
    ))
    year = year if year and 0 < year < 32768 else "\\N"
    return f"{prefix}{head}\t{year}\t{tail}\t{parsed.line}\t\tf\n"


def stage_part(*, path, filename, format, encoding, start, out_path):
    """Read the export at ``path`` from byte ``start`` (a split point) to its end, write each
    record to ``out_path`` as a COPY line without its first three columns, and return the
    check tally of the part."""
    with open(path, "rb") as binary, open(out_path, "w", encoding="utf-8", newline="") as out:
        part = ExportReader(binary, filename=filename, format=format, encoding=encoding).part(start)
        tally = CheckTally()
        tally.add_all(staged(part.records(), out, keep_raw=format in FORMATS_WITH_RAW))
    return tally


def staged(records, out, *, first_columns=None, start=0, keep_raw=True):
    """Pass records through unchanged, writing each as a COPY line to ``out`` on the way:
    after ``first_columns`` ("review id<TAB>import id<TAB>") and its number in the file,
    counted from ``start``; without the first three columns when first_columns is None;
    with their source text only if ``keep_raw`` (see FORMATS_WITH_RAW)."""
    lines = []
    for index, parsed in enumerate(records, start=start):
        lines.append(copy_line("" if first_columns is None else f"{first_columns}{index}\t", parsed,
                               keep_raw=keep_raw))
        if len(lines) == 100:  # one write per 100 lines: a text file's write is costly per call
            out.write("".join(lines))
            lines.clear()
        yield parsed
    out.write("".join(lines))


def main(argv):
    """Run stage_part with the JSON arguments in argv[1] (and "parent": the job's process id);
    write the pickled outcome to stdout: ("ok", tally) or ("error", (reason, line))."""
    arguments = json.loads(argv[1])
    _die_with(arguments.pop("parent"))
    try:
        outcome = ("ok", stage_part(**arguments))
    except ImportFormatError as error:
        outcome = ("error", (error.reason, error.line))
    sys.stdout.buffer.write(pickle.dumps(outcome))


def _die_with(parent):
    """End when the job's process ends: a worker killed mid-check must not leave this process
    writing a file that the job's retry writes again."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG, Linux only
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the call above
        os._exit(1)


if __name__ == "__main__":
    main(sys.argv)
