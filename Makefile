# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    create .venv, install the app, serve it on $(PORT)
#   make test   create .venv, install the test extras, lint, type-check, run pytest
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501

.PHONY: run test lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files re-install only when pyproject.toml changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.run-installed

# Compile the fused numba kernels before serving (cached on disk, so only the
# first `make run` on a machine pays the seconds), not in someone's first click.
run: $(VENV)/.run-installed
	$(BIN)/python -c "from softmax_core._dispatch import warm_up; warm_up()"
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# Benchmarks compare against PyTorch when it is installed; it is never an app dependency.
bench: $(VENV)/.test-installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0 || true
	$(BIN)/python benchmarks/bench_core.py

screenshots: $(VENV)/.test-installed
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
