import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from reviewapp.settings import database_from_url, envbool, envint

from .conftest import REPO_ROOT


def test_it_reads_a_tcp_database_url():
    db = database_from_url("postgres://rev:s%40cret@db.example:6543/reviews")
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "reviews", "rev", "s@cret", "db.example", "6543")


def test_it_reads_a_socket_database_url_in_both_spellings():
    assert database_from_url("postgresql://postgres@/reviewapp?host=/var/run/pg")["HOST"] == "/var/run/pg"
    assert database_from_url("postgres://postgres@%2Fvar%2Frun%2Fpg/reviewapp")["HOST"] == "/var/run/pg"


def test_it_refuses_any_database_but_postgres():
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL is the only database"):
        database_from_url("sqlite:///db.sqlite3")


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_it_fails_loudly_on_a_bad_boolean(monkeypatch, value):
    monkeypatch.setenv("SOME_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        envbool("SOME_FLAG", False)


def test_it_fails_loudly_on_a_bad_number(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        envint("SOME_NUMBER", 1)


def production_env(**overrides):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by tests/browser/conftest.py for Playwright; a deployment
    # never has it, and check --deploy rightly refuses it.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 30 + "-production-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="reviews.example.org",
        CSRF_TRUSTED_ORIGINS="https://reviews.example.org",
        DATABASE_URL=env.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/reviewapp",
    )
    env.update(overrides)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT, env=production_env(), capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
