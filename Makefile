# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    create .venv from uv.lock, install the app, serve it on $(PORT)
#   make test   the same plus the test extras; lint, type-check, run pytest
# EXTRAS=fast adds the optional numba kernels to either (make test EXTRAS=fast).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
EXTRAS ?=

# uv installs exactly the versions in uv.lock. When it is not on PATH, pip
# fetches it once into .uv/ (pip's --target works on an externally managed
# Python too), in a version that also builds this project itself (see
# [build-system] in pyproject.toml).
UV_VERSION := 0.13.9
UV ?= $(or $(shell command -v uv 2>/dev/null),.uv/bin/uv)
# --locked: stop if pyproject.toml changed without `make lock`.
# --inexact: keep what is installed beyond the lock (torch for `make bench`,
#   the test extras after `make run`); `make clean` starts from the lock alone.
# A warm sync (nothing to do) takes well under a second.
SYNC := $(UV) sync --locked --inexact --python $(PYTHON) --no-python-downloads \
	$(addprefix --extra ,$(EXTRAS))

.PHONY: run serve test test-fast test-fast-path lint sync-app sync-test lock bench \
	screenshots clean

.uv/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--root-user-action=ignore --no-deps --target .uv uv==$(UV_VERSION)

sync-app: | $(UV)
	$(SYNC)

sync-test: | $(UV)
	$(SYNC) --extra test

# The NumPy app needs no compiling; with EXTRAS=fast, load (or compile, about
# 45 s the first time, then cached on disk) numba's kernels before serving, so
# no visitor waits for them.
run: sync-app
ifneq ($(filter fast,$(EXTRAS)),)
	$(BIN)/python -c "from softmax_core.paths import warm_up; warm_up()"
endif
	$(BIN)/streamlit run app.py --server.port $(PORT)

# A whole class on one port: REPLICAS Streamlit processes (default: the number
# of cores) behind HAProxy on $(PORT), sticky by cookie. HAProxy is Debian's
# package, installed when missing (deploy/ensure-haproxy.sh).
serve: sync-app
	bash deploy/ensure-haproxy.sh
ifneq ($(filter fast,$(EXTRAS)),)
	$(BIN)/python -c "from softmax_core.paths import warm_up; warm_up()"
endif
	$(BIN)/python -m deploy.serve --port $(PORT) $(if $(REPLICAS),--replicas $(REPLICAS))

lint: sync-test
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# The inner loop: ruff and pytest without the browser tests (no mypy, no Chromium).
test-fast: sync-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not e2e"

# The fused kernels' own tests (they skip themselves without numba), with the
# fast extra installed; the first run compiles the kernels (about 45 s).
test-fast-path:
	$(MAKE) sync-test EXTRAS=fast
	$(BIN)/python -m pytest tests/fast tests/core/test_imports.py \
		softmax_core/fast tests/core/test_edge_cases.py

# After editing dependencies in pyproject.toml: re-resolve uv.lock.
lock: | $(UV)
	$(UV) lock

# Benchmarks compare against PyTorch when it is installed; it is never an app
# dependency. uv cannot see the local torch==2.13.0 wheel pip is configured to
# use here, so pip installs it, after the sync (an exact sync would remove it).
bench:
	$(MAKE) sync-test EXTRAS=fast
	$(PYTHON) -m pip --python $(BIN)/python install --quiet \
		--disable-pip-version-check torch==2.13.0 || true
	$(BIN)/python benchmarks/bench_core.py

screenshots: sync-test
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .uv .pytest_cache .mypy_cache .ruff_cache
