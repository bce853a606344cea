# Mengkeju — the two everyday commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# links in e-mail sent by `make run` point at the address it serves (an explicit SITE_URL wins)
RUN_SITE_URL = $${SITE_URL:-http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)}
# extra arguments for pytest, e.g. make test PYTEST_ARGS="-k search -x"
PYTEST_ARGS ?=

.PHONY: help install messages migrate demo run test test-sqlite lint format check-pg worker beat serve lock clean mutation

help:
	@echo "make run     set up .venv, migrate, load demo data, match, then serve on http://$(HOST):$(PORT)/"
	@echo "make test    ruff, then pytest on SQLite and (DATABASE_URL=postgres://... or MENGKEJU_REQUIRE_SERVICES=1) on PostgreSQL"
	@echo "make worker | beat | serve   Celery worker, Celery beat, gunicorn (PostgreSQL + Redis deployment)"
	@echo "make format  apply ruff's fixes and formatting;  make lock  regenerate constraints.txt"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependencies or the lock changed.
$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

messages: install
	@if [ -d locale ]; then $(MANAGE) compilemessages --ignore '.venv' --ignore 'var' -v 0; fi

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

# `make run` is quiet: the demo's e-mails go to memory and log records below WARNING are left out (the
# in-process Celery tasks would print one line each); progress lines, warnings, errors and the server's
# request lines stay.  LOG_LEVEL=INFO make run shows everything.
RUN_ENV = SITE_URL=$(RUN_SITE_URL) LOG_LEVEL=$${LOG_LEVEL:-WARNING}

run: messages migrate
	EMAIL_URL=locmem:// $(RUN_ENV) $(MANAGE) load_demo
	$(RUN_ENV) $(MANAGE) match --all
	EMAIL_URL=locmem:// $(RUN_ENV) $(MANAGE) demo_deals
	$(MANAGE) collectstatic --noinput -v 0
	@echo
	@echo "Demo logins (printed by load_demo above): admin / broker / enterprise / researcher, password mengkeju-demo"
	@echo "Open http://$(HOST):$(PORT)/"
	$(RUN_ENV) $(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# pytest exits 5 when it collected no tests; like any non-zero status that fails the target.
# The SQLite pass is the embedded default (no DATABASE_URL, no REDIS_URL: tasks in process, local-memory
# cache) and leaves out the `postgres` and `services` tests.  With DATABASE_URL=postgres://... the
# PostgreSQL pass runs at the same time (the two share nothing: other database, no Redis for the SQLite
# pass): every test except the browser journeys that need no service, which the SQLite pass has driven
# through chromium already; the `services` journeys (PostgreSQL, Redis, real workers, chromium) run there.
# The SQLite pass's output follows the PostgreSQL pass's (also in var/test-sqlite.log).
# With MENGKEJU_REQUIRE_SERVICES=1 a missing service is a failure.
SQLITE_PASS = env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -m "not postgres and not services" $(PYTEST_ARGS)
PG_PASS = $(BIN)/pytest -m "not browser or services" $(PYTEST_ARGS)

test: lint messages
	@if [[ "$${DATABASE_URL:-}" == postgres* || "$${DATABASE_URL:-}" == pgsql* ]]; then \
		mkdir -p var; \
		echo "== SQLite pass in the background (var/test-sqlite.log), PostgreSQL pass: $${DATABASE_URL}"; \
		start=$$SECONDS; \
		$(SQLITE_PASS) > var/test-sqlite.log 2>&1 & sqlite_pid=$$!; \
		trap 'kill $$sqlite_pid 2>/dev/null || true' EXIT; \
		pg_status=0; $(PG_PASS) || pg_status=$$?; \
		sqlite_status=0; wait $$sqlite_pid || sqlite_status=$$?; \
		echo "== SQLite pass (var/test-sqlite.log)"; cat var/test-sqlite.log; \
		echo "== both passes: $$((SECONDS - start)) s; PostgreSQL pass exit $$pg_status, SQLite pass exit $$sqlite_status"; \
		[[ $$pg_status == 0 && $$sqlite_status == 0 ]]; \
	elif [[ "$${MENGKEJU_REQUIRE_SERVICES:-}" == 1 ]]; then \
		echo "MENGKEJU_REQUIRE_SERVICES=1 but DATABASE_URL does not point at PostgreSQL: '$${DATABASE_URL:-}'" >&2; \
		exit 1; \
	else \
		$(SQLITE_PASS); \
		echo "== PostgreSQL pass skipped: set DATABASE_URL=postgres://... to run it"; \
	fi

# The SQLite pass alone, in the foreground.
test-sqlite: messages
	$(SQLITE_PASS)

# Mutation testing of the rule and service modules ([tool.mutmut] in pyproject.toml; docs/testing.md): a
# fresh run on SQLite, at the lowest priority, then the survivors and the score (killed + timeouts over all
# mutants).  MUTATION_CHILDREN parallel runners (default 1: the machine is shared).
mutation: install
	rm -rf mutants
	env -u DATABASE_URL nice -n 19 $(BIN)/mutmut run --max-children $${MUTATION_CHILDREN:-1}
	$(BIN)/mutmut results
	$(BIN)/mutmut export-cicd-stats
	$(PY) -c "import json; s = json.load(open('mutants/mutmut-cicd-stats.json')); n = s['total'] - s['skipped']; \
		print('mutation score: {:.1%} of {} mutants ({})'.format((s['killed'] + s['timeout']) / n, n, s))"

# The PostgreSQL + Redis deployment: set DATABASE_URL and REDIS_URL (see README.md) for all three.
worker: install
	$(BIN)/celery -A mengkeju worker --loglevel=INFO

beat: install
	$(BIN)/celery -A mengkeju beat --loglevel=INFO --schedule=$${MENGKEJU_VAR_DIR:-var}/celerybeat-schedule

serve: messages migrate
	$(MANAGE) collectstatic --noinput -v 0
	$(BIN)/gunicorn mengkeju.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --access-logfile -

lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --disable-pip-version-check -q '.[dev]'
	{ echo "# Reproducible installs: pip install -c constraints.txt -e '.[dev]' (the Makefile does this)."; \
	  echo "# Regenerate after changing pyproject.toml dependencies with: make lock"; \
	  .lock-venv/bin/pip freeze --exclude mengkeju; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
