# BreachDesk: `make run` starts the product, `make test` runs the checks. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format venv migrate demo bench bench-export run-prod-local clean sysdeps

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

# Debian packages for PDFs, catalogues and the browser tests (installs them when run as root).
sysdeps:
	@bash .ci/sysdeps

migrate: venv
	$(PY) manage.py migrate --noinput

# Links printed by seed_demo and used in messages point at what actually runs.
BASE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	@bash .ci/sysdeps --soft
	BREACHDESK_BASE_URL=$(BASE_URL) $(PY) manage.py seed_demo
	$(PY) manage.py ensure_schedules

# Web server and django-q2 worker together on SQLite + the ORM broker; Ctrl-C stops both.
# `set -m` runs each in its own process group, so Ctrl-C reaches only this shell, which asks
# each to stop (SIGTERM: the worker finishes its task and exits in a few seconds) and kills
# what is still running after STOP_SECONDS.
STOP_SECONDS ?= 10
run: demo
	@echo ""
	@echo "BreachDesk workspace: $(BASE_URL)/  (admin: $(BASE_URL)/admin/, API docs: $(BASE_URL)/api/docs/)"
	@echo "Sign in with a demo login printed above (dpo/admin also ask for a code: $(PY) manage.py totp_code dpo)."
	@echo "Press Ctrl-C to stop web and worker."
	@set -m; export BREACHDESK_BASE_URL=$(BASE_URL); \
	  $(PY) manage.py qcluster & worker=$$!; \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT) & web=$$!; \
	  stopped=0; stop() { \
	    [ $$stopped = 1 ] && return; stopped=1; trap - INT TERM; \
	    echo ""; echo "Stopping web and worker..."; \
	    kill -TERM $$web $$worker 2>/dev/null; \
	    for _ in $$(seq 1 $$(( $(STOP_SECONDS) * 5 ))); do \
	      kill -0 $$web 2>/dev/null || kill -0 $$worker 2>/dev/null || break; sleep 0.2; \
	    done; \
	    kill -KILL -- -$$web -$$worker 2>/dev/null; wait 2>/dev/null; echo "Stopped."; \
	  }; \
	  trap stop INT TERM; \
	  wait -n; stop

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: venv sysdeps
	$(PY) -m ruff check .
	$(PY) -m bandit -q -r breachdesk incidents notifications -x '*/migrations/*'
	$(PY) manage.py rules_check
	$(PY) -m pytest -q

# The production shape on one machine: PostgreSQL + Redis (Debian packages, loopback),
# 2 gunicorn workers and 2 qcluster workers with production settings. See docs/deploy.md.
run-prod-local: venv
	.ci/prod-local

# Every benchmark on SQLite and on PostgreSQL with Redis; rewrites bench/RESULTS.md's
# generated section. Minutes, not in CI. See bench/run.sh for the knobs.
bench: venv
	bench/run.sh

bench-export: venv
	$(PY) bench/export_register.py --incidents 100000

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
