# sladesk: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
# The core's hot modules compiled with mypyc into $(VENV)/sladesk-compiled (sladesk.core.compiled),
# built again whenever a file of the core changes; without a C compiler the core runs as plain Python.
CORE_SOURCES := $(shell find src/sladesk/core -name '*.py')
CORE_COMPILED := $(VENV)/.core-compiled

.PHONY: run test install lint typecheck pytest pytest-sqlite pytest-postgres bench lock clean browser dovecot

# ---- install ---------------------------------------------------------------
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(BIN)/uv requirements.lock pyproject.toml
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

$(CORE_COMPILED): $(STAMP) $(CORE_SOURCES)
	SLADESK_CORE=python $(BIN)/python -c 'import sys; from sladesk.core.compiled import build; sys.exit(build())'
	touch $(CORE_COMPILED)

install: $(STAMP) $(CORE_COMPILED)

# Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium).
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's Dovecot for the IMAP tests (tests/intake/dovecot.py starts its own on loopback;
# the machine's service is not used).
dovecot:
	@dpkg -s dovecot-imapd >/dev/null 2>&1 || { \
	  echo "installing Debian's dovecot-imapd for the IMAP tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

lock:
	$(BIN)/uv pip compile pyproject.toml --group dev --group bench --generate-hashes \
	  --python-version 3.11 --no-header -o requirements.lock

# ---- run -------------------------------------------------------------------
run: install
	$(BIN)/sladesk up

# ---- test ------------------------------------------------------------------
test: install browser dovecot lint typecheck pytest

lint: install
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/ruff check src tests $(wildcard bench)

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q
	@echo "the core's tests again on its plain Python (the run above used the compiled modules when built)"
	SLADESK_CORE=python $(BIN)/pytest -q -p no:cacheprovider tests/core tests/cli tests/test_core_is_pure.py

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
