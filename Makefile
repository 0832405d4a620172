# The README's two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-slow lint bench test-newest-mesa compiled check-compiled

$(BIN)/wargame: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/wargame

demo: install
	$(BIN)/wargame validate scenarios/korea_2017_over_japan.yaml
	$(BIN)/wargame run scenarios/korea_2017_over_japan.yaml --variant strong_united_response --seed 1

# The quick suite on both cores (pytest-xdist); `make test-slow` runs the tests marked slow
# (whole batches, Dask clusters, README examples), which CI runs too: on both cores, then
# alone the ones marked exclusive (the notebooks, the dashboard in a browser), which busy
# both cores themselves and would starve the timing-sensitive ones (signals, kills).
test: install
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

test-slow: install
	$(BIN)/python -m pytest -q -n 2 -m "slow and not exclusive"
	$(BIN)/python -m pytest -q -m "slow and exclusive"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wargame/
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/bench_run.py

# The same suite on the newest Mesa (3.5+ needs Python >= 3.12; pyenv has one on these machines).
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python) python3.12)
test-newest-mesa:
	$(PYTHON312) -m venv .venv-mesa-newest
	.venv-mesa-newest/bin/pip install --quiet 'mesa>=3.5' -e '.[dev]'
	.venv-mesa-newest/bin/python -c "import mesa; print('mesa', mesa.__version__)"
	.venv-mesa-newest/bin/python -m pytest -q -p no:cacheprovider -n 2 -m "not slow"

# Opt-in build with the hot modules compiled by mypyc (about twice as fast; see README).
compiled:
	$(PYTHON) -m venv .venv-compiled
	.venv-compiled/bin/pip install --quiet --upgrade pip setuptools wheel mypy types-PyYAML
	WARGAME_COMPILE=1 .venv-compiled/bin/pip install --quiet --no-build-isolation .
	cd / && $(CURDIR)/.venv-compiled/bin/python -c "import wargame; assert wargame.compiled(), 'not compiled'"

# The compiled build must give exactly the records of the pure-Python one.
check-compiled: install compiled
	@set -e; out=$$(mktemp -d); \
	for variant in weak_response strong_united_response all_agents; do for seed in 1 7; do \
	  $(BIN)/wargame run scenarios/korea_2017_over_japan.yaml --variant $$variant --seed $$seed \
	    --summary --json $$out/pure.json --force > /dev/null; \
	  .venv-compiled/bin/wargame run scenarios/korea_2017_over_japan.yaml --variant $$variant \
	    --seed $$seed --summary --json $$out/compiled.json --force > /dev/null; \
	  cmp $$out/pure.json $$out/compiled.json; \
	done; done; echo "compiled build: same records as pure Python"
