# budgetopt: `make run` sets everything up and starts budgetopt; `make test` runs the whole test suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/budgetopt serve --demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest
	$(BIN)/pytest benchmarks --benchmark-disable -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_scales.py
	BUDGETOPT_BENCH_SCALES=$${BUDGETOPT_BENCH_SCALES:-small,medium,national} \
		$(BIN)/pytest benchmarks --benchmark-only --benchmark-sort=name \
		--benchmark-json=benchmarks/phases.json
	$(BIN)/python benchmarks/run_scales.py --render

clean:
	rm -rf $(VENV) out .pytest_cache .benchmarks
