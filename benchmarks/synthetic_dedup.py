"""A large synthetic dedup set with a known truth, built from the real labelled records.

Each synthetic work starts from one real work (a record of a gold group) with a few
title words swapped for words from the whole vocabulary, new authors, pages, volume and
DOI, so works are distinct but look real. Each work then gets one to four records with
the perturbations real exports show: typos, case, translated-title brackets, journal
abbreviations, missing fields, abbreviated page ranges, DOI URL forms and author
formats, and now and then a year off by one.

    build_synthetic(data_dir, 100_000) -> (records, gold)   # gold: record id -> work id
"""
from __future__ import annotations

import random
import string
from pathlib import Path

from screening.dedup import DedupRecord
from screening.dedup.normalise import parse_author

COPIES = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4)  # about 1.6 records per work


def _base_records(data_dir: Path) -> list[DedupRecord]:
    from bench_dedup import LABELLED, load_gold, load_records

    bases = []
    for name in LABELLED:
        if name == "bibdedupe_special_cases":
            continue
        records = load_records(data_dir / name)
        gold = load_gold(data_dir / name / "merged_record_ids.csv", [r.id for r in records])
        seen = set()
        for r in records:
            if gold[r.id] not in seen and len(r.title) > 30 and r.authors:
                seen.add(gold[r.id])
                bases.append(r)
    return bases


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 10:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]


def _abbreviate_journal(journal: str) -> str:
    words = [w for w in journal.replace("&", " ").split() if w.lower() not in ("of", "the", "and", "in")]
    return " ".join(w[:4] if len(w) > 5 else w for w in words)


def _author_forms(rng: random.Random, authors: tuple[str, ...]) -> tuple[str, ...]:
    style = rng.randrange(3)
    out = []
    for name in authors:
        surname, initials = parse_author(name)
        surname = surname.title()
        initials = initials.upper()
        if style == 0:
            out.append(f"{surname}, {' '.join(c + '.' for c in initials)}")
        elif style == 1:
            out.append(f"{surname} {initials}")
        else:
            out.append(f"{' '.join(c + '.' for c in initials)} {surname}")
    return tuple(out)


def build_synthetic(data_dir: Path, size: int, seed: int = 20240601):
    """Return ``(records, gold)`` with about ``size`` records."""
    rng = random.Random(seed)
    bases = _base_records(data_dir)
    vocabulary = sorted({w for b in bases for w in b.title.split() if len(w) > 4 and w.isalpha()})
    surnames = sorted({parse_author(a)[0].title() for b in bases for a in b.authors if parse_author(a)[0]})
    journals = sorted({b.journal for b in bases if b.journal})
    records: list[DedupRecord] = []
    gold: dict[str, str] = {}
    work = 0
    while len(records) < size:
        base = bases[work % len(bases)]
        work += 1
        words = base.title.split()
        for _ in range(max(3, len(words) // 3)):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        title = " ".join(words)
        authors = tuple(
            f"{rng.choice(surnames)}, {rng.choice(string.ascii_uppercase)}."
            for _ in range(rng.randint(1, 6))
        )
        start = rng.randint(1, 2400)
        end = start + rng.randint(1, 14)
        volume = str(rng.randint(1, 180))
        year = rng.randint(1980, 2024)
        journal = rng.choice(journals)
        doi = f"10.{rng.randint(1000, 9999)}/syn.{work}.{rng.randint(100, 999)}" if rng.random() < 0.6 else ""
        abstract = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 60)))
        for copy in range(rng.choice(COPIES)):
            rid = f"syn_{len(records):07d}"
            t = title
            if copy:
                if rng.random() < 0.2:
                    t = _typo(rng, t)
                if rng.random() < 0.3:
                    t = t.lower() if rng.random() < 0.5 else t.upper()
                if rng.random() < 0.05:
                    t = f"[{t}]"
            pages = f"{start}-{end}"
            if copy and rng.random() < 0.3 and len(str(end)) == len(str(start)):
                common = next((k for k in range(len(str(start))) if str(start)[k] != str(end)[k]), 0)
                pages = f"{start}-{str(end)[common:]}"  # PubMed style: 1608-13
            d = doi
            if d and copy and rng.random() < 0.4:
                d = rng.choice((f"https://doi.org/{d}", f"doi:{d}", f"{d} [doi]", d.upper()))
            record = DedupRecord(
                id=rid,
                title=t,
                authors=_author_forms(rng, authors) if copy else authors,
                year=year + (rng.choice((-1, 1)) if copy and rng.random() < 0.05 else 0),
                journal=_abbreviate_journal(journal) if copy and rng.random() < 0.3 else journal,
                volume="" if copy and rng.random() < 0.15 else volume,
                issue=str(rng.randint(1, 12)),
                pages="" if copy and rng.random() < 0.15 else pages,
                doi="" if copy and rng.random() < 0.15 else d,
                abstract="" if copy and rng.random() < 0.2 else abstract,
                database=rng.choice(("MEDLINE", "Embase", "CENTRAL")),
            )
            records.append(record)
            gold[rid] = f"work_{work}"
            if len(records) >= size:
                break
    return records, gold
