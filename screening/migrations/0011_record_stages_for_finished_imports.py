"""Records of every finished import in title/abstract screening.

Records now enter screening when their import finishes, and pages no longer add the ones that
are missing when they are read; this adds, once, those of imports that finished before.
"""
from django.db import migrations

# The order key as services/queue.py computes it (the md5 prefix of "<review>:<record>").
ADD_MISSING = """
    INSERT INTO screening_recordstage
        (review_id, record_id, stage, order_key, claims, outcome, resolution, resolution_reason)
    SELECT r.review_id, r.id, 'title_abstract',
           ('x' || substr(md5(r.review_id::text || ':' || r.id::text), 1, 8))::bit(32)::int, 0, 'pending', '', ''
    FROM screening_record r JOIN screening_import i ON i.id = r.source_import_id
    WHERE i.status = 'imported' AND i.source IN ('database', 'register')
    ON CONFLICT (record_id, stage) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("screening", "0010_decision_cursor_index")]

    operations = [migrations.RunSQL(ADD_MISSING, reverse_sql=migrations.RunSQL.noop)]
