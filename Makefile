# CarePlan: `make run` opens the app, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` needs only the runtime lock; `make test` adds the development tools. Each has its
# own stamp, so switching between them installs what is missing and nothing else; the dev lock
# pins the runtime packages at the same versions (tests/test_packaging.py checks).
RUN_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed
PACKAGING := pyproject.toml setup.py
WHEEL_DIR := $(abspath $(VENV)/wheel)

.PHONY: run test lint wheel-smoke bench bench-quick screenshots lock clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# Reinstall only when a lock file or the packaging changes.
$(RUN_STAMP): $(BIN)/python requirements.lock $(PACKAGING)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): $(BIN)/python requirements-dev.lock $(PACKAGING)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

run: $(RUN_STAMP)
	$(BIN)/careplan $(ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check careplan tests bench db scripts main.py setup.py
	$(BIN)/lint-imports
	$(BIN)/mypy

# The wheel, installed into a fresh environment outside the checkout, runs the CLI (SQLite).
# It stays in $(WHEEL_DIR) for tests/test_packaging.py to inspect.
wheel-smoke: $(DEV_STAMP)
	PYTHON=$(PYTHON) PIP_PYTHON=$(abspath $(BIN)/python) WHEEL_DIR=$(WHEEL_DIR) scripts/wheel-smoke

# In CI (CI=true) the data and service tests also run against a throwaway
# PostgreSQL cluster that scripts/with-postgres installs and starts on loopback, and
# scripts/ensure-fonts installs the font packages the printout's script tests need.
test: lint wheel-smoke
	scripts/ensure-fonts
	CAREPLAN_TEST_WHEEL_DIR=$(WHEEL_DIR) scripts/with-postgres $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python -m bench $(ARGS)

screenshots: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py

# Regenerate the hash-pinned lock files after changing dependencies in pyproject.toml.
lock: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile -q --generate-hashes --strip-extras -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --extra dev -o requirements-dev.lock pyproject.toml
	sed -i '/^--extra-index-url/d;/^--find-links/d' requirements.lock requirements-dev.lock  # this machine's mirrors

clean-venv:
	rm -rf $(VENV)
