# The README's commands. Installs are stamped on pyproject.toml, so repeated runs are quick.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?= -q
BENCH_ARGS ?=

.PHONY: run demo test faults fuzz lint fmt bench bench-all migrate verify clean

run: $(VENV)/.installed
	$(BIN)/kelisim up

demo: $(VENV)/.installed
	$(BIN)/kelisim up --demo

test: $(VENV)/.installed-test lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The long fault suite (10,000 operations through 24 kills and pauses, then the counts);
# `make test` runs its short version. TEST_DATABASE_URL=postgresql://... runs it on PostgreSQL.
faults: $(VENV)/.installed-test
	$(PY) -m pytest -m faults_long -s tests/faults $(PYTEST_ARGS)

# Schemathesis over the merged OpenAPI with many more examples per operation than the
# bounded run in `make test` (3 per operation and user).
fuzz: $(VENV)/.installed-test
	KELISIM_FUZZ_EXAMPLES=$${KELISIM_FUZZ_EXAMPLES:-40} KELISIM_FUZZ_SCENARIOS=$${KELISIM_FUZZ_SCENARIOS:-200} $(PY) -m pytest -m fuzz -s tests/api $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

# Every benchmark, each against its bare baseline (minutes; not part of `make test`).
bench-all: $(VENV)/.installed
	$(PY) -m bench.outbox_relay
	$(PY) -m bench.early_warning
	$(PY) -m bench.analytics
	$(PY) -m bench.stream_storage
	$(PY) -m bench.caseload
	$(PY) -m bench.startup
	$(PY) -m bench.escalation_latency

migrate: $(VENV)/.installed
	$(BIN)/kelisim migrate

verify: $(VENV)/.installed
	$(BIN)/kelisim audit verify

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed
