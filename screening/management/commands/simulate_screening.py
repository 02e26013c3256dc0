from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.ranking.stopping_simulation import run


class Command(BaseCommand):
    help = ("Simulate priority screening of a labelled CSV (title, abstract, label_included) with the "
            "app's ranking code; print WSS@95, RRF@10, ATD and where the stopping rule stops, per seed "
            "and their mean.")
    # Reads only files: runs with no database or secret key configured.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("dataset")
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0, help="first seed; the others follow it")
        parser.add_argument("--order-out", default=None,
                            help="write the first seed's screening order: 0-based row indices, priors first")
        parser.add_argument("--json", action="store_true",
                            help="end with one JSON line: dataset, records, includes, runs (seed, wss95, rrf10,"
                                 " atd, stop_at, recall_at_stop) and their mean")
        parser.add_argument("--label-noise", type=float, default=0.0, metavar="P",
                            help="label a fraction P of the includes excluded (seeded by --seed), as a"
                                 " reviewer's mistakes; everything then runs on these labels")
        parser.add_argument("--second-look-out", default=None, metavar="FILE",
                            help='write {"flipped": [...], "excluded_ranked": [...]} (0-based rows): the records'
                                 " labelled excluded, most likely relevant first by a cross-validated model")

    def handle(self, dataset, seeds, seed, order_out, json, label_noise, second_look_out, **options):
        if not Path(dataset).is_file():
            raise CommandError(f"{dataset}: no such file")
        if seeds < 1:
            raise CommandError("--seeds must be at least 1")
        if not 0 <= label_noise <= 1:
            raise CommandError("--label-noise must be between 0 and 1")
        try:
            report = run(dataset, seeds=seeds, first_seed=seed, order_out=order_out, as_json=json,
                         label_noise=label_noise, second_look_out=second_look_out)
        except (KeyError, ValueError) as error:
            raise CommandError(f"{dataset}: {error}") from None
        self.stdout.write(report, ending="")
