# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both create .venv (Python 3.12, see .python-version) when it is missing.
PYTHON ?= $(shell command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench baseline studies clean

$(BIN)/peersim: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/peersim

run: $(BIN)/peersim
	$(BIN)/peersim run --runs 10000 --seed 2024 --out results/baseline/run

test: $(BIN)/peersim
	$(BIN)/python -m pytest -q

lint: $(BIN)/peersim
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(BIN)/peersim
	$(BIN)/python benchmarks/bench_engine.py

baseline: $(BIN)/peersim
	$(BIN)/python tests/regenerate_baseline.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

STUDIES := baseline contexts composition size_and_skill course_length companionship

studies: $(BIN)/peersim
	for s in $(STUDIES); do $(BIN)/python experiments/$$s.py --quiet || exit 1; done
