# LP-tracker. Quick start: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app
STAMP  := $(VENV)/.installed
MO     := translations/nl/LC_MESSAGES/messages.mo translations/en/LC_MESSAGES/messages.mo

WORKERS ?= 3

.PHONY: run serve test lint lint-api bench translations extract init clean help

help:
	@echo "make run         serve the app on 127.0.0.1:$(PORT) (SQLite, seeded; DEMO=1 loads demo data)"
	@echo "make test        run the whole test suite (also on PostgreSQL when TEST_DATABASE_URL is set)"
	@echo "make lint        ruff, mypy and the import-linter layer contracts (settings in pyproject.toml); CI runs it first"
	@echo "make lint-api    Spectral with .spectral.yml (NL API Design Rules) over the served OpenAPI document (needs npm)"
	@echo "make serve       production: gunicorn ($(WORKERS) workers) + one scheduler process, DATABASE_URL required"
	@echo "make bench       measure pages, jobs and a load run into bench/RESULTS.md (SIZES=1000,100000; BENCH_DATABASE_URL adds PostgreSQL)"
	@echo "make extract     extract new strings and update the nl/en catalogs"
	@echo "make translations  compile the catalogs"

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "Installing LP-tracker and its dependencies into $(VENV) (quietly; this takes a minute)..."
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d translations -l $* >/dev/null

translations: $(MO)

extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o messages.pot .
	$(BIN)/pybabel update -i messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m lp.catalogs fill-en
	rm -f messages.pot

# Links in mails point at the port the app runs on (unless LP_BASE_URL is set).
LP_BASE_URL ?= http://127.0.0.1:$(PORT)

# lp init (with --demo for DEMO=1) ends with one block: login address, accounts and
# any password generated now; under `make run` it is the last thing before the server.
init: $(STAMP) $(MO)
	@LP_BASE_URL=$(LP_BASE_URL) $(FLASK) lp init $(if $(DEMO),--demo)

run: init
	@LP_BASE_URL=$(LP_BASE_URL) LP_ENV=$${LP_ENV:-development} LP_SCHEDULER=$${LP_SCHEDULER:-1} $(FLASK) run --host 127.0.0.1 --port $(PORT)

serve: $(STAMP) $(MO)
	@test -n "$$DATABASE_URL" || { echo "make serve needs DATABASE_URL (PostgreSQL)"; exit 2; }
	$(FLASK) lp init
	$(FLASK) lp scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py --workers $(WORKERS) --bind 127.0.0.1:$(PORT) app:app

CHROMIUM_PATH ?= /usr/bin/chromium
# With TEST_DATABASE_URL, make test runs the suite on SQLite and PostgreSQL at once (2 jobs, one
# per core); TEST_JOBS=1 runs them one after the other.
TEST_JOBS ?= 2

test: $(STAMP) $(MO) lint-api
	@if [ ! -x "$(CHROMIUM_PATH)" ]; then \
		echo "== end-to-end browser tests: skipped (no chromium at $(CHROMIUM_PATH))"; \
	elif ! $(BIN)/python -c "import playwright" 2>/dev/null; then \
		echo "== end-to-end browser tests: skipped (playwright is not installed)"; \
	else \
		echo "== end-to-end browser tests: run with chromium at $(CHROMIUM_PATH)"; \
	fi
	@if [ -z "$$TEST_DATABASE_URL" ]; then \
		$(BIN)/python -m pytest $(PYTEST_ARGS) || exit $$?; \
		echo "== TEST_DATABASE_URL is not set: the suite ran on SQLite only"; \
	elif [ "$(TEST_JOBS)" = "1" ]; then \
		$(BIN)/python -m pytest $(PYTEST_ARGS) || exit $$?; \
		echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest --db=postgresql $(PYTEST_ARGS); \
	else \
		log=$$(mktemp); \
		echo "== the suite on SQLite and, at the same time, on PostgreSQL ($$TEST_DATABASE_URL; its output is printed after the SQLite run's)"; \
		$(BIN)/python -m pytest --db=postgresql $(PYTEST_ARGS) >"$$log" 2>&1 & postgresql=$$!; \
		trap 'kill $$postgresql 2>/dev/null; rm -f "$$log"' EXIT INT TERM; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); sqlite=$$?; \
		wait $$postgresql; pg=$$?; \
		echo "== the same suite on PostgreSQL ($$TEST_DATABASE_URL)"; cat "$$log"; \
		echo "== SQLite: exit $$sqlite; PostgreSQL: exit $$pg"; \
		[ $$sqlite -eq 0 ] && [ $$pg -eq 0 ]; \
	fi

# ruff, mypy and import-linter come with the test extra; each must report nothing.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The API lint gate: Spectral (pinned in package.json/package-lock.json, installed with npm ci)
# runs our NL API Design Rules ruleset over the document the app serves; any error or warning fails.
SPECTRAL_DOC := $(or $(TMPDIR),/tmp)/lp-tracker-openapi.json
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make lint-api needs Node.js and npm (apt-get install nodejs npm)"; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error

lint-api: $(STAMP) node_modules/.package-lock.json
	$(BIN)/python -m lp.openapi_dump $(SPECTRAL_DOC)
	npx --no-install spectral lint --fail-severity=warn --ruleset .spectral.yml $(SPECTRAL_DOC)

# SIZES=1000,100000,1000000 adds a million requests (generated once into bench/data/ or the
# database BENCH_DATABASE_URL names with _<size>); BENCH_ARGS="--load-seconds 60" for the load target.
SIZES ?= 1000,100000
bench: $(STAMP) $(MO)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1; } || echo "wrk not available: the load run uses the Python client instead"
	$(BIN)/python -m bench.run --sizes $(SIZES) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(MO) .pytest_cache
