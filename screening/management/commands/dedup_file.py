import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.dedup import (
    DedupRecord,
    find_duplicates,
    write_clusters_csv,
    write_maybe_pairs_csv,
    write_notices_csv,
)
from screening.dedup.normalise import split_author_field
from screening.dedup.notices import publication_types, related_fields
from screening.formats import FORMATS, ImportFormatError, open_export


def file_records(path, format=None):
    """Read any importable file into the engine's records.

    CSV input names each record by its ``ID`` or ``record_id`` column (the labelled sets'
    ids); otherwise, or where that cell is empty, records are numbered from 1 in file order.
    """
    with open(path, "rb") as binary:
        export = open_export(binary, filename=Path(path).name, format=format)
        named = export.format in ("csv", "tsv")
        records = []
        for number, parsed in enumerate(export.records(), start=1):
            authors = tuple(parsed.authors)
            if len(authors) == 1:
                authors = split_author_field(authors[0]) or authors
            records.append(DedupRecord(
                id=(parsed.id_in_file if named and parsed.id_in_file else str(number)),
                title=parsed.title, authors=authors, year=parsed.year, journal=parsed.journal,
                volume=parsed.volume, issue=parsed.issue, pages=parsed.pages, doi=parsed.doi,
                pmid=parsed.pmid, issn=tuple(parsed.issn), abstract=parsed.abstract,
                database=parsed.database,
                # MEDLINE lists several types (PT) and the records it cites (EIN, CON, ...)
                # in its raw text; other formats give their one type in the parsed record.
                publication_type=publication_types(parsed.raw, parsed.publication_type),
                related=related_fields(parsed.raw) or related_fields(parsed.extra),
            ))
    return records


class Command(BaseCommand):
    help = ("Find duplicates in one export file without a database: write the automatic groups "
            "(one row per group, column merged_ids, ids joined by ';') and, optionally, the pairs "
            "for human review, and the notices (errata, comments, retractions) linked to their article.")
    # Reads only files: runs with no database or secret key configured.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--out", required=True, help="CSV of duplicate groups (the gold-file format)")
        parser.add_argument("--maybe", help="CSV of pairs for human review")
        parser.add_argument("--notices", help="CSV of notices linked to their article: notice_id,article_id,kind")
        parser.add_argument("--format", choices=sorted(FORMATS), help="read as this format instead of detecting it")

    def handle(self, path, out, maybe, notices, format, **options):
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such file")
        started = time.perf_counter()
        try:
            records = file_records(path, format)
        except ImportFormatError as error:
            raise CommandError(str(error)) from None
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            seen, repeated = set(), None
            for record_id in ids:
                if record_id in seen:
                    repeated = record_id
                    break
                seen.add(record_id)
            raise CommandError(f"{path}: the id {repeated!r} names more than one record.")
        result = find_duplicates(records)
        # The engine orders ids as strings; numbered records read better in number order.
        numeric = all(i.isdigit() for i in ids)
        order = (lambda i: int(i)) if numeric else (lambda i: i)
        groups = sorted((type(g)(ids=tuple(sorted(g.ids, key=order)), pairs=g.pairs) for g in result.groups),
                        key=lambda g: order(g.ids[0]))
        with open(out, "w", encoding="utf-8", newline="") as handle:
            write_clusters_csv(groups, handle)
        if maybe:
            with open(maybe, "w", encoding="utf-8", newline="") as handle:
                write_maybe_pairs_csv(result.maybe_pairs, handle)
        if notices:
            with open(notices, "w", encoding="utf-8", newline="") as handle:
                write_notices_csv(sorted(result.notices, key=lambda link: order(link.notice_id)), handle)
        removed = sum(len(g.ids) - 1 for g in groups)
        self.stdout.write(
            f"{len(records):,} records: {len(groups):,} duplicate groups ({removed:,} duplicates), "
            f"{len(result.maybe_pairs):,} pairs for review, {len(result.notices):,} notices linked to their "
            f"article, {len(result.retracted):,} records retracted, in {time.perf_counter() - started:.1f} s. "
            f"Groups written to {out}" + (f", pairs to {maybe}" if maybe else "")
            + (f", notices to {notices}" if notices else "") + ".")
