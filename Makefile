# BreachDesk: `make run` starts the product, `make test` runs the checks. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format venv migrate demo bench bench-export run-prod-local clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py ensure_schedules

# Web server and django-q2 worker together on SQLite + the ORM broker; Ctrl-C stops both.
run: demo
	@echo ""
	@echo "BreachDesk workspace: http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo "Sign in with a demo login printed above (dpo/admin also ask for a code: $(PY) manage.py totp_code dpo)."
	@echo "Press Ctrl-C to stop web and worker."
	@trap 'kill 0' INT TERM; \
	  $(PY) manage.py qcluster & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT) & \
	  wait

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: venv
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
