# reviewapp: `make run` starts everything, `make test` runs the suite. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test install manage bench bench-import bench-dedup bench-ranking bench-screening live-pubmed-check stop-db clean

$(INSTALLED): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[embedded,test]'
	@touch $@

install: $(INSTALLED)

## Start the web server and a Celery worker (embedded PostgreSQL unless DATABASE_URL is set).
run: $(INSTALLED)
	$(PY) -m reviewapp.launcher run

## Run the whole test suite (embedded PostgreSQL unless DATABASE_URL is set).
test: $(INSTALLED)
	$(PY) -m reviewapp.launcher test $(ARGS)

## Any manage.py command against the same database, e.g. make manage cmd="seed_demo"
manage: $(INSTALLED)
	$(PY) -m reviewapp.launcher manage $(cmd)

## Benchmarks (commands, not timed tests). Results go in README.md.
bench: bench-import bench-dedup bench-ranking bench-screening

bench-import: $(INSTALLED)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_import.py

bench-dedup: $(INSTALLED)
	$(PY) benchmarks/bench_dedup.py

bench-ranking: $(INSTALLED)
	$(PY) benchmarks/bench_ranking.py

bench-screening: $(INSTALLED)
	$(PY) -m reviewapp.launcher bench benchmarks/bench_screening.py

## One real small PubMed search (needs internet).
live-pubmed-check: $(INSTALLED)
	$(PY) -m reviewapp.launcher manage pubmed_search '"systematic review"[ti] AND 2020/01/01:2020/01/02[dp]'

## Stop the embedded PostgreSQL started by make run/test.
stop-db:
	-$(PY) -c "import pgserver, pathlib; pgserver.pg_ctl(['-w', 'stop'], pgdata=pathlib.Path('var/pgdata'))"

clean:
	rm -rf $(VENV) staticfiles
