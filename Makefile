# AES-ID: the two commands a newcomer needs are `make demo` and `make test`.
# Both create .venv on first use and install the package into it.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/aes-id demo

lint: $(STAMP)
	$(BIN)/ruff check aes_id tests bench tools
	$(BIN)/ruff format --check aes_id tests bench tools
	$(BIN)/lint-imports --no-cache pyproject.toml

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --cov --cov-report=term:skip-covered --cov-fail-under=85

test: lint typecheck unit

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf demo cards sheets previews bench/out .pytest_cache .mypy_cache .ruff_cache .coverage
