"""What the app needs to serve, checked when it starts rather than on the first request.

Settings leave a missing SECRET_KEY or DATABASE_URL unset instead of failing on import, so that
the commands that only read files run without them. The web server (reviewapp/wsgi.py) and
every command that runs Django's system checks (`check`, `migrate`, `runserver`, …) stop here.
"""
from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured


def required_settings(app_configs=None, **kwargs):
    errors = []
    if settings.DATABASES["default"]["ENGINE"] == settings.UNSET_DATABASE["ENGINE"]:
        errors.append(Error(
            "DATABASE_URL is not set.",
            hint="Set it to a postgres:// URL, or start the app with `make run`.",
            id="reviewapp.E001",
        ))
    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises on reading an empty key
    except ImproperlyConfigured:
        errors.append(Error(
            "SECRET_KEY must be set when DEBUG=0.",
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a long random string; `make run` sets DEBUG=1.",
            id="reviewapp.E002",
        ))
    return errors


def refuse_to_serve_without_required_settings():
    """Raise ImproperlyConfigured naming every missing setting, if any."""
    errors = required_settings()
    if errors:
        raise ImproperlyConfigured(" ".join(f"{error.msg} {error.hint}" for error in errors))
