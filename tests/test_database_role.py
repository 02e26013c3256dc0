"""In production the app connects as a role that cannot erase or switch off the history
(deploy/app_role.sql). The tests own their database, so they create that role, apply the
file's grants, and try the attacks as the role."""
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

pytestmark = pytest.mark.django_db(transaction=True)

GRANTS = settings.BASE_DIR / "deploy" / "app_role.sql"
OWNER = "must be owner of (table|relation) screening_decisionevent"  # the wording varies by statement


def grant_statements(role):
    """The file's statements for `role`, psql's variables filled in."""
    sql = re.sub(r"--[^\n]*", "", GRANTS.read_text())
    sql = sql.replace("reviewapp_app", role).replace("LOGIN PASSWORD :app_password", "NOLOGIN")
    sql = sql.replace(':"DBNAME"', connection.ops.quote_name(connection.settings_dict["NAME"]))
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


@pytest.fixture
def app_role():
    role = f"reviewapp_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        for statement in grant_statements(role):
            cursor.execute(statement)
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def as_role(role, sql):
    """Run `sql` as `role`; return None, or the error PostgreSQL refused it with."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(sql)
            transaction.set_rollback(True)  # an attack that works must still change nothing here
    except ProgrammingError as error:
        return str(error).splitlines()[0]
    return None


@pytest.mark.parametrize(("attack", "refusal"), [
    ("TRUNCATE screening_decisionevent", "permission denied for table screening_decisionevent"),
    ("TRUNCATE screening_decisionevent CASCADE", "permission denied for table screening_decisionevent"),
    ("ALTER TABLE screening_decisionevent DISABLE TRIGGER screening_decisionevent_append_only",
     OWNER),
    ("ALTER TABLE screening_decisionevent DISABLE TRIGGER ALL", OWNER),
    ("DROP TRIGGER screening_decisionevent_append_only ON screening_decisionevent",
     OWNER),
    ("DELETE FROM screening_decisionevent", "permission denied for table screening_decisionevent"),
    ("UPDATE screening_decisionevent SET note = ''", "permission denied for table screening_decisionevent"),
    ("TRUNCATE screening_decision", "permission denied for table screening_decision"),
])
def test_the_app_role_cannot_erase_or_switch_off_the_history(app_role, attack, refusal):
    error = as_role(app_role, attack)
    assert error is not None and re.fullmatch(refusal, error), error


def test_the_app_role_can_still_do_the_apps_work(app_role):
    for work in ["SELECT count(*) FROM screening_decisionevent", "SELECT count(*) FROM screening_record",
                 "UPDATE screening_review SET title = title", "DELETE FROM screening_job WHERE false",
                 "SELECT nextval(pg_get_serial_sequence('screening_job', 'id'))"]:
        assert as_role(app_role, work) is None, work
