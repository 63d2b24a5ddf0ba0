# Set-up and run on a fresh machine: `make demo` and `make test` create the
# virtual environment, install everything (graphviz's dot via apt where missing)
# and run. CONSTRAINTS pins torch to the CPU build used on CI.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONSTRAINTS ?= constraints.txt
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint format bench gallery dot clean

$(VENV)/.installed: setup.cfg pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[dev,port,plots,onnx]'
	touch $@

dot:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "graphviz's dot not found: installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz >/dev/null; } \
	  || echo "could not install graphviz; diagrams will be skipped"

demo: $(VENV)/.installed dot
	$(PY) -m models.demo

test: lint $(VENV)/.installed dot
	$(PY) -m pytest

# ruff (lint + format check) and mypy over the package; `make format` applies ruff's formatting
lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(VENV)/.installed
	$(PY) -m benchmarks.lstm_cell
	$(PY) -m benchmarks.build_time

gallery: $(VENV)/.installed dot
	$(PY) scripts/make_gallery.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info
