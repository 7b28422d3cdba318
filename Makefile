# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Browser tests drive the system Chromium (/usr/bin/chromium); Playwright must not fetch its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
PYTEST_ARGS ?=

.PHONY: demo test lint types pytest clean cli-docs

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

## make demo: install and run the end-to-end demo on the embedded store (SQLite)
demo: $(VENV)/.installed
	$(BIN)/tenure demo --dir demo

## make test: install dev dependencies, then lint, type-check and run the whole suite
test: lint types pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench

types: $(VENV)/.dev-installed
	$(BIN)/mypy

pytest: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

## make cli-docs: regenerate docs/cli.md from the CLI itself (tests/meta checks it is complete)
cli-docs: $(VENV)/.installed
	$(BIN)/python -m tenure.cli.docgen > docs/cli.md

clean:
	rm -rf $(VENV) demo .mypy_cache .ruff_cache .pytest_cache
