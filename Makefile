# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both create .venv (Python 3.12, see .python-version) when it is missing.
PYTHON ?= $(shell command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast browser lint bench baseline studies clean lock

$(BIN)/peersim: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(BIN)/peersim

# Rewrite constraints.txt from .venv after upgrading on purpose (then rerun make studies, commit both)
lock: $(BIN)/peersim
	{ sed -n '/^#/p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.tmp
	mv constraints.tmp constraints.txt

run: $(BIN)/peersim
	$(BIN)/peersim run --runs 10000 --seed 2024 --out results/baseline/run

# On both cores (-n 2): 5 min 35 s measured, against 9 min 49 s on one.
# The browser test drives Debian's chromium (Playwright's own browser download cannot work here).
test: $(BIN)/peersim browser
	$(BIN)/python -m pytest -q -n 2

# unit, property and exact tests, no processes, studies or browser: under a minute on 2 cores
test-fast: $(BIN)/peersim
	$(BIN)/python -m pytest -q -m "not slow" -n 2

browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed and cannot be installed here: the browser test will say so"

lint: $(BIN)/peersim
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(BIN)/peersim
	$(BIN)/python benchmarks/bench_engine.py

baseline: $(BIN)/peersim
	$(BIN)/python tests/regenerate_baseline.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

STUDIES := baseline contexts composition size_and_skill course_length companionship sensitivity scenario_discovery

studies: $(BIN)/peersim
	for s in $(STUDIES); do $(BIN)/python experiments/$$s.py --quiet || exit 1; done
	$(BIN)/python experiments/trial.py
	$(BIN)/python experiments/calibration.py
	$(BIN)/python experiments/validation.py
	$(BIN)/python experiments/theories.py
