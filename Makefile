# The two commands of the README: `make demo` and `make test`. Both bootstrap what they need.
# Dependencies install from requirements.lock (exact versions); `make lock` renews it.
SHELL := /bin/bash
# The interpreter of .venv: Debian's own Python 3.11 where the machine has it, else the
# first python3 on PATH. Debian links its interpreter statically and builds it with
# profile-guided and link-time optimisation; a plain source build with a shared
# libpython (pyenv's default) took 40 % longer for pure Python here and about 10 %
# longer for a full-scale matching run (docs/operations.md). An existing .venv is
# kept: `make clean` first to change it.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit bench lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || (rm -rf $(VENV) && python3 -m venv $(VENV))
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/belegsync demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Fast feedback: the rules and the client, no servers, no browser.
unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/lexware

test: $(STAMP) lint typecheck
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	$(BIN)/pytest -n 2 --dist loadfile -q

bench: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Renews requirements.lock from pyproject.toml in a fresh virtualenv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	( echo "# Exact versions that make demo and make test install (make lock renews this file)."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | sort -f ) > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
