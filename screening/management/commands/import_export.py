import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.formats import FORMATS, ImportFormatError
from screening.models import IdentifiedVia, Review
from screening.services.dedup import dedup_review
from screening.services.imports import import_file_now


class Command(BaseCommand):
    help = "Import an export file into a review, in the foreground (the same code path as the web import)."

    def add_arguments(self, parser):
        parser.add_argument("review_id", type=int)
        parser.add_argument("path")
        parser.add_argument("--database", required=True, help="e.g. MEDLINE, Embase, APA PsycInfo")
        parser.add_argument("--platform", default="", help="e.g. PubMed, Ovid, EBSCOhost")
        parser.add_argument("--searched-on", default=None, help="date searched, YYYY-MM-DD")
        parser.add_argument("--search-string", default="")
        parser.add_argument("--source", dest="identified_via", default=IdentifiedVia.DATABASE,
                            choices=IdentifiedVia.values)
        parser.add_argument("--format", choices=sorted(FORMATS), help="read as this format instead of detecting it")

    def handle(self, review_id, path, database, platform, searched_on, search_string, identified_via, format,
               **options):
        review = Review.objects.filter(pk=review_id).first()
        if review is None:
            raise CommandError(f"There is no review {review_id}.")
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such file")
        try:
            searched = datetime.date.fromisoformat(searched_on) if searched_on else None
        except ValueError:
            raise CommandError(f"--searched-on must be YYYY-MM-DD, not {searched_on!r}") from None
        try:
            import_ = import_file_now(review=review, path=path, database=database, platform=platform,
                                   searched_on=searched, search_string=search_string, identified_via=identified_via,
                                   format=format)
        except ImportFormatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Imported {import_.record_count} records from {import_.filename} into review "
                          f"{review.pk} as {import_.database} (import {import_.pk}).")
        # The same warnings as the web check report, on standard error so scripts see them.
        warnings = import_.check_report.get("warnings", [])
        if warnings:
            self.stderr.write(f"Warnings:  {len(warnings)}")
            for warning in warnings:
                self.stderr.write(f"  - {warning['message']}")
        # As after a web import, the new records are compared with the review's others.
        self.stdout.write("Duplicates: " + dedup_review(review=review).message())
