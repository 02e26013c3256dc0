"""ANALYZE after a large import keeps no statistics for the record columns no query filters,
joins or sorts on. What the planner needs of a record is its review, import, identifiers (DOI,
PMID) and state (merged, linked, removed, retracted); the record lists' title and journal
searches are substring matches (ILIKE '%…%') inside one review, planned from the review's rows
whatever the title's statistics say. Sorting and comparing long titles was most of the
ANALYZE's time (0.5 s of 100,000 records, 0.3 s without them)."""
from django.db import migrations

UNFILTERED_COLUMNS = ("title", "journal", "volume", "issue", "pages", "pmcid", "language", "publication_type",
                      "database", "id_in_file", "line", "source_index", "year")


class Migration(migrations.Migration):
    dependencies = [("screening", "0017_import_fewer_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE screening_record "
            + ", ".join(f"ALTER COLUMN {column} SET STATISTICS 0" for column in UNFILTERED_COLUMNS),
            "ALTER TABLE screening_record "
            + ", ".join(f"ALTER COLUMN {column} SET STATISTICS -1" for column in UNFILTERED_COLUMNS),
        ),
    ]
