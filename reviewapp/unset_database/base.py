"""The database backend in use while DATABASE_URL is not set.

The commands that read only files (inspect_export, dedup_file, simulate_screening) then run as
usual, and anything that reaches for the database stops with a message naming the variable,
not Django's generic "supply the ENGINE value".
"""
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.dummy import base as dummy

MESSAGE = (
    "DATABASE_URL is not set. Set it to a postgres:// URL, or start the app with `make run`, "
    "which starts an embedded PostgreSQL under ./var/."
)


def complain(*args, **kwargs):
    raise ImproperlyConfigured(MESSAGE)


class DatabaseOperations(dummy.DatabaseOperations):
    quote_name = complain


class DatabaseClient(dummy.DatabaseClient):
    runshell = complain


class DatabaseIntrospection(dummy.DatabaseIntrospection):
    get_table_list = complain
    get_table_description = complain
    get_relations = complain
    get_indexes = complain


class DatabaseWrapper(dummy.DatabaseWrapper):
    vendor = "unset"
    _cursor = complain
    ensure_connection = complain
    _commit = complain
    _savepoint_commit = complain
    _set_autocommit = complain
    client_class = DatabaseClient
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
