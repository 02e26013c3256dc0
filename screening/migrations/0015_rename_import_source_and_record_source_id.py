from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("screening", "0014_dedupui_merge_batch"),
    ]

    operations = [
        migrations.RenameField(model_name="import", old_name="source", new_name="identified_via"),
        migrations.RenameField(model_name="record", old_name="source_id", new_name="id_in_file"),
    ]
