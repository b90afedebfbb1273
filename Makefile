# CarePlan: `make run` opens the app, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench bench-quick screenshots lock clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a lock file or pyproject.toml changes.
$(STAMP): $(BIN)/python requirements-dev.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/careplan $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check careplan tests bench db scripts main.py
	$(BIN)/lint-imports
	$(BIN)/mypy

# In CI (CI=true) the data and service tests also run against a throwaway
# PostgreSQL cluster that scripts/with-postgres installs and starts on loopback.
test: lint
	scripts/with-postgres $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python scripts/screenshots.py

# Regenerate the hash-pinned lock files after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile -q --generate-hashes --strip-extras -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --generate-hashes --strip-extras --extra dev -o requirements-dev.lock pyproject.toml
	sed -i '/^--extra-index-url/d;/^--find-links/d' requirements.lock requirements-dev.lock  # this machine's mirrors

clean-venv:
	rm -rf $(VENV)
