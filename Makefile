# Two entry points for a fresh machine with Python 3.11+:
#   make lab    install the course into .venv and open it in JupyterLab
#   make test   install the course with its test tools into .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test lint bench

lab: $(STAMP)
	$(BIN)/lambda-course lab

test: $(STAMP)
	$(BIN)/ruff check grader tests benchmarks
	$(BIN)/python -m pytest -n 4 --dist loadgroup --durations=15

lint: $(STAMP)
	$(BIN)/ruff check grader tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)
