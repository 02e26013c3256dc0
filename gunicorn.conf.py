"""gunicorn settings for production (Dockerfile, docker-compose.yml), also read by `make
bench-screening`, so that the benchmark measures the server as deployed.

Threads, not only processes: a lead's CSV export or PRISMA page (seconds) and an upload each
hold a thread rather than a whole worker, so the reviewers' key presses are still served while
they run, and a reviewer's browser keeps its connection between key presses. Three processes
for 2 cores: while one waits on PostgreSQL, the others use the CPUs. Options given on the
command line win (e.g. `--workers 5` on a larger machine).
"""
bind = "0.0.0.0:8000"
worker_class = "gthread"
workers = 3
threads = 4
timeout = 120
