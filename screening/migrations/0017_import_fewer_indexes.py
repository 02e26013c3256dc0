import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The single-column indexes Django gave these foreign keys, dropped: another index begins with
# the same column, or (made partial below) nearly every row has NULL there.
REDUNDANT_INDEXES = {
    "screening_record_source_import_id_174d05c6": ("screening_record", "source_import_id"),
    "screening_record_duplicate_of_id_712e6968": ("screening_record", "duplicate_of_id"),
    "screening_record_notice_of_id_2a171e87": ("screening_record", "notice_of_id"),
    "screening_recordstage_record_id_7f30ba5b": ("screening_recordstage", "record_id"),
    "screening_recordstage_review_id_4d23bd67": ("screening_recordstage", "review_id"),
    "screening_recordstage_pilot_id_18672a0a": ("screening_recordstage", "pilot_id"),
    "screening_recordstage_resolved_by_id_34f4cd68": ("screening_recordstage", "resolved_by_id"),
}

# Columns no query filters or joins on: ANALYZE after a large import skips them (half its time).
# Title and journal keep theirs (the record lists search them).
UNFILTERED_COLUMNS = ("raw", "abstract", "authors", "identifiers", "issn", "keywords", "subject_terms", "urls")


class Migration(migrations.Migration):
    """Fewer indexes for an import to fill, and a cheaper ANALYZE after it: every record an
    import adds went into nine indexes of screening_record and, with its title/abstract stage,
    nine of screening_recordstage; now six and five. The foreign-key constraints stay as they
    are (Django's AlterField would drop and re-validate them; only the state changes here)."""

    dependencies = [
        ('screening', '0016_second_look_kept'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='record',
                    name='duplicate_of',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='duplicates', to='screening.record'),
                ),
                migrations.AlterField(
                    model_name='record',
                    name='notice_of',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='linked_notices', to='screening.record'),
                ),
                migrations.AlterField(
                    model_name='record',
                    name='source_import',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='records', to='screening.import'),
                ),
                migrations.AlterField(
                    model_name='recordstage',
                    name='pilot',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='record_stages', to='screening.pilot'),
                ),
                migrations.AlterField(
                    model_name='recordstage',
                    name='record',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='stages', to='screening.record'),
                ),
                migrations.AlterField(
                    model_name='recordstage',
                    name='resolved_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='recordstage',
                    name='review',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='screening.review'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in REDUNDANT_INDEXES],
                    [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                     for name, (table, column) in REDUNDANT_INDEXES.items()],
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', False)), fields=['duplicate_of'], name='record_duplicate_of'),
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(condition=models.Q(('notice_of__isnull', False)), fields=['notice_of'], name='record_notice_of'),
        ),
        migrations.AddIndex(
            model_name='recordstage',
            index=models.Index(condition=models.Q(('pilot__isnull', False)), fields=['pilot'], name='recordstage_pilot'),
        ),
        migrations.AddIndex(
            model_name='recordstage',
            index=models.Index(condition=models.Q(('resolved_by__isnull', False)), fields=['resolved_by'], name='recordstage_resolved_by'),
        ),
        migrations.RunSQL(
            "ALTER TABLE screening_record "
            + ", ".join(f"ALTER COLUMN {column} SET STATISTICS 0" for column in UNFILTERED_COLUMNS),
            "ALTER TABLE screening_record "
            + ", ".join(f"ALTER COLUMN {column} SET STATISTICS -1" for column in UNFILTERED_COLUMNS),
        ),
    ]
