# The two commands of the README's quick start are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
MIRROR ?= ../shared/data
export PROSPERITY_DB ?= prosperity.duckdb

.PHONY: run build test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

HOST ?= 127.0.0.1
PORT ?= 8000

## Build the warehouse from the mirror (with every assessment) and serve the dashboard and API.
run: $(VENV)/.installed
	$(VENV)/bin/prosperity build --mirror $(MIRROR)
	@echo "Serving the dashboard at http://$(HOST):$(PORT)/ and the API at http://$(HOST):$(PORT)/api/v1/ (Ctrl+C stops it)"
	$(VENV)/bin/prosperity serve --host $(HOST) --port $(PORT)

build: $(VENV)/.installed
	$(VENV)/bin/prosperity build --mirror $(MIRROR)

## Set up and run the whole test suite (installs Chromium and axe-core for the browser tests if missing).
## The returns service's tests also run against the PostgreSQL server that scripts/test-deps.sh starts.
TEST_PG ?= postgresql+psycopg://prosperity:prosperity@127.0.0.1:5432/postgres
test: $(VENV)/.installed
	bash scripts/test-deps.sh
	env -u PROSPERITY_DB PROSPERITY_TEST_PG=$(TEST_PG) $(VENV)/bin/python -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(VENV)/.installed
	$(PY) benchmarks/build.py --mirror $(MIRROR)

clean:
	rm -rf $(VENV) prosperity.duckdb prosperity.duckdb.wal
