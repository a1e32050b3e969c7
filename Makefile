# Two entry points: `make run` (portal on the embedded default) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MULTILINE := $(BIN)/multiline
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test browser-deps migrate demo bench lint clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser-deps node_modules/.installed

# axe-core for the accessibility checks of the browser tests, from the npm registry (package-lock.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium for the browser tests (Playwright cannot download its own here), and its
# gettext for the catalog tests and `make messages` (front/tests/test_catalogs.py).
browser-deps:
	@{ command -v chromium && command -v msgfmt && command -v xgettext; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium and gettext for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core gettext >/dev/null; }

migrate: install
	$(MULTILINE) migrate --no-input
	PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(MULTILINE) demo --if-empty

run: migrate
	$(MULTILINE) collectstatic --no-input -v 0
	$(MULTILINE) serve --host $(HOST) --port $(PORT)

test: install-test
	bash scripts/test.sh

bench: install
	$(BIN)/python bench/import_accounts.py

lint: install-test
	$(BIN)/ruff check portal bench
	$(BIN)/ruff format --check portal bench
	$(BIN)/lint-imports --no-cache

# The translation catalogs: extract the marked strings into portal/locale/<lang>/LC_MESSAGES/django.po
# (needs Debian's gettext), then compile the .mo files that are committed beside them.
messages: install
	cd portal && ../$(MULTILINE) makemessages --no-obsolete --no-wrap -l en -l it -l de -l fr -l es \
	  --ignore='*/tests/*' --ignore='static/*'
	cd portal && ../$(MULTILINE) compilemessages --ignore='*/tests/*'

clean:
	rm -rf $(VENV) var staticfiles node_modules
