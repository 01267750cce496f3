# The two commands of the README: `make demo` and `make test`. Both create the virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean graph

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/siteguard demo $(ARGS)

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict tools/depgraph.py

unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/e2e $(ARGS)

bench: $(STAMP)
	cd bench && ../$(BIN)/python transport.py
	cd bench && ../$(BIN)/python ingest.py
	cd bench && ../$(BIN)/python alarms.py

clean:
	rm -rf $(VENV) demo-data siteguard-data .mypy_cache .ruff_cache .pytest_cache

# The package graph drawn in docs/architecture.md, from the code's imports.
graph: $(STAMP)
	$(BIN)/python tools/depgraph.py --write docs/architecture.md
