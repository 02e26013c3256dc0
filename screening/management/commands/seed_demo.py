import random
import secrets
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from screening.formats import ImportFormatError
from screening.models import Membership, Role
from screening.services.dedup import dedup_review
from screening.services.imports import import_file_now
from screening.services.reviews import review_create

User = get_user_model()

TOPICS = [
    ("blue-light filtering glasses", "sleep quality"), ("evening screen use", "sleep onset latency"),
    ("amber lenses", "melatonin secretion"), ("night mode on smartphones", "subjective sleepiness"),
    ("bright light therapy", "circadian phase"), ("caffeine timing", "total sleep time"),
    ("mindfulness training", "insomnia severity"), ("exercise in the evening", "sleep efficiency"),
]
DESIGNS = ["a randomised controlled trial", "a crossover trial", "a cohort study", "a cross-sectional survey",
           "a pilot study", "a systematic review"]
SURNAMES = ["Smith", "García", "Müller", "Nakamura", "Okafor", "Rossi", "Novak", "Haddad", "Kowalski", "Dubois"]
JOURNALS = ["Sleep Medicine", "Chronobiology International", "Journal of Sleep Research", "Sleep Health"]


def synthetic_records(count, seed):
    """Clearly labelled made-up records, deterministic for a seed."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        exposure, outcome = rng.choice(TOPICS)
        design = rng.choice(DESIGNS)
        authors = [f"{rng.choice(SURNAMES)}, {rng.choice('ABCDEFGHJK')}." for _ in range(rng.randint(1, 4))]
        year = rng.randint(2012, 2024)
        start = rng.randint(1, 900)
        records.append({
            "title": f"[SYNTHETIC DEMO] Effect of {exposure} on {outcome}: {design} ({index + 1})",
            "abstract": (f"SYNTHETIC DEMO RECORD, not a real study. Background: {exposure} may change {outcome}. "
                         f"Methods: {design} in adults. Results: made-up numbers. Conclusion: none."),
            "authors": authors, "year": year, "journal": rng.choice(JOURNALS),
            "volume": str(rng.randint(1, 60)), "pages": f"{start}-{start + rng.randint(3, 12)}",
            "doi": f"10.5555/demo.{seed}.{index + 1}",
        })
    return records


def as_ris(records, database):
    lines = []
    for r in records:
        lines += ["TY  - JOUR", f"TI  - {r['title']}"] + [f"AU  - {a}" for a in r["authors"]]
        lines += [f"PY  - {r['year']}", f"JO  - {r['journal']}", f"VL  - {r['volume']}", f"SP  - {r['pages']}",
                  f"AB  - {r['abstract']}", f"DO  - {r['doi']}", f"DB  - {database}", "ER  - ", ""]
    return "\n".join(lines)


def as_medline(records):
    lines = []
    for number, r in enumerate(records, start=1):
        lines += [f"PMID- 9{number:07d}", f"TI  - {r['title']}", f"AB  - {r['abstract']}"]
        lines += [f"AU  - {a.replace(',', '').replace('.', '')}" for a in r["authors"]]
        lines += [f"DP  - {r['year']}", f"TA  - {r['journal']}", f"VI  - {r['volume']}", f"PG  - {r['pages']}",
                  f"LID - {r['doi'].upper()} [doi]", ""]
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Create a demo review with a lead and two reviewers (generated passwords printed) and import "
            "the given export files; with none, a clearly labelled synthetic set with cross-database "
            "duplicates. The last line printed is the new review's id.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*")

    def handle(self, files, **options):
        for path in files:
            if not Path(path).is_file():
                raise CommandError(f"{path}: no such file")
        accounts = []
        with transaction.atomic():
            tag = secrets.token_hex(2)
            lead = self._user(f"demo-lead-{tag}", "Demo", "Lead", accounts)
            review = review_create(
                created_by=lead, title=f"Demo review {tag}",
                question="Do interventions that reduce evening blue-light exposure improve sleep in adults?",
                inclusion_criteria="Adults; any blue-light reducing intervention; sleep outcomes.",
                exclusion_criteria="Children; animal studies; no sleep outcome.",
            )
            for n in (1, 2):
                reviewer = self._user(f"demo-reviewer{n}-{tag}", "Demo", f"Reviewer {n}", accounts)
                Membership.objects.create(review=review, user=reviewer, role=Role.REVIEWER)
        try:
            if files:
                for path in files:
                    import_ = import_file_now(review=review, path=path, database="", imported_by=lead)
                    database = import_.database or "database not named"
                    self.stdout.write(f"Imported {import_.record_count} records from {import_.filename} ({database}).")
            else:
                self._import_synthetic(review, lead)
        except ImportFormatError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("Duplicates: " + dedup_review(review=review).message())
        for username, password, role in accounts:
            self.stdout.write(f"{role:<9} {username}  password: {password}")
        self.stdout.write(f"Review {review.pk}: {review.title}")
        self.stdout.write(str(review.pk))

    def _user(self, username, first, last, accounts):
        password = secrets.token_urlsafe(10)
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=password,
                                        first_name=first, last_name=last)
        accounts.append((username, password, "lead" if "lead" in username else "reviewer"))
        return user

    def _import_synthetic(self, review, lead):
        shared = synthetic_records(20, seed=1)  # found by both databases: cross-database duplicates
        only_a = synthetic_records(30, seed=2)
        only_b = synthetic_records(25, seed=3)
        with tempfile.TemporaryDirectory() as folder:
            a = Path(folder) / "synthetic-embase-demo.ris"
            a.write_text(as_ris(shared + only_a, "Synthetic Embase (demo)"), encoding="utf-8")
            b = Path(folder) / "synthetic-pubmed-demo.nbib"
            b.write_text(as_medline(shared + only_b), encoding="utf-8")
            for path, database, platform in ((a, "Synthetic Embase (demo)", "Demo"), (b, "Synthetic MEDLINE (demo)",
                                                                                      "Demo")):
                import_ = import_file_now(review=review, path=path, database=database, platform=platform,
                                          imported_by=lead)
                self.stdout.write(f"Imported {import_.record_count} synthetic records as {database}.")
        self.stdout.write("These records are SYNTHETIC (made up for the demo); 20 appear in both files.")
