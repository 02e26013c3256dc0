import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from screening.models import Review
from screening.pubmed import PubMedError
from screening.services import pubmed as pubmed_services
from screening.services.jobs import JobError

PUBMED_XML_HEAD = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
ARTICLE_SET = re.compile(rb"<PubmedArticleSet[^>]*>(.*)</PubmedArticleSet>", re.DOTALL)


class Command(BaseCommand):
    help = ("Search PubMed through NCBI_EUTILS_URL: print the hit count and PubMed's translation; "
            "with --save, fetch every record into a PubMed XML file; with --review, import them into "
            "a review as the web page does.")

    def add_arguments(self, parser):
        parser.add_argument("query", help="the PubMed query, in full PubMed syntax")
        parser.add_argument("--mindate", default=None, help="published from: YYYY, YYYY/MM or YYYY/MM/DD")
        parser.add_argument("--maxdate", default=None, help="published until (included)")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--save", metavar="PATH", help="write every record to this PubMed XML file")
        target.add_argument("--review", metavar="ID", type=int, help="import every record into this review")

    def handle(self, query, mindate, maxdate, save, review, **options):
        try:
            if review is not None:
                return self.import_into(review, query, mindate, maxdate)
            low, high = pubmed_services.search_dates(mindate, maxdate)
            client = pubmed_services.pubmed_client()
            if save:
                return self.save(client, query, low, high, Path(save))
            summary = client.count(query, mindate=low, maxdate=high)
            self.print_summary(summary.count, summary.query_translation, summary.warnings)
        except (PubMedError, ValueError) as error:
            raise CommandError(str(error)) from None

    def print_summary(self, count, translation, warnings):
        self.stdout.write(f"count:       {count}")
        self.stdout.write(f"translation: {translation}")
        for warning in warnings:
            self.stdout.write(f"warning:     {warning}")

    def save(self, client, query, low, high, path):
        plan = client.plan(query, mindate=low, maxdate=high)
        self.print_summary(plan.count, plan.query_translation, plan.warnings)
        written = set()
        # Only a complete download takes the file's name; a failed one leaves no file.
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                out.write(PUBMED_XML_HEAD)
                for batch in client.fetch(plan, batch_size=pubmed_services.BATCH_SIZE):
                    match = ARTICLE_SET.search(batch.xml)
                    if match:
                        out.write(match.group(1).strip(b"\n") + b"\n")
                    written.update(batch.pmids)
                    self.stderr.write(f"{len(written):,} of {plan.total:,} records fetched…")
                out.write(b"</PubmedArticleSet>\n")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)
        self.stdout.write(f"saved:       {len(written)} records to {path}")

    def import_into(self, review_id, query, mindate, maxdate):
        review = Review.objects.filter(pk=review_id).first()
        if review is None:
            raise CommandError(f"There is no review {review_id}.")

        def progress(done, total=None, message=None, force=False):
            if message and force:
                self.stderr.write(message)

        try:
            run = pubmed_services.pubmed_search_now(review=review, query=query, mindate=mindate,
                                                    maxdate=maxdate, progress=progress)
        except JobError as error:
            raise CommandError(str(error)) from None
        self.print_summary(run.count, run.query_translation, run.warnings)
        explanation = pubmed_services.pubmed_run_explanation(run)
        self.stdout.write(f"imported:    {explanation['imported']} records into review {review.pk} "
                          f"(import {run.source_import_id}, PubMed search {run.search_id})")
