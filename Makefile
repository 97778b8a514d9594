# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(BIN)/python:
	@echo "creating $(VENV) (once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@echo "installing twin and its dependencies into $(VENV): a few minutes the first time, pip reports each package"
	$(BIN)/python -m pip install --progress-bar off -e ".[test]"
	touch $(STAMP)
	@echo "installed: $(VENV)/bin/twin"

run: $(STAMP)
	$(BIN)/twin run

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info
