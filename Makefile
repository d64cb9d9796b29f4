# The two commands: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin

export UV_COMPILE_BYTECODE := 1
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run test test-faults lint sample bench bench-quick screenshots clean

$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(PYTHON) -m uv sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# Sample deliveries only when data/raw/ holds no delivery yet: real deliveries are never overwritten.
run: install
	@if [ -z "$$(find data/raw -mindepth 2 -type f 2>/dev/null | head -1)" ]; then $(BIN)/helhedsplan sample; fi
	$(BIN)/helhedsplan run

lint: install
	$(BIN)/sqlfluff lint models macros
	$(BIN)/ruff check pipelines tests scripts notebooks bench

test: install
	@bash scripts/install-chromium.sh
	$(BIN)/sqlfluff lint models macros
	$(BIN)/ruff check pipelines tests scripts notebooks bench
	$(BIN)/pytest -m "not faults"

# The kill-anywhere fault suite (tests/test_kill.py, about 6 minutes): CI runs it after `make test`.
test-faults: install
	$(BIN)/pytest -m faults

# Benchmark of the whole pipeline (bench/run.py; figures appended to bench/results.md).
# bench: sample, 100,000 and 1,000,000 residents × 60 months (the last needs > 20 GB today).
bench: install
	$(BIN)/python -m bench.run --scale sample,100k,1m

bench-quick: install
	$(BIN)/python -m bench.run --scale sample

screenshots: install
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf data/warehouse data/marts/helhedsplan.duckdb data/marts/report data/marts/quality target logs
