from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.ranking import run_simulation_cli


class Command(BaseCommand):
    help = ("Simulate priority screening of a labelled CSV (title, abstract, label_included) with the "
            "app's ranking code; print WSS@95, RRF@10 and ATD per seed and their mean.")
    # Reads only files: runs with no database or secret key configured.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("dataset")
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0, help="first seed; the others follow it")
        parser.add_argument("--order-out", default=None,
                            help="write the first seed's screening order: 0-based row indices, priors first")

    def handle(self, dataset, seeds, seed, order_out, **options):
        if not Path(dataset).is_file():
            raise CommandError(f"{dataset}: no such file")
        if seeds < 1:
            raise CommandError("--seeds must be at least 1")
        try:
            self.stdout.write(run_simulation_cli(dataset, seeds=seeds, first_seed=seed, order_out=order_out), ending="")
        except (KeyError, ValueError) as error:
            raise CommandError(f"{dataset}: {error}") from None
