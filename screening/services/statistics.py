"""Planner statistics after bulk loads.

An import COPYs up to hundreds of thousands of rows at once. Until the tables are analysed the
planner keeps the row counts it saw before (often: an empty table), and chooses plans for a
small review's dashboard that scan the whole table (two counts took 15 s each after 200,000
records, 0.5 ms after an ANALYZE). Autovacuum may be off, or analyse minutes later, so the
services that fill tables in bulk analyse them themselves, once their transaction has committed.
"""
import logging
import time

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def tables_analyze(*models):
    """ANALYZE the tables of ``models`` (whole tables: ANALYZE reads a fixed-size sample, about
    30,000 rows, so the cost does not grow with the table). Return the seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in dict.fromkeys(models):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    seconds = time.perf_counter() - started
    logger.info("analysed %s in %.2f s", ", ".join(model._meta.db_table for model in models), seconds)
    return seconds


def tables_analyze_after_commit(*models):
    """ANALYZE once the current transaction commits: the sample must see the new rows, and
    nothing is analysed for a load that rolled back."""
    transaction.on_commit(lambda: tables_analyze(*models))
