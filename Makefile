# Two entry points for a fresh machine with Python 3.11+:
#   make lab    install the course into .venv and open it in JupyterLab
#   make test   install the course with its test tools into .venv and run the whole test suite
# Both install exactly the packages pinned in requirements.lock (`make install`); `make lock` refreshes it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
UV     ?= $(BIN)/uv
# The tests that meet moto, nbgrader and nbclient most directly: run again by check-latest and check-oldest.
CHECK_TESTS := tests/sandbox tests/iam tests/iam_sandbox tests/eventsources tests/eventbridge tests/secrets \
               tests/apigateway tests/grading tests/grading_security tests/labs

.PHONY: install lab test lint bench lock check-latest check-oldest

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/lambda-course lab

PACKAGES := grader localaws iampolicy lambda_course

test: lint
	$(BIN)/python -m pytest -n 4 --dist loadgroup --durations=15

# Style, the layers between the packages (import-linter's contracts in pyproject.toml) and the type hints.
lint: $(STAMP)
	$(BIN)/ruff check $(PACKAGES) tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# .venv is built afresh whenever the lock or pyproject.toml changes, so it never keeps a package the lock dropped.
$(STAMP): $(LOCK) pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Pin what pyproject.toml asks for, keeping the versions already locked; `make lock UPGRADE=1` takes the newest.
lock:
	$(UV) pip compile pyproject.toml --extra test --universal --generate-hashes --python-version 3.11 \
		$(if $(UPGRADE),--upgrade) --quiet --output-file $(LOCK)

# The newest (check-latest) and the oldest (check-oldest) releases pyproject.toml's ranges allow, in scratch
# environments, against the tests above: the drift users would meet, found before they meet it.
check-latest: $(STAMP)
	$(MAKE) --no-print-directory _check-range RESOLUTION=highest SCRATCH=.venv-latest

check-oldest: $(STAMP)
	$(MAKE) --no-print-directory _check-range RESOLUTION=lowest-direct SCRATCH=.venv-oldest

_check-range:
	rm -rf $(SCRATCH)
	$(UV) venv --quiet --python $(BIN)/python $(SCRATCH)
	$(UV) pip install --quiet --python $(SCRATCH)/bin/python --resolution $(RESOLUTION) -e '.[test]'
	$(UV) pip list --python $(SCRATCH)/bin/python | grep -iE '^(moto|boto3|botocore|nbgrader|nbclient|jupyter.client) '
	$(SCRATCH)/bin/python -m pytest -n 4 --dist loadgroup -q $(CHECK_TESTS)
