# The register's commands. `make run` serves the API with demo data; `make test` runs every check and test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test pytest lint format openapi lock clean

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
