import sys

from django.core.management.base import BaseCommand, CommandError

from screening.models import Review
from screening.prisma import check_sums, render_svg, to_json, to_template_csv
from screening.selectors.prisma import prisma_counts

WRITERS = {"csv": to_template_csv, "json": to_json, "svg": render_svg}


class Command(BaseCommand):
    help = ("Write a review's PRISMA 2020 flow diagram, counted from the review itself: the PRISMA2020 "
            "template CSV, JSON or SVG, to standard output or --output. Sums that do not add up are "
            "reported on standard error.")

    def add_arguments(self, parser):
        parser.add_argument("review_id", type=int)
        parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, review_id, format, output, **options):
        review = Review.objects.filter(pk=review_id).first()
        if review is None:
            raise CommandError(f"There is no review {review_id}.")
        counts = prisma_counts(review)
        text = WRITERS[format](counts)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
        for mismatch in check_sums(counts):
            sys.stderr.write(f"Does not add up: {mismatch.message}\n")
