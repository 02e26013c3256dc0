"""`make run` prints what a user needs last, framed; `make stop-db` stops the embedded
PostgreSQL whoever runs it."""
import sys
import types

from reviewapp import launcher


def test_the_frame_fits_the_longest_line():
    box = launcher.framed(["reviewapp is running at  http://127.0.0.1:8000/", "Sign in as  admin"]).splitlines()
    assert len({len(line) for line in box}) == 1
    assert box[0] == box[-1] == "#" * len(box[0])
    assert box[1] == "#  reviewapp is running at  http://127.0.0.1:8000/  #"
    assert box[2].startswith("#  Sign in as  admin ") and box[2].endswith("  #")


def fake_pgserver(monkeypatch, calls):
    module = types.ModuleType("pgserver")
    module.pg_ctl = lambda args, pgdata, user=None: calls.append((args, pgdata, user))
    monkeypatch.setitem(sys.modules, "pgserver", module)


def test_stop_db_runs_pg_ctl_as_the_server_user_when_root(monkeypatch, tmp_path):
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "postmaster.pid").write_text("1\n")
    monkeypatch.setattr(launcher, "VAR_DIR", tmp_path)
    monkeypatch.setattr(launcher.os, "geteuid", lambda: 0)
    calls = []
    fake_pgserver(monkeypatch, calls)
    assert launcher.stop_embedded_postgres() == 0
    assert calls == [(["-w", "stop"], tmp_path / "pgdata", "pgserver")]


def test_stop_db_runs_pg_ctl_as_oneself_otherwise(monkeypatch, tmp_path):
    (tmp_path / "pgdata").mkdir()
    (tmp_path / "pgdata" / "postmaster.pid").write_text("1\n")
    monkeypatch.setattr(launcher, "VAR_DIR", tmp_path)
    monkeypatch.setattr(launcher.os, "geteuid", lambda: 1000)
    calls = []
    fake_pgserver(monkeypatch, calls)
    launcher.stop_embedded_postgres()
    assert calls[0][2] is None


def test_stop_db_says_so_when_nothing_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(launcher, "VAR_DIR", tmp_path)
    calls = []
    fake_pgserver(monkeypatch, calls)
    assert launcher.stop_embedded_postgres() == 0
    assert calls == [] and "not running" in capsys.readouterr().out


def test_the_worker_output_is_relayed_and_its_ready_line_noticed_at_once(capsys):
    import threading

    ready, ready_after_that_line = threading.Event(), []

    def worker_output():
        yield " -------------- celery@vm v5.5\n"
        yield "celery@vm ready.\n"
        ready_after_that_line.append(ready.is_set())  # before the worker says anything more
        yield "Task screening.tasks.run_job received\n"

    launcher.relay_output(worker_output(), ready)
    assert ready_after_that_line == [True]
    assert capsys.readouterr().out.splitlines()[1] == "celery@vm ready."
