"""Decision + next record under load, and key press to next record in a real browser.

    make bench-screening    (or: python -m reviewapp.launcher bench benchmarks/bench_screening.py)
    options: --records 100000 --reviewers 20 --requests 200 --workers N --threads N --keep

1. Builds a fresh database <your database>_bench_screening (the decision history cannot be
   deleted, so the benchmark never writes to your own database), migrates it and fills one
   review with --records records and --reviewers reviewers (two per record).
2. Starts gunicorn (DEBUG=0, static files collected) on a free loopback port, with the
   production settings of gunicorn.conf.py (--workers and --threads override them). A gunicorn
   hook measures each request's server time (from the worker taking the request to the
   response written).
3. Runs one client thread per reviewer, all at once, each doing decide + next record (the
   htmx POST the screening page sends on a key press) --requests times: first paced (about
   --think seconds of reading between votes, still 30 times faster than real screening), then
   saturated (no reading at all: every reviewer pressing a key the moment the card arrives,
   the worst case; server time then includes waiting for a CPU).
4. Drives Chromium (Playwright) as one more reviewer pressing I/E/M 100 times and measures, in
   the page, the time from the keydown to the next card fully shown (swapped, settled, and a
   frame painted).
Targets (issue 5): decision + next record <= 50 ms p95 server time; in the browser <= 150 ms p95.
"""
import argparse
import http.client
import os
import random
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("blue light sleep melatonin adults trial randomised placebo glasses amber screen "
         "insomnia circadian rhythm quality outcome cohort participants night exposure "
         "intervention control group week measured improved reduced latency duration mice "
         "adolescents children smartphone tablet evening filter lenses study effect").split()

GUNICORN_HOOKS = '''
import os, runpy, time
# The production settings first (worker class, workers, threads, timeout), then the timing hooks.
globals().update({k: v for k, v in runpy.run_path(os.environ["BENCH_GUNICORN_CONF"]).items()
                  if not k.startswith("__")})
_DIR = os.environ["BENCH_TIMES_DIR"]
def pre_request(worker, req):
    req._bench_started = time.perf_counter()
def post_request(worker, req, environ, resp):
    elapsed = time.perf_counter() - req._bench_started
    with open(os.path.join(_DIR, f"times-{os.getpid()}-{worker.pid}.txt"), "a") as out:
        out.write(f"{req.method} {req.path} {elapsed:.6f}\\n")
'''


def say(message):
    print(f"[bench-screening] {message}", flush=True)


def bench_database_url():
    url = os.environ.get("DATABASE_URL") or (ROOT / "var" / "embedded-database-url").read_text().strip()
    parsed = urlparse(url)
    name = parsed.path.lstrip("/") or "postgres"
    return url, urlunparse(parsed._replace(path="/" + name + "_bench_screening")), name + "_bench_screening"


def _maintenance(admin_url, *statements):
    import psycopg

    with psycopg.connect(urlunparse(urlparse(admin_url)._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(admin_url, name):
    _maintenance(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(admin_url, name):
    _maintenance(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fill(records, reviewers):
    """Create the review, its people and records; return (review id, [(user id, session key)])."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from screening.models import Import, Membership, Record, Role
    from screening.services.queue import record_stages_sync
    from screening.services.reviews import review_create

    User = get_user_model()
    lead = User.objects.create_user("bench-lead", password=None)
    review = review_create(created_by=lead, title="Benchmark: blue light and sleep",
                           inclusion_criteria="Adults; RCTs; blue-light filtering.",
                           exclusion_criteria="Children; animal studies.")
    review.include_keywords = "randomi*\ntrial\nplacebo"
    review.exclude_keywords = "mice\nchildren"
    review.save()
    people = [User.objects.create_user(f"bench-reviewer-{i}", password=None, first_name="Reviewer", last_name=str(i))
              for i in range(reviewers + 1)]  # the last one is the browser's
    Membership.objects.bulk_create([Membership(review=review, user=u, role=Role.REVIEWER) for u in people])
    import_ = Import.objects.create(review=review, database="MEDLINE", platform="PubMed",
                                    status=Import.Status.IMPORTED, record_count=records)
    rng = random.Random(5)
    started = time.perf_counter()
    batch = []
    for i in range(records):
        batch.append(Record(
            review=review, source_import=import_, source_index=i,
            title=" ".join(rng.choices(WORDS, k=12)).capitalize() + f" ({i})",
            abstract=" ".join(rng.choices(WORDS, k=230)).capitalize() + ".",
            authors=[f"Author{rng.randint(1, 5000)} A", f"Author{rng.randint(1, 5000)} B"],
            journal="Journal of Sleep Research", year=1990 + i % 35,
            doi=f"10.5555/bench.{i}", pmid=str(20000000 + i), keywords=rng.choices(WORDS, k=4),
        ))
        if len(batch) == 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)
    created = record_stages_sync(review=review)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does soon after a large import
    say(f"filled {created:,} records, {reviewers} reviewers in {time.perf_counter() - started:.0f} s")
    sessions = []
    for user in people:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return review.pk, sessions


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CSRF = "b" * 32  # any 32 characters: cookie and header only have to match


def headers(session, htmx=False):
    h = {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF, "Host": "127.0.0.1"}
    if htmx:
        h["HX-Request"] = "true"
        h["Content-Type"] = "application/x-www-form-urlencoded"
    return h


RECORD_ID = re.compile(rb'data-record-id="(\d+)"')


def client(port, review_id, session, requests, latencies, errors, start, think):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    screen = f"/reviews/{review_id}/screen/"
    conn.request("GET", screen, headers=headers(session))
    response = conn.getresponse()
    page = response.read()
    match = RECORD_ID.search(page)
    if response.status == 200 and not match:
        # Opening the screen only reads: the page claims its first record with a POST, which
        # htmx sends as soon as the placeholder loads. Do the same.
        conn.request("POST", screen, body="", headers=headers(session, htmx=True))
        response = conn.getresponse()
        match = RECORD_ID.search(response.read())
    if response.status != 200 or not match:
        errors.append(f"first card {response.status}")
        start.abort()  # the others and the timer stop waiting for this reviewer
        return
    record = match.group(1).decode()
    rng = random.Random(session)
    start.wait()
    for _ in range(requests):
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)
        verdict = rng.choices(["include", "exclude", "maybe"], weights=[2, 7, 1])[0]
        reason = "Wrong population" if verdict == "exclude" and rng.random() < 0.5 else ""
        body = f"verdict={verdict}&reason={reason.replace(' ', '+')}&note="
        began = time.perf_counter()
        try:
            conn.request("POST", f"/reviews/{review_id}/screen/records/{record}/decide/", body=body,
                         headers=headers(session, htmx=True))
            response = conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed an idle keep-alive connection: open a new one and count the
            # retry in the round trip (a browser would do the same).
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", f"/reviews/{review_id}/screen/records/{record}/decide/", body=body,
                         headers=headers(session, htmx=True))
            response = conn.getresponse()
        card = response.read()
        latencies.append(time.perf_counter() - began)
        match = RECORD_ID.search(card)
        if response.status != 200 or not match:
            errors.append(f"decide {response.status}")
            return
        record = match.group(1).decode()
    conn.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def server_times(folder, path_part):
    times = []
    for file in Path(folder).glob("times-*.txt"):
        for line in file.read_text().splitlines():
            method, path, elapsed = line.split()
            if path_part in path:
                times.append(float(elapsed))
    return times


def browser_measure(port, review_id, session, presses=100):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        say("playwright is not installed: browser measurement skipped")
        return None
    executable = shutil.which("chromium")
    if executable is None:
        say("chromium is not installed: browser measurement skipped")
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        # The page's Content-Security-Policy forbids eval, which wait_for_function needs for the
        # benchmark's own probe; the app's scripts are the same either way.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        context.add_cookies([{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}])
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/reviews/{review_id}/screen/")
        page.locator("[data-record-id]").first.wait_for()  # claimed by the page's POST
        # In the page: keydown time, then the time the swapped card is settled and one frame
        # has been painted after it (two animation frames). Only the card's own settle counts:
        # the out-of-band live region settles too, and counting both let the next key press go
        # before the card had arrived (a press during a request is dropped, one right after the
        # swap posted the form without htmx).
        page.evaluate("""() => {
            window.__shown = [];
            document.addEventListener('keydown', () => { window.__pressed = performance.now(); }, true);
            document.body.addEventListener('htmx:afterSettle', (event) => {
                if (event.detail.elt.id !== 'record-card') return;
                requestAnimationFrame(() => requestAnimationFrame(() => {
                    window.__shown.push(performance.now() - window.__pressed);
                }));
            });
        }""")
        rng = random.Random(1)
        for i in range(presses):
            page.keyboard.press(rng.choice("iem"))
            page.wait_for_function(f"window.__shown.length > {i}")
        shown = page.evaluate("window.__shown")
        browser.close()
    return [value / 1000 for value in shown]


def load_phase(label, think, args, port, review_id, sessions, work):
    for old in Path(work).glob("times-*.txt"):
        old.unlink()
    latencies, errors = [], []
    start = threading.Barrier(args.reviewers + 1)
    threads = [threading.Thread(target=client, args=(port, review_id, sessions[i], args.requests,
                                                      latencies, errors, start, think))
               for i in range(args.reviewers)]
    for thread in threads:
        thread.start()
    try:
        start.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        raise SystemExit(f"{label}: a reviewer could not start: {errors[:5]}") from None
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        say(f"errors: {errors[:5]}")
    times = server_times(work, "/decide/")
    say(f"{label}")
    say(f"  {args.records:,} records, {args.reviewers} reviewers at once, {len(latencies):,} decisions "
        f"in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} requests/s "
        f"(gunicorn {args.workers} workers x {args.threads} threads, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f})")
    say("  decision + next record, server time: "
        f"p50 {percentile(times, 50) * 1000:.1f} ms, p95 {percentile(times, 95) * 1000:.1f} ms, "
        f"p99 {percentile(times, 99) * 1000:.1f} ms (target p95 <= 50 ms)")
    say("  decision + next record, client round trip: "
        f"p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="decisions per reviewer")
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a reviewer reads between votes in the paced run (real screening: ~30)")
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    production = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    overrides = []
    if args.workers:
        overrides += ["--workers", str(args.workers)]
    if args.threads:
        overrides += ["--threads", str(args.threads)]
    args.workers = args.workers or production["workers"]
    args.threads = args.threads or production["threads"]

    admin_url, url, name = bench_database_url()
    say(f"database {name}")
    recreate_database(admin_url, name)
    work = Path(tempfile.mkdtemp(prefix="bench-screening-"))
    env = dict(os.environ, DATABASE_URL=url, DEBUG="0", SECRET_KEY="bench-" + "x" * 50,
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0", STATIC_ROOT=str(work / "static"),
               BENCH_TIMES_DIR=str(work), BENCH_GUNICORN_CONF=str(ROOT / "gunicorn.conf.py"),
               LOG_LEVEL="WARNING", LOGIN_THROTTLING="0",
               DJANGO_SETTINGS_MODULE="reviewapp.settings")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                           "SECURE_SSL_REDIRECT", "STATIC_ROOT", "DJANGO_SETTINGS_MODULE")})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(manage + ["migrate", "--no-input", "-v", "0"], check=True, env=env, cwd=ROOT)
    subprocess.run(manage + ["collectstatic", "--no-input", "-v", "0"], check=True, env=env, cwd=ROOT)
    review_id, sessions = fill(args.records, args.reviewers)

    (work / "hooks.py").write_text(GUNICORN_HOOKS)
    port = free_port()
    server = subprocess.Popen(
        # --keep-alive 30: a paced client reads up to 1.5 s between votes; gunicorn's 2 s default
        # would still hold, but a close racing a request would count a reconnect.
        [sys.executable, "-m", "gunicorn", "reviewapp.wsgi", "-b", f"127.0.0.1:{port}", *overrides,
         "--keep-alive", "30", "-c", str(work / "hooks.py"), "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for label, think in (("paced: each reviewer votes, then reads for about "
                               f"{args.think:g} s", args.think),
                              ("saturated: every reviewer votes again the moment the card arrives", 0)):
            load_phase(label, think, args, port, review_id, sessions, work)
        shown = browser_measure(port, review_id, sessions[-1])
        if shown:
            say(f"browser, key press to next record fully shown ({len(shown)} presses): "
                f"p50 {percentile(shown, 50) * 1000:.0f} ms, p95 {percentile(shown, 95) * 1000:.0f} ms "
                f"(target p95 <= 150 ms)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(admin_url, name)


if __name__ == "__main__":
    main()
