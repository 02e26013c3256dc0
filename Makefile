# reviewapp: `make run` starts everything, `make test` runs the suite. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
UV_VERSION ?= 0.13.9
RUN_DEPS := $(VENV)/.deps-run
TEST_DEPS := $(VENV)/.deps-test
# The app runs from this folder and is not itself installed: only its dependencies, read from
# pyproject.toml, are (no package build, so a fresh `make run` is up within a minute).
DEPS_OF = $(PY) -c "import sys, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] if sys.argv[1] == 'run' else p['optional-dependencies'][sys.argv[1]]))"

.PHONY: run test lint install manage bench bench-import bench-import-peer bench-dedup bench-ranking bench-stopping bench-second-look bench-second-look-page bench-priority bench-screening bench-prisma live-pubmed-check stop-db clean

# uv installs the same pinned packages as pip, several times faster (8 s instead of 60 s here).
INSTALL = $(VENV)/bin/uv pip install --quiet --python $(PY)

$(RUN_DEPS): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(VENV)/bin/uv || $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(DEPS_OF) run > $(VENV)/requirements-run.txt
	@$(DEPS_OF) embedded >> $(VENV)/requirements-run.txt
	$(INSTALL) -r $(VENV)/requirements-run.txt
	@touch $@

$(TEST_DEPS): pyproject.toml $(RUN_DEPS)
	@$(DEPS_OF) test > $(VENV)/requirements-test.txt
	$(INSTALL) -r $(VENV)/requirements-test.txt
	@touch $@

install: $(TEST_DEPS)

## Start the web server and a Celery worker (embedded PostgreSQL unless DATABASE_URL is set).
run: $(RUN_DEPS)
	$(PY) -m reviewapp.launcher run

## Run the whole test suite (embedded PostgreSQL unless DATABASE_URL is set).
test: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher test $(ARGS)

## The linter (settings in pyproject.toml); CI runs it before the tests.
lint: $(TEST_DEPS)
	$(VENV)/bin/ruff check .

## Any manage.py command against the same database, e.g. make manage cmd="seed_demo"
manage: $(RUN_DEPS)
	$(PY) -m reviewapp.launcher manage $(cmd)

## Benchmarks (commands, not timed tests). Results go in README.md.
bench: bench-import bench-dedup bench-ranking bench-priority bench-screening bench-prisma

bench-import: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_import.py

# ASReview LAB, the peer the import is compared with, in a throwaway venv of its own (made once).
ASREVIEW_VERSION ?= 3.0.8
ASREVIEW_VENV := var/asreview-$(ASREVIEW_VERSION)

$(ASREVIEW_VENV)/.installed:
	$(PYTHON) -m venv $(ASREVIEW_VENV)
	$(ASREVIEW_VENV)/bin/pip install --quiet --disable-pip-version-check asreview==$(ASREVIEW_VERSION)
	@touch $@

## Our RIS import against ASReview's load of the same 100,000-record file, alternately, in one run.
bench-import-peer: $(TEST_DEPS) $(ASREVIEW_VENV)/.installed
	$(PY) -m reviewapp.launcher bench benchmarks/bench_import.py --peer $(ASREVIEW_VENV)/bin/python

bench-dedup: $(TEST_DEPS)
	$(PY) benchmarks/bench_dedup.py

bench-ranking: $(TEST_DEPS)
	$(PY) benchmarks/bench_ranking.py
	$(PY) benchmarks/bench_ranker_variants.py
	$(PY) benchmarks/bench_stopping.py

## Only the stopping rules and the second look (5 sets x seeds 1-3; about 15 s of CPU per run).
bench-stopping: $(TEST_DEPS)
	$(PY) benchmarks/bench_stopping.py

## Second-look scorers compared at label noise 0.1 (5 sets x seeds 1-3, 10 folds; about 4 minutes of CPU before the
## second round of scorers, about 7 with it, estimated from their CPU per run).
bench-second-look: $(TEST_DEPS)
	$(PY) benchmarks/bench_second_look.py

bench-second-look-page: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_second_look_page.py

bench-priority: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_priority.py

bench-screening: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_screening.py

bench-prisma: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_prisma.py

## One real small PubMed search (needs internet).
live-pubmed-check: $(TEST_DEPS)
	$(PY) -m reviewapp.launcher manage pubmed_search '"systematic review"[ti] AND 2020/01/01:2020/01/02[dp]'

## Stop the embedded PostgreSQL started by make run/test.
stop-db:
	$(PY) -m reviewapp.launcher stop-db

clean:
	rm -rf $(VENV) staticfiles
