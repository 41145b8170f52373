# Every target installs what it needs: uv (from PyPI, into .tools/) if it is not on
# PATH, then the locked environment (uv.lock) into .venv/.
.DEFAULT_GOAL := help
SHELL := /bin/bash

UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --locked
# The integration tests mostly wait (on the local server's pace, throttles,
# timeouts), so they run on four pytest-xdist workers, each with its own local
# server. INTEGRATION_WORKERS=0 runs them in one process; UNIT_WORKERS=2 splits
# the unit tests (which mostly compute) across two.
UNIT_WORKERS ?= 0
INTEGRATION_WORKERS ?= 4
XDIST = --numprocesses $(1) --dist worksteal
PYTEST_UNIT := $(RUN) pytest tests/unit_tests --disable-socket --allow-unix-socket \
	$(call XDIST,$(UNIT_WORKERS))
PYTEST_INTEGRATION := $(RUN) pytest tests/integration_tests \
	$(call XDIST,$(INTEGRATION_WORKERS))
PYTEST_NOTEBOOK := $(RUN) pytest --nbmake docs/replicate.ipynb --timeout=300

.PHONY: help install test unit_tests integration_tests docs_tests demo lint format type bench bench_throttle

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

install: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv) ## Create .venv from uv.lock
	$(UV) sync --locked --quiet

# `make test` runs the three parts side by side (each one starts its own local
# server); each part's output is printed whole when it ends (--output-sync).
test: install ## Run every offline test: unit, integration (local server), the docs notebook
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target \
		unit_tests integration_tests docs_tests

unit_tests: install ## Unit tests only (no sockets)
	$(PYTEST_UNIT)

integration_tests: install ## Integration tests only (starts the local Replicate server itself)
	$(PYTEST_INTEGRATION)

docs_tests: install ## Execute docs/replicate.ipynb (on the local server unless a token is set)
	$(PYTEST_NOTEBOOK)

demo: install ## The tour: chat, streaming, a stop sequence, text to image (offline without a token)
	$(RUN) python docs/demo.py

lint: install ## ruff check, ruff format --diff, mypy --strict, the layer contracts (import-linter)
	$(RUN) ruff check .
	$(RUN) ruff format --diff .
	$(RUN) mypy
	$(RUN) lint-imports

type: install ## mypy --strict only
	$(RUN) mypy

format: install ## Apply ruff's fixes and formatting
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: install ## Benchmarks against the alternatives on the local server (table, JSON, PNG)
	$(RUN) --group bench python -m benchmarks

bench_throttle: install ## Processes on one throttled account: time vs the rate floor (~5 min)
	$(RUN) python -m benchmarks.shared_throttle

help: ## Show this help
	@grep -hE '^[a-z_]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'
