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

## Build the warehouse from the mirror and show what it holds.
run: $(VENV)/.installed
	$(VENV)/bin/prosperity build --mirror $(MIRROR)
	$(VENV)/bin/prosperity series gross-value-added-per-hour-worked E47000004

build: $(VENV)/.installed
	$(VENV)/bin/prosperity build --mirror $(MIRROR)

## Set up and run the whole test suite.
test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks

bench: $(VENV)/.installed
	$(PY) benchmarks/build.py --mirror $(MIRROR)

clean:
	rm -rf $(VENV) prosperity.duckdb prosperity.duckdb.wal
