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
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a production
    # process never has it, and `check --deploy` rightly flags it. The test settings module
    # would turn DEBUG on; manage.py picks the app's own.
    # `make test` passes the development key as SECRET_KEY_FILE: a production process has its own.
    unwanted = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
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


# --- Settings only read; a missing value stops only what needs it ------------------------------

TWO_RECORDS_RIS = """TY  - JOUR
TI  - Blue-light filtering glasses and sleep quality in adults: a randomised trial
AU  - Smith, Jane
PY  - 2020
DO  - 10.1000/blue.2020.1
ER  -

TY  - JOUR
TI  - Screen time at night and sleep latency in office workers
AU  - Jones, Ann
PY  - 2019
ER  -
"""


def bare_env(tmp_path, **variables):
    """An environment with nothing of the app's configured (no database, key, DEBUG or broker),
    and a folder of its own for ./var, which must stay empty."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "REVIEWAPP_VAR_DIR": str(tmp_path / "var")}
    env.update(variables)
    return env


def run_python(env, *args):
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True)


def settings_value(env, expression):
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'reviewapp.settings'; django.setup(); "
            f"from django.conf import settings; print(repr({expression}))")
    result = run_python(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("variables", [{}, {"DEBUG": "1"}, {"DATABASE_URL": "postgres://rev@db.example/reviews"}])
def test_loading_the_settings_writes_no_file_and_makes_no_folder(tmp_path, variables):
    settings_value(bare_env(tmp_path, **variables), "settings.CELERY_BROKER_URL")
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("variables", [{}, {"DATABASE_URL": "postgres://rev@db.example/reviews"}])
def test_debug_is_off_unless_asked_for_whether_or_not_a_database_is_named(tmp_path, variables):
    assert settings_value(bare_env(tmp_path, **variables), "settings.DEBUG") == "False"
    assert settings_value(bare_env(tmp_path, DEBUG="1", **variables), "settings.DEBUG") == "True"


def test_a_development_process_without_a_key_gets_one_of_its_own_and_stores_nothing(tmp_path):
    key = settings_value(bare_env(tmp_path, DEBUG="1"), "settings.SECRET_KEY")
    assert len(key) > 40
    assert key != settings_value(bare_env(tmp_path, DEBUG="1"), "settings.SECRET_KEY")
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("variables", [{}, {"DATABASE_URL": "postgres://rev@db.example/reviews"}],
                         ids=["nothing configured", "only DATABASE_URL"])
def test_the_commands_that_read_files_run_without_a_database_or_a_key(tmp_path, variables):
    env = bare_env(tmp_path, **variables)
    export = tmp_path / "search.ris"
    export.write_text(TWO_RECORDS_RIS)

    inspected = run_python(env, "manage.py", "inspect_export", str(export))
    assert inspected.returncode == 0, inspected.stderr
    assert "Records:   2" in inspected.stdout

    clusters = tmp_path / "clusters.csv"
    deduplicated = run_python(env, "manage.py", "dedup_file", str(export), "--out", str(clusters))
    assert deduplicated.returncode == 0, deduplicated.stderr
    assert clusters.read_text().splitlines()[0] == "merged_ids"

    labelled = tmp_path / "labelled.csv"
    rows = ["title,abstract,label_included"] + [
        f"Blue light study {n},Glasses that filter blue light improved sleep {n},1" for n in range(3)
    ] + [f"Diet study {n},Fasting and weight loss in mice {n},0" for n in range(5)]
    labelled.write_text("\n".join(rows) + "\n")
    simulated = run_python(env, "manage.py", "simulate_screening", str(labelled), "--seeds", "1")
    assert simulated.returncode == 0, simulated.stderr
    assert simulated.stdout.splitlines()[-1].split()[0] == "mean"
    assert not (tmp_path / "var").exists()


def test_commands_that_need_the_database_say_which_variable_to_set(tmp_path):
    env = bare_env(tmp_path, DEBUG="1")
    for command in (["check"], ["migrate", "--no-input"], ["shell", "-c", "from screening.models import Review; "
                                                            "print(Review.objects.count())"]):
        result = run_python(env, "manage.py", *command)
        assert result.returncode != 0, command
        assert "DATABASE_URL is not set" in result.stderr, (command, result.stderr)


def test_the_web_server_refuses_to_start_without_a_secret_key_in_production(tmp_path):
    env = bare_env(tmp_path, DATABASE_URL="postgres://rev@db.example/reviews")
    result = run_python(env, "-c", "import reviewapp.wsgi")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr
    assert "DATABASE_URL" not in result.stderr.splitlines()[-1]


def test_the_web_server_refuses_to_start_without_a_database(tmp_path):
    result = run_python(bare_env(tmp_path, SECRET_KEY="k" * 50), "-c", "import reviewapp.wsgi")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_the_launcher_keeps_a_development_key_and_makes_the_broker_folders(tmp_path):
    code = ("import os; from reviewapp import launcher; launcher.prepare_development(); "
            "print(os.environ['DEBUG'], os.environ['SECRET_KEY_FILE'])")
    first = run_python(bare_env(tmp_path), "-c", code)
    assert first.returncode == 0, first.stderr
    debug, key_file = first.stdout.split()
    assert debug == "1" and key_file == str(tmp_path / "var" / "secret_key")
    key = (tmp_path / "var" / "secret_key").read_text()
    assert sorted(p.name for p in (tmp_path / "var" / "broker").iterdir()) == ["control", "processed", "queue"]

    again = run_python(bare_env(tmp_path), "-c", code)
    assert again.returncode == 0 and (tmp_path / "var" / "secret_key").read_text() == key

    # What the environment names wins, and then nothing is made for it.
    given = run_python(bare_env(tmp_path / "other", SECRET_KEY="k" * 50, CELERY_BROKER_URL="redis://redis:6379/0",
                                DEBUG="0"), "-c", "import os; from reviewapp import launcher; "
                       "launcher.prepare_development(); print(os.environ['DEBUG'], 'SECRET_KEY_FILE' in os.environ)")
    assert given.stdout.split() == ["0", "False"], given.stderr
    assert list((tmp_path / "other" / "var").iterdir()) == []


@pytest.mark.parametrize("variables, backend, location", [
    ({"CELERY_BROKER_URL": "redis://redis:6379/0"}, "RedisCache", "redis://redis:6379/0"),
    ({"CELERY_BROKER_URL": "redis://redis:6379/0", "REDIS_URL": "redis://cache:6379/2"}, "RedisCache",
     "redis://cache:6379/2"),
    ({"REDIS_URL": "rediss://cache:6380/1"}, "RedisCache", "rediss://cache:6380/1"),
    ({"CELERY_BROKER_URL": "amqp://rabbit//"}, "FileBasedCache", "{var}/cache"),
    ({}, "FileBasedCache", "{var}/cache"),
], ids=["redis broker", "REDIS_URL wins", "only REDIS_URL", "other broker", "nothing configured"])
def test_every_process_shares_one_cache(tmp_path, variables, backend, location):
    env = bare_env(tmp_path, **variables)
    configured = settings_value(env, "(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])")
    assert configured == repr((f"django.core.cache.backends.{'redis' if backend == 'RedisCache' else 'filebased'}."
                               f"{backend}", location.format(var=tmp_path / "var")))
