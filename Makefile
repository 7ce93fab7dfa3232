# The README's commands. Installs come from the hashed lock files in requirements/ (pip
# --no-deps --require-hashes: a lock is the whole set, see deploy/README.md) and are stamped
# on them, so repeated runs are quick.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTEST_ARGS ?= -q
BENCH_ARGS ?=

LOCK := requirements/main.lock
TEST_LOCK := requirements/test.lock
# The project itself, without its dependencies (they come from a lock) and built by the locked
# setuptools (no build isolation: nothing is fetched unhashed).
SELF := $(PY) -m pip install -q --no-deps --no-build-isolation
# Byte-compile Kelisim's own modules (an editable install is not compiled, and with
# PYTHONDONTWRITEBYTECODE set every process compiled its 225 modules again at each start,
# about a quarter of a second). Quick when nothing changed; a changed file is still read
# from source.
BYTECODE := $(PY) -m compileall -q -j0 kelisim gateway services

.PHONY: run demo test faults fuzz lint fmt bench bench-all migrate verify clean lock image-smoke

run: $(VENV)/.installed
	$(BYTECODE)
	$(BIN)/kelisim up

demo: $(VENV)/.installed
	$(BYTECODE)
	$(BIN)/kelisim up --demo

test: $(VENV)/.installed-test lint
	$(BYTECODE)
	$(PY) -m pytest $(PYTEST_ARGS)

# The long fault suite (10,000 operations through 24 kills and pauses, then the counts);
# `make test` runs its short version. TEST_DATABASE_URL=postgresql://... runs it on PostgreSQL,
# with the production topology test (3 NATS nodes, two replicas of everything, kills).
faults: $(VENV)/.installed-test
	$(PY) -m pytest -m faults_long -s tests/faults $(PYTEST_ARGS)

# Schemathesis over the merged OpenAPI with many more examples per operation than the
# bounded run in `make test` (3 per operation and user).
fuzz: $(VENV)/.installed-test
	KELISIM_FUZZ_EXAMPLES=$${KELISIM_FUZZ_EXAMPLES:-40} KELISIM_FUZZ_SCENARIOS=$${KELISIM_FUZZ_SCENARIOS:-200} $(PY) -m pytest -m fuzz -s tests/api $(PYTEST_ARGS)

# deploy/Dockerfile's steps without a container engine: a Debian bookworm root (debootstrap),
# the lock installed into /opt/kelisim, then run as uid 10001 on a read-only root (needs root;
# CI runs it too).
image-smoke:
	bash .ci/image-smoke

lint: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed
	$(BYTECODE)
	$(PY) -m bench $(BENCH_ARGS)

# Every benchmark, each against its bare baseline (minutes; not part of `make test`).
bench-all: $(VENV)/.installed
	$(BYTECODE)
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

$(VENV)/.installed: pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install -q --no-deps --require-hashes -r $(LOCK)
	$(PY) -m pip check
	$(SELF) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(TEST_LOCK) | $(PY)
	$(PY) -m pip install -q --no-deps --require-hashes -r $(TEST_LOCK)
	$(PY) -m pip check
	$(SELF) -e .
	touch $@ $(VENV)/.installed

# After changing a pin in pyproject.toml: write the lock files again (uv, pinned in the
# `lock` extra). The runtime lock is constrained by the test lock, so both agree; the
# deploy-check lock (kubernetes-validate, checkov) is for a venv of its own (.ci/run).
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 pyproject.toml requirements/build.in
lock: | $(PY)
	$(PY) -m pip install -q "$$(grep -o '"uv==[^"]*"' pyproject.toml | tr -d '"')"
	$(UV_COMPILE) --extra test -o $(TEST_LOCK)
	$(UV_COMPILE) -c $(TEST_LOCK) -o $(LOCK)
	$(PY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["deploy-check"], sep="\n")' \
	| $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_28 - -o requirements/deploy-check.lock
