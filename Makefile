# Two commands: `make run` (set up and start everything) and `make test` (set up and test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup run run-prod test test-fast lint format bench bench-pg lock migrate clean

help:
	@echo "make run    set up (venv, deps, migrations, dev users, demo data) and start everything"
	@echo "make test   set up and run the whole test suite"
	@echo "make run-prod  the production topology on this machine (PostgreSQL + Redis, gunicorn, workers, beat)"
	@echo "make lint   ruff check + format check;  make lock   re-lock the dependencies"
	@echo "make bench  benchmarks on the embedded defaults;  make bench-pg  on PostgreSQL + Redis"

# The virtualenv is rebuilt only when the lock file changes.
$(STAMP): requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py create_dev_users
	$(BIN)/python manage.py load_demo_data
	@echo "Starting web http://127.0.0.1:$${PORT:-8000}, worker+beat, poller, simulators :8100 (Ctrl-C stops all)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $${PORT:-8000}

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -m "not integration and not browser" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench $(BENCH)

# The issues' reference figures: PostgreSQL + Redis on this machine (a scratch database).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/3
bench-pg: setup
	DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=$(BENCH_BROKER_URL) $(BIN)/python -m bench $(BENCH)

# Re-resolve the lock files from pyproject.toml (needs network access to PyPI and `uv`).
lock:
	uv pip compile pyproject.toml --generate-hashes --universal --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

# The production topology on this machine (deploy/run_prod.py): PostgreSQL + Redis from the
# environment (defaults: the local ones), gunicorn, 2 workers on default, 1 on polling, 1 beat.
run-prod: setup
	$(BIN)/python deploy/run_prod.py
