# Tenfold: `make demo` runs the whole country, `make test` runs the test suite.
# Both set everything up first on a fresh machine (virtual environment in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-postgres lock messages clean-var

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# Browser assets (USWDS, htmx, axe-core) from npm: served by the portal, never from a CDN.
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(STAMP)

demo: install
	$(BIN)/tenfold demo

# With a PostgreSQL server at hand (TENFOLD_TEST_POSTGRES_URL; CI starts one), the packages whose
# members keep state run a second time with every test database on PostgreSQL.
POSTGRES_PACKAGES := tests/banks tests/payments tests/tellusonce tests/identity tests/portal tests/consent

test: install
	$(BIN)/python -m pytest -q
	@if [ -n "$$TENFOLD_TEST_POSTGRES_URL" ]; then $(MAKE) --no-print-directory test-postgres; fi

test-postgres: install
	TENFOLD_TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -m "not slow and not browser" $(POSTGRES_PACKAGES)

# Regenerate the lock file after changing dependencies in pyproject.toml (needs network).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra dense --python-version 3.11 \
	  --no-header -o requirements.lock

# Extract user-facing strings into messages.pot and merge them into core.po (then translate the new
# ones; a building block may keep its own <block>.po beside it: every .po there is loaded).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k N_ -k both --no-location --sort-output \
	  -o src/tenfold/locale/messages.pot src
	$(BIN)/pybabel update -i src/tenfold/locale/messages.pot -d src/tenfold/locale -l zh_Hant -D core \
	  --no-fuzzy-matching --ignore-obsolete

clean-var:
	rm -rf var
