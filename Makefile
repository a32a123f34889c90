# Every set-up step lives here: `make test` and `make demo` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint reference bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==26.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,spark]'
	touch $(STAMP)

## test: lint and run the test suite (creates .venv with pinned dependencies)
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/pytest -q

## demo: simulate the multicenter records and run the whole study (outputs in demo/)
demo: $(STAMP)
	$(BIN)/nedcohort demo --out demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

## reference: regenerate the R golden values (needs R 4.2 with survival and jsonlite)
reference:
	Rscript tests/reference/export_data.R tests/reference/data
	Rscript tests/reference/make_reference.R tests/reference/r_reference.json

## bench: timing benchmarks against lifelines, statsmodels and R (not part of the tests)
bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,spark,bench]'
	$(BIN)/python benchmarks/stats_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
