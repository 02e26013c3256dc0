"""Time and peak memory of parsing 100,000 real records, outside the default test run.

    .venv/bin/python tests/formats/bench_parsers.py [ris|medline|wos_plaintext|pubmed_xml] [records]

Real corpus records are repeated with their identifiers changed, written to a temporary
file, then read through ``open_export`` as the app does. Peak memory is the process's
maximum resident set size, which includes the interpreter (about 20 MB).
"""
from __future__ import annotations

import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from screening.formats import open_export  # noqa: E402

EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"
SOURCES = {
    "ris": ("scopus-ris/revtools__restoration_scopus.ris", re.compile(r"^TY  - .*?^ER  - *\n", re.M | re.S)),
    "medline": ("pubmed-medline/revtools__restoration_pubmed.nbib", re.compile(r"^PMID- .*?(?=^PMID- |\Z)",
                                                                               re.M | re.S)),
    "wos_plaintext": ("wos-plaintext/revtools__restoration_WoS.ciw", re.compile(r"^PT .*?^ER\n", re.M | re.S)),
    # efetch articles of the corpus joined into one set: the four of 2025 (about 5 KB each,
    # no cited references), and all eight (17 KB on average: four carry their reference lists).
    "pubmed_xml": ("entrez/biopython__pubmed[12].xml", re.compile(r"<PubmedArticle>.*?</PubmedArticle>", re.S)),
    "pubmed_xml_references": ("entrez/biopython__pubmed[124567].xml",
                              re.compile(r"<PubmedArticle>.*?</PubmedArticle>", re.S)),
}
_PUBMED_XML_HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
                    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
                    "<PubmedArticleSet>\n")


def write_corpus(format_name: str, count: int, out) -> None:
    relative, splitter = SOURCES[format_name]
    records = [record for path in sorted(EXPORTS.glob(relative))
               for record in splitter.findall(path.read_text(encoding="utf-8-sig"))]
    if format_name == "wos_plaintext":
        out.write("FN Clarivate Analytics Web of Science\nVR 1.0\n")
    if format_name.startswith("pubmed_xml"):
        out.write(_PUBMED_XML_HEAD)
    for number in range(count):
        record = records[number % len(records)]
        # Change DOIs and PMIDs so the copies are distinct records.
        if format_name.startswith("pubmed_xml"):
            record = re.sub(r"(>10\.\d{4,}/[^<]+)<", rf"\g<1>.{number}<", record, count=1)
        else:
            record = re.sub(r"(10\.\d{4,}/\S+?)(\s)", rf"\g<1>.{number}\2", record, count=1)
        record = re.sub(r"^(PMID- |PM )(\d+)", rf"\g<1>{number}", record, count=1, flags=re.M)
        record = re.sub(r"(<PMID[^>]*>)\d+", rf"\g<1>{number}", record, count=1)
        out.write(record if record.endswith("\n") else record + "\n")
    if format_name == "wos_plaintext":
        out.write("EF\n")
    if format_name.startswith("pubmed_xml"):
        out.write("</PubmedArticleSet>\n")


def main() -> None:
    format_name = sys.argv[1] if len(sys.argv) > 1 else "ris"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8") as corpus:
        write_corpus(format_name, count, corpus)
        corpus.flush()
        size_mb = Path(corpus.name).stat().st_size / 1e6
        with open(corpus.name, "rb") as binary_file:
            started, cpu_started = time.perf_counter(), time.process_time()
            export = open_export(binary_file, filename="bench", format=None)
            parsed = sum(1 for _ in export.records())
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU time is the figure to compare on a shared, busy machine; wall time includes waiting.
    print(f"{format_name}: {parsed} records, {size_mb:.0f} MB in {elapsed:.1f} s wall, {cpu:.1f} s CPU "
          f"({parsed / elapsed:,.0f} records/s), peak RSS {peak_mb:.0f} MB")
    assert parsed == count, f"expected {count} records, parsed {parsed}"


if __name__ == "__main__":
    main()
