"""`make run` and `make test`: start what the app needs on a bare machine, then the app.

- Without DATABASE_URL an embedded PostgreSQL (the pgserver wheel) runs with its data under
  ./var/pgdata, and its URL is written to ./var/embedded-database-url for settings.py.
- Without CELERY_BROKER_URL settings.py uses kombu's filesystem transport; its folders under
  ./var/broker are made here.
- DEBUG=1 unless DEBUG is set: this is the development entry point.
- Without SECRET_KEY (or SECRET_KEY_FILE) a random key is kept in ./var/secret_key and passed
  on as SECRET_KEY_FILE, so sessions survive a restart.

settings.py itself only reads: everything that writes a file or a folder for development is here.

Usage: python -m reviewapp.launcher run|test|db|manage|bench|stop-db [extra args]
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REVIEWAPP_VAR_DIR", BASE_DIR / "var"))
EMBEDDED_URL_FILE = VAR_DIR / "embedded-database-url"
EMBEDDED_DB_NAME = "reviewapp"


def say(message):
    print(f"[reviewapp] {message}", flush=True)


def start_embedded_postgres():
    """Start (or reuse) the embedded PostgreSQL and return a URL to the reviewapp database."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import pgserver

    pgdata = VAR_DIR / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves the server running after this process ends, so `make test`
    # and a second terminal's `manage.py` reuse it; it stops with the machine or `make stop-db`.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    socket_dir = server.get_uri().split("host=", 1)[1]
    url = f"postgresql://postgres@/{EMBEDDED_DB_NAME}?host={socket_dir}"
    EMBEDDED_URL_FILE.write_text(url)
    return url


def prepare_development():
    """Set the environment the app's processes inherit, and make the folders it names."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DEBUG", "1")
    if not (os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE")):
        key_file = VAR_DIR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        os.environ["SECRET_KEY_FILE"] = str(key_file)
    if not os.environ.get("CELERY_BROKER_URL"):
        for folder in ("queue", "processed", "control"):
            (VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)


def stop_embedded_postgres():
    """Stop the embedded PostgreSQL, if it runs. pg_ctl refuses to run as root; as root,
    pgserver runs the server as its own system user "pgserver", so pg_ctl runs as that user."""
    pgdata = VAR_DIR / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        say("The embedded PostgreSQL is not running.")
        return 0
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR_DIR / "run"))
    import pgserver

    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    pgserver.pg_ctl(["-w", "stop"], pgdata=pgdata, user="pgserver" if as_root else None)
    say("The embedded PostgreSQL is stopped.")
    return 0


def ensure_database():
    if os.environ.get("DATABASE_URL") or os.environ.get("DATABASE_URL_FILE"):
        return os.environ.get("DATABASE_URL", "")
    say("DATABASE_URL is not set: starting the embedded PostgreSQL under ./var/pgdata …")
    url = start_embedded_postgres()
    return url


def manage(*args, check=True):
    return subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=check)


def ensure_admin():
    """Create a first admin account with a generated password when there is no superuser."""
    password = secrets.token_urlsafe(12)
    code = (
        "from django.contrib.auth import get_user_model\n"
        "User = get_user_model()\n"
        "if User.objects.filter(is_superuser=True).exists():\n"
        "    print('exists')\n"
        "else:\n"
        f"    User.objects.create_superuser('admin', 'admin@example.org', {password!r})\n"
        "    print('created')\n"
    )
    out = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "shell", "-c", code],
        check=True, capture_output=True, text=True,
    ).stdout
    return password if "created" in out else None


def framed(lines):
    """Return `lines` in a box of # characters, for the message that must not be missed."""
    width = max(len(line) for line in lines)
    rule = "#" * (width + 6)
    return "\n".join([rule, *(f"#  {line.ljust(width)}  #" for line in lines), rule])


def relay_output(stream, ready):
    """Copy the worker's output to ours line by line; set `ready` once Celery says it is."""
    for line in stream:
        sys.stdout.write(line)
        sys.stdout.flush()
        if " ready." in line:
            ready.set()
    ready.set()  # the worker ended: nothing more to wait for


def wait_until_serving(host, port, worker_ready, web, worker, timeout=60):
    """Wait until the web server accepts connections and the worker is ready (or either has
    stopped, or `timeout` seconds have passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    worker_ready.wait(max(0.0, deadline - time.monotonic()) if worker.poll() is None else 0)


def run(argv):
    ensure_database()
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    manage("migrate", "--no-input", "-v", "0")
    password = ensure_admin()
    broker = os.environ.get("CELERY_BROKER_URL") or "filesystem (./var/broker)"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reviewapp", "worker", "--loglevel", "INFO",
         "--concurrency", os.environ.get("WORKER_CONCURRENCY", "2")],
        cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    worker_ready = threading.Event()
    threading.Thread(target=relay_output, args=(worker.stdout, worker_ready), daemon=True).start()
    web = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"{host}:{port}", "--noreload"],
        cwd=BASE_DIR,
    )

    def stop(*_):
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGINT if process is web else signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in (web, worker):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        # The address and the password come last, once the web server answers and the worker's
        # banner is out, so that neither scrolls them away.
        wait_until_serving(host, port, worker_ready, web, worker)
        worker_state = "ready" if worker.poll() is None else "stopped (see its messages above)"
        lines = [f"reviewapp is running at  http://{host}:{port}/", f"Celery worker: {worker_state} (broker: {broker})"]
        if password:
            lines += [f"Sign in as  admin  with password  {password}",
                      "(shown once; change it under your name at the top right,",
                      " or with `make manage cmd='changepassword admin'`)"]
        else:
            lines.append("Sign in with your account. Forgot it? `make manage cmd='changepassword admin'`")
        lines.append("Ctrl-C stops the web server and the worker.")
        print("\n" + framed(lines), flush=True)
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


def test(argv):
    ensure_database()
    return subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=BASE_DIR)


def manage_command(argv):
    ensure_database()
    import shlex

    args = shlex.split(" ".join(argv)) if len(argv) == 1 else argv
    return manage(*args, check=False).returncode


def bench(argv):
    ensure_database()
    manage("migrate", "--no-input", "-v", "0")
    return subprocess.call([sys.executable, *argv], cwd=BASE_DIR)


def db(argv):
    print(ensure_database() or os.environ.get("DATABASE_URL", ""))
    return 0


def main():
    command, *argv = sys.argv[1:] or ["run"]
    prepare_development()
    commands = {"run": run, "test": test, "db": db, "manage": manage_command, "bench": bench,
                "stop-db": lambda argv: stop_embedded_postgres()}
    if command not in commands:
        sys.exit(f"usage: python -m reviewapp.launcher {'|'.join(commands)} [args]")
    sys.exit(commands[command](argv))


if __name__ == "__main__":
    main()
