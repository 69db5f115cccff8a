# Filiera: `make run` serves the demo, `make test` runs everything CI runs. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench install lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml scripts/system_packages.sh | $(BIN)/python
	bash scripts/system_packages.sh
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

run: install
	bash scripts/run.sh

test: install
	bash scripts/test.sh

bench: $(BENCH_STAMP)
	bash scripts/bench.sh

lint: install
	$(BIN)/ruff check src tests bench

# Extract and compile the UI translations (it, da, es).
messages: install
	cd src/filiera && ../../$(BIN)/filiera makemessages --no-obsolete -l it -l da -l es --ignore 'static/*' && ../../$(BIN)/filiera compilemessages

clean:
	rm -rf $(VENV) .venv-st var .pytest_cache .ruff_cache
