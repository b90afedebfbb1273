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
# One lock for Linux, Windows and macOS: `uv pip compile --universal` writes every platform's
# packages with their environment markers (pywin32-ctypes for keyring on Windows, SecretStorage on
# Linux...) and hashes; pip-compile could lock only the platform it runs on. The versions already
# in the files are kept unless pyproject.toml needs others. uv reads PyPI, not this machine's mirrors.
LOCK_FLAGS := -q --universal --python-version 3.11 --generate-hashes --strip-extras
lock: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(BIN)/uv pip compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/uv pip compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml

clean-venv:
	rm -rf $(VENV)
