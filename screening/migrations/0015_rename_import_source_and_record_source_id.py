from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0014_dedupui_merge_batch"),
    ]

    operations = [
        migrations.RenameField(model_name="import", old_name="source", new_name="identified_via"),
        migrations.RenameField(model_name="record", old_name="source_id", new_name="id_in_file"),
        # A column map stored by a check that is not yet confirmed names the field as it was.
        migrations.RunSQL(
            "UPDATE screening_import SET column_map = (column_map - 'source_id') "
            "|| jsonb_build_object('id_in_file', column_map -> 'source_id') WHERE column_map ? 'source_id'",
            "UPDATE screening_import SET column_map = (column_map - 'id_in_file') "
            "|| jsonb_build_object('source_id', column_map -> 'id_in_file') WHERE column_map ? 'id_in_file'",
        ),
    ]
