from django.db import migrations

# The decision history is append-only in the database itself: any UPDATE or DELETE of a row
# raises, whoever sends it (the app, the admin, psql). TRUNCATE is not a row change and stays
# possible for test teardown and a deliberate wipe by the database owner.
FORBID = """
CREATE FUNCTION screening_decisionevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the decision history is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER screening_decisionevent_append_only
    BEFORE UPDATE OR DELETE ON screening_decisionevent
    FOR EACH ROW EXECUTE FUNCTION screening_decisionevent_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS screening_decisionevent_append_only ON screening_decisionevent;
DROP FUNCTION IF EXISTS screening_decisionevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_screening_decisions"),
    ]

    operations = [migrations.RunSQL(FORBID, reverse_sql=ALLOW)]
