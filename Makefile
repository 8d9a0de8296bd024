# MIGOF Academy. `make run` sets everything up and serves the site; `make test` sets
# everything up and runs the whole suite. Both work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(PY) manage.py
CHROMIUM ?= /usr/bin/chromium
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k health"
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per CPU; TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
# Extra bench/run.py arguments, e.g. make bench BENCH_ARGS="--sizes small --pages home,lesson"
# (all of them: .venv/bin/python bench/run.py --help).
BENCH_ARGS ?=

.PHONY: run test setup install db messages browser node check lint format lock clean bench

run: setup
	$(MANAGE) runserver $(HOST):$(PORT)

setup: install messages db

# The virtual environment, from the lock file (hashes checked), then the project itself.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

# Compiled translations (.mo) are built, not committed. msgfmt comes from gettext.
messages: install
	@command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

db: install
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) load_framework
	$(MANAGE) seed_demo

# What the browser tests need: Debian's Chromium and axe-core from the npm registry.
browser:
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	@test -f node_modules/axe-core/axe.min.js || npm ci --silent --no-audit --no-fund

# The benchmark (bench/README.md): builds its own databases under var/bench/ (or, with
# DATABASE_URL, PostgreSQL databases named after it), serves them with gunicorn and loads
# each page with wrk (Debian's). Results: bench/results/latest-<engine>.json.
bench: install messages
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(PY) bench/run.py $(BENCH_ARGS)

# The load check (bench/load_learners.py): 50 learners for 60 s against gunicorn under the
# production settings, then the database must hold exactly what they did. PostgreSQL only:
# DATABASE_URL=postgres://USER@HOST:PORT/NAME (it builds and drops NAME_load). Without it,
# skipped with a message. Extra options: LOAD_ARGS="--learners 20 --seconds 30".
LOAD_ARGS ?=
.PHONY: load-check
load-check: install messages
	@if [[ "$${DATABASE_URL:-}" =~ ^postgres(ql)?:// ]]; then \
		$(PY) bench/load_learners.py $(LOAD_ARGS); \
	else \
		echo "load-check SKIPPED: it needs PostgreSQL; set DATABASE_URL=postgres://USER@HOST:PORT/NAME (it builds and drops NAME_load)."; \
	fi

test: install messages browser
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

check: install
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint: check

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every dependency (needs network to PyPI).
lock: install
	$(PIP) install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--generate-hashes --no-header -q -o requirements.lock

# Static security checks and the dependency audit (README, "Security and operations"). The
# tools live in their own virtual environment (.venv-tools), from their own hash-pinned lock
# file, so semgrep's dependencies never meet the app's pins. Offline: only the local rules
# in .semgrep/, no metrics, no version check.
# The audit (bin/audit-dependencies) exits 3 when it could not run (no vulnerability service
# answered, or packages went unchecked): reported as SKIPPED, never as passed; with
# AUDIT_REQUIRED=1 (CI_REQUIRE_AUDIT=1 in .ci/run) that is a failure. AUDIT_JUNIT=<file>
# also writes the audit's result as a JUnit test case (passed / failure / skipped).
.PHONY: security tools lock-tools
TOOLS_VENV := .venv-tools
SEMGREP := SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off $(TOOLS_VENV)/bin/semgrep
SEMGREP_FLAGS := --metrics=off --disable-version-check --config .semgrep/rules
AUDIT_REQUIRED ?= 0
AUDIT_JUNIT ?=

$(TOOLS_VENV)/.installed: requirements-tools.lock
	test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	# pip 23 (Python 3.11's) takes an extra (pip-audit's CacheControl[filecache]) for an
	# unpinned requirement in hash-checking mode: a newer pip reads the lock as written.
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(TOOLS_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes \
		-r requirements-tools.lock
	touch $@

tools: $(TOOLS_VENV)/.installed

security: install tools
	$(VENV)/bin/ruff check --select S .
	$(SEMGREP) --test $(SEMGREP_FLAGS) --quiet .semgrep/tests
	$(SEMGREP) scan $(SEMGREP_FLAGS) --error --quiet .
	DJANGO_SETTINGS_MODULE=training_site.settings.test $(PY) -m pytest -q -n 0 \
		tests/security/test_audit_wrapper.py tests/security/test_static_rules.py
	@rc=0; $(PY) bin/audit-dependencies $(if $(AUDIT_JUNIT),--junit-xml $(AUDIT_JUNIT)) || rc=$$?; \
	if [ $$rc -eq 3 ] && [ "$(AUDIT_REQUIRED)" != 1 ]; then \
		echo "make security: static checks passed; dependency audit SKIPPED (not run, see above)."; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi

# Re-pin the security tools (needs network to PyPI).
lock-tools: install
	$(PIP) install --quiet uv
	$(VENV)/bin/uv pip compile requirements-tools.in --python-version 3.11 \
		--generate-hashes --no-header -q -o requirements-tools.lock

clean:
	rm -rf $(VENV) $(TOOLS_VENV) node_modules staticfiles .test-media db.sqlite3
