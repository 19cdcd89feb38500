# The register's commands. `make run` serves the API with demo data; `make test` runs every check and test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test pytest lint format openapi lock clean bench

$(BIN)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

install: $(BIN)/.installed  ## Create .venv with the locked dependencies

run: install  ## Serve the API on the embedded database, with demo data on first start
	$(BIN)/register serve --host $(HOST) --port $(PORT)

test: lint pytest  ## Everything CI runs: lint, types, the OpenAPI check and the test suite

pytest: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy register api schemas tests migrations $(wildcard bench/*.py)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install  ## Regenerate openapi.yaml from the app
	$(BIN)/register openapi

lock:  ## Re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

.PHONY: fuzz chaos soak

fuzz: install  ## Fuzz every operation of the OpenAPI document, longer than the suite's bounded run
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-60} $(BIN)/pytest tests/reliability/test_fuzz.py -q

chaos: install  ## Kill PostgreSQL and the service under write load; verify recovery and acknowledged writes
	$(BIN)/python -m bench.chaos --write docs/reliability.md

soak: install  ## Mixed traffic at half the measured peak for 10 minutes (SOAK_SECONDS=60 for a quick check)
	$(BIN)/python -m bench.soak --write docs/reliability.md

# Benchmarks (docs/benchmarks.md): generate the 1M-director database if it is missing, then search, service
# throughput (wrk against uvicorn with several workers, beside /health/live and pgbench of the same SQL) and
# export. Installs Debian's wrk when it is missing; the test suite never needs it.
BENCH_DB        ?= register_bench
BENCH_DIRECTORS ?= 1000000
BENCH_DURATION  ?= 15
BENCH_ROUNDS    ?= 2

bench: install  ## Run the benchmark suite and write its figures to docs/benchmarks.md
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }
	$(BIN)/python -m bench.service ensure-data --database $(BENCH_DB) --directors $(BENCH_DIRECTORS)
	$(BIN)/python -m bench.search --database $(BENCH_DB) --queries 1000 --seed 7 --write docs/benchmarks.md
	$(BIN)/python -m bench.service run --database $(BENCH_DB) --duration $(BENCH_DURATION) \
		--rounds $(BENCH_ROUNDS) --write docs/benchmarks.md
	$(BIN)/python -m bench.export --database $(BENCH_DB) --write docs/benchmarks.md
