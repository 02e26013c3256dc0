"""Settings for reviewapp, all read from the environment.

Every variable is listed in .env.example. Helpers fail loudly on a value they cannot read, so a
typo in production stops the process at start instead of running with a surprising default.

Importing this module only reads: it writes no file and creates no folder (the development
launcher, reviewapp/launcher.py, prepares ./var). A value that is missing, not wrong, stops only
what needs it: commands that read a file (inspect_export, dedup_file, simulate_screening) run
with nothing configured, while the web server and `manage.py check` refuse to start without a
database or, in production, a secret key (reviewapp/checks.py).
"""
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REVIEWAPP_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name, default=None):
    """Read NAME, or the contents of the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return os.environ.get(name, default)


def database_from_url(url):
    """Turn postgres://user:pass@host:port/name (host may be a %2F-encoded socket dir, or
    given as ?host=/socket/dir) into a DATABASES entry. Only PostgreSQL is accepted."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// URL (PostgreSQL is the only database), not {parsed.scheme!r}"
        )
    query = parse_qs(parsed.query)
    host = query.get("host", [unquote(parsed.hostname or "")])[0]
    if "%2f" in (parsed.netloc or "").lower():
        host = unquote(parsed.netloc.rsplit("@", 1)[-1].split(":")[0])
    name = unquote(parsed.path.lstrip("/")) or "postgres"
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"DATABASE_URL has a bad port: {url!r}") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME") or None},
    }


def _database_url():
    url = envsecret("DATABASE_URL")
    if url:
        return url
    # `make run` and `make test` start an embedded PostgreSQL and leave its URL here, so that
    # `python manage.py ...` in another terminal reaches the same database.
    embedded = VAR_DIR / "embedded-database-url"
    if embedded.exists():
        return embedded.read_text().strip()
    return None


def _secret_key():
    key = envsecret("SECRET_KEY")
    if key:
        return key
    if DEBUG:
        # Development without a key: one per process. `make run` passes its web server and
        # worker a key kept under ./var (SECRET_KEY_FILE), so sessions survive restarts there.
        return secrets.token_urlsafe(50)
    # Production without a key: empty, so whatever signs (sessions, CSRF, password resets)
    # fails, and the web server and `manage.py check` refuse to start (reviewapp/checks.py).
    return ""


# Production unless development is asked for (DEBUG=1, as the launcher behind `make run` and
# `make test` does): the safe settings are the ones a forgotten variable leaves.
DEBUG = envbool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "screening",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reviewapp.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a form's body: an oversized upload is refused unread.
    "reviewapp.middleware.UploadSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Refuses NUL characters in any user text, before a view sees it (PostgreSQL cannot store them).
    "reviewapp.middleware.RefuseNulCharacters",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it watches the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
WSGI_APPLICATION = "reviewapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# Without a database the app still loads, for the commands that read only files; any query
# stops with a message that says which variable to set (reviewapp/unset_database).
UNSET_DATABASE = {"ENGINE": "reviewapp.unset_database"}
_url = _database_url()
DATABASES = {"default": database_from_url(_url) if _url else UNSET_DATABASE}
# A second connection to the same database for job progress: an import runs in one long
# transaction, and its progress must be visible to the page that polls it before it commits.
DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review_list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = envbool("LOGIN_THROTTLING", True)
# The address is the connecting one unless TRUSTED_PROXY_COUNT proxies stand in front of the app;
# then X-Forwarded-For is read as far as those proxies wrote it, never further (see README).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "reviewapp.client_address.client_address_of_request"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# Uploads: search exports can be hundreds of megabytes; they stream to a temporary file. A
# request declaring a larger body than this (all its files together) is refused unread.
IMPORT_MAX_UPLOAD_MB = envint("IMPORT_MAX_UPLOAD_MB", 512)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Screening: a record claimed for a reviewer and left without a vote this long may be taken
# over by another reviewer once nothing else is left to screen; 0 keeps claims forever.
SCREENING_CLAIM_EXPIRES_MINUTES = envint("SCREENING_CLAIM_EXPIRES_MINUTES", 60)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Invitations: a link works once, for the invited address only, for this many days.
INVITATION_EXPIRES_DAYS = envint("INVITATION_EXPIRES_DAYS", 14)

# E-mail: the console backend unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reviewapp@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. Without CELERY_BROKER_URL a broker that needs no server (kombu's filesystem
# transport under ./var/broker, whose folders the launcher creates) lets `make run` work on a
# bare machine.
BROKER_FOLDER = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_FOLDER / "control"),
    }
# Jobs whose worker dies. A running job's worker refreshes its heartbeat every
# JOB_HEARTBEAT_SECONDS; JOB_STALE_SECONDS without one and the job counts as stopped: its page
# offers Retry and Cancel, and a redelivered task takes it over. Redis hands a task whose
# worker never acknowledged it to another worker after CELERY_VISIBILITY_TIMEOUT seconds
# (Redis' own default is an hour); a job running longer than that is simply not taken twice,
# since the copy finds its heartbeat fresh. Together: a dead worker's job is taken over or
# shown as stopped within two minutes (README, "Security and reliability").
JOB_HEARTBEAT_SECONDS = envint("JOB_HEARTBEAT_SECONDS", 10)
JOB_STALE_SECONDS = envint("JOB_STALE_SECONDS", 60)
if not 0 < 2 * JOB_HEARTBEAT_SECONDS <= JOB_STALE_SECONDS:
    raise ImproperlyConfigured("JOB_STALE_SECONDS must be at least twice JOB_HEARTBEAT_SECONDS (and both above 0).")
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 90)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu sweeps for such tasks only every interval x throttle seconds (100 s by default):
    # every tenth of the timeout here, at most 10 s, so the sweep adds little to it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 10)),
        "unacked_restore_throttle": 1,
    }
# A separate queue name lets a test run its own worker beside a running `make run`.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True  # job state lives on the Job row, not in a result backend
CELERY_TASK_ACKS_LATE = True  # safe because every task claims its job row first
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The cache, shared by every process of the app (web workers and the Celery worker): a count
# cached by one and deleted by another when it changes (records entering screening after an
# import, in the worker) must be fresh in all. Redis when there is one (REDIS_URL, or a redis://
# broker; Django's keys carry their own prefix beside Celery's). Otherwise the set-up is a single
# machine (as the filesystem broker already is), and files under ./var/cache are shared by its
# processes without adding a database query per cache read.
REDIS_URL = envsecret("REDIS_URL") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
                                       else "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    } if REDIS_URL else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
}
# Entries of one database apart from another's that shares the Redis (several instances).
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX") or DATABASES["default"].get("NAME", "")

# NCBI E-utilities (PubMed search).
NCBI_API_KEY = envsecret("NCBI_API_KEY", "")
NCBI_EMAIL = os.environ.get("NCBI_EMAIL", "")
NCBI_TOOL = os.environ.get("NCBI_TOOL", "reviewapp")
NCBI_EUTILS_URL = os.environ.get("NCBI_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")

# Security: production values whenever DEBUG is off, so `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
# No inline script or style, no eval, nothing from elsewhere: every script and style sheet is
# a file under /static/ (htmx is told not to add its own <style> nor to eval, base.html).
# A data: URL only for images: the page's empty favicon.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_without_traceback": {"()": "reviewapp.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_error_without_traceback"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own console handler would print every request error a second time: its
    # records go to the root handler only.
    "loggers": {"axes": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO"}},
}
