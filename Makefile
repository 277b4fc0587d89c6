# budgetopt: `make run` sets everything up and starts budgetopt; `make test` runs the whole test suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench translations clean

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

# After changing a page or report text: extract, update the Dutch catalogs, compile them.
# Both catalogs are kept sorted by msgid: the pages' without source locations (110 columns),
# the reports' with their source files (100 columns).
MESSAGES_STYLE := --no-location --sort-output -w 110
REPORTS_STYLE := --add-location=file --sort-output -w 100
translations: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext $(MESSAGES_STYLE) -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d src/budgetopt/translations -D messages -l nl \
		-w 110 --ignore-pot-creation-date
	$(BIN)/pybabel extract -F src/budgetopt/reports/babel.cfg $(REPORTS_STYLE) -o build/reports.pot \
		src/budgetopt/reports
	$(BIN)/pybabel update -i build/reports.pot -d src/budgetopt/translations -D reports -l nl \
		-w 100 --ignore-pot-creation-date
	$(BIN)/pybabel compile -d src/budgetopt/translations -D messages
	$(BIN)/pybabel compile -d src/budgetopt/translations -D reports

clean:
	rm -rf $(VENV) out .pytest_cache .benchmarks
