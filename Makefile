# The two commands of the README: `make demo` and `make test`. Both create the virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The web console's linter and tests (package.json): eslint from package-lock.json, exactly.
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint lint-js typecheck unit faults bench clean graph

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

demo: $(STAMP)
	$(BIN)/siteguard demo $(ARGS)

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP) lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# api/web/ (ES modules, no build step): eslint, then the modules' tests in Node's runner.
# The files are named: `node --test DIR` finds only *.test.mjs / test-*.mjs style names.
lint-js: $(NODE_STAMP)
	npx --no-install eslint .
	node --test tests/web/*.mjs

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tools/depgraph.py

unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/e2e $(ARGS)

# Fault injection (tests/e2e/faults): broker, database and series outages, kill -9 rounds, a
# full spool disk, a locked table. `make test` runs it with 10 kill rounds; this with 30.
faults: $(STAMP)
	SITEGUARD_FAULT_ROUNDS=30 $(BIN)/python -m pytest tests/e2e/faults $(ARGS)

bench: $(STAMP)
	cd bench && ../$(BIN)/python transport.py
	cd bench && ../$(BIN)/python ingest.py
	cd bench && ../$(BIN)/python alarms.py

clean:
	rm -rf $(VENV) node_modules demo-data siteguard-data .mypy_cache .ruff_cache .pytest_cache

# The package graph drawn in docs/architecture.md, from the code's imports.
graph: $(STAMP)
	$(BIN)/python tools/depgraph.py --write docs/architecture.md
