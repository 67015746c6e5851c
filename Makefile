# Clausewright - the two commands of the README, and a few more.
#   make run    create .venv, install, serve on http://127.0.0.1:8000
#   make test   create/update .venv with the test extras, install system tools, run every check

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Debian packages the tests drive: a real word processor, a real browser, PDF text.
SYSTEM_PACKAGES := libreoffice-writer-nogui chromium poppler-utils fonts-noto-cjk

.PHONY: run test lint typecheck unit system-deps bench soak lock clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/clausewright serve --host $(HOST) --port $(PORT)

system-deps:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" \
			|| missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			$$missing >/dev/null; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests $(wildcard scripts)
	$(BIN)/ruff format --check app tests $(wildcard scripts)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/pytest

test: $(VENV)/.installed-test system-deps lint typecheck
	$(BIN)/pytest

# The benchmark's HTTP load generator: wrk, a native client light enough to leave the two
# cores to the workers it measures (without it, scripts/bench.py falls back to http.client).
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing the Debian package wrk (HTTP load generator)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			wrk >/dev/null; } || echo "wrk is not installed: the benchmark uses http.client"
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python scripts/bench.py

soak: $(VENV)/.installed-test
	$(BIN)/python scripts/soak.py $(SOAK_ARGS)

# requirements.lock: the runtime dependencies of pyproject.toml (no test extras), pinned
# with every file's hash, for the Dockerfile's `pip install --require-hashes`. Existing
# pins are kept; `make lock LOCK_ARGS=--upgrade` moves them to the newest releases.
lock: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links $(LOCK_ARGS) \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
