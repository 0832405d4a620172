# The README's two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench

$(BIN)/wargame: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/wargame

demo: install
	$(BIN)/wargame validate scenarios/korea_2017_over_japan.yaml
	$(BIN)/wargame run scenarios/korea_2017_over_japan.yaml --variant strong_united_response --seed 1

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wargame/

bench: install
	$(BIN)/python benchmarks/bench_run.py
