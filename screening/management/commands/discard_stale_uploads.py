from datetime import timedelta

from django.core.management.base import BaseCommand

from screening.services.imports import UNCONFIRMED_UPLOADS_KEPT, imports_discard_stale


class Command(BaseCommand):
    help = ("Delete uploads left at the import check without confirmation (and their stored files). "
            "Run it daily from cron; a new upload runs it too.")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=UNCONFIRMED_UPLOADS_KEPT.total_seconds() / 3600,
                            help="discard uploads older than this many hours (default: %(default)s)")

    def handle(self, hours, **options):
        discarded = imports_discard_stale(older_than=timedelta(hours=hours))
        self.stdout.write(f"Discarded {discarded} unconfirmed upload{'s' if discarded != 1 else ''}.")
