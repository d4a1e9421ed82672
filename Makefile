# Köpir: `make demo` to try it, `make test` to check it. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
CHILDREN ?= 60
SERVICES := scripts/services.sh

.PHONY: venv demo serve lint test test-fast faults services-start services-stop stack stack-stop bench bench-national audit clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Köpir needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

venv: $(BIN)/.installed

demo: venv ## seed realistic demo data (SQLite under var/) once, and serve the app; RESET=1 starts over
	$(BIN)/kopir demo $(if $(RESET),--reset,--if-empty) --children $(CHILDREN)
	$(BIN)/kopir serve --port $(PORT)

serve: venv
	$(BIN)/kopir serve --port $(PORT)

services-start:
	$(SERVICES) start

services-stop:
	$(SERVICES) stop

lint: venv ## the layers: imports only go down (import-linter contracts in pyproject.toml)
	$(BIN)/lint-imports

test: lint services-start ## the layers, then every test: in memory, on SQLite, on a real PostgreSQL and Kafka
	set -a && eval "$$($(SERVICES) env)" && set +a && $(BIN)/pytest $(PYTEST_ARGS)

test-fast: lint ## the layers, the unit tests and every test body in memory (no services)
	$(BIN)/pytest -m fast $(PYTEST_ARGS)

stack: venv ## the distributed mode without Docker: PostgreSQL, Kafka, 2 of each process, UI
	scripts/stack.sh start

stack-stop:
	scripts/stack.sh stop

bench: venv services-start ## every benchmark, each against a baseline from the same run (1M-event national preset)
	$(BIN)/python -m bench.core
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.concerns
	$(BIN)/python -m bench.engine_memory --events 100000 300000
	$(BIN)/python -m bench.replay_snapshots
	set -a && eval "$$($(SERVICES) env)" && set +a && $(BIN)/python -m bench.kafka
	set -a && eval "$$($(SERVICES) env)" && set +a && $(BIN)/python -m bench.failover
	set -a && eval "$$($(SERVICES) env)" && set +a && $(BIN)/python -m bench.engine_group
	$(BIN)/python -m bench.national --preset quick

bench-national: venv ## the national preset: 100k children, 5,000 schools, 10M events (hours)
	$(BIN)/python -m bench.national --preset national

faults: venv services-start ## the fault suite (KOPIR_FAULTS=full for the full size; part of make test in reduced size)
	set -a && eval "$$($(SERVICES) env)" && set +a && $(BIN)/pytest -q -p no:cacheprovider tests/faults \
		tests/integration/test_kafka_path.py -k "killed or restarting or terminated or full or faults"

audit: venv ## known vulnerabilities in the installed dependencies (needs PyPI's JSON API or OSV)
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --progress-spinner off

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis *.egg-info
