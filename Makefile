# perflib: the two quick-start commands are `make report` and `make test`.
# Everything is installed into a local virtual environment (.venv); nothing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-perflib

.PHONY: install report test test-fast lab check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[lab,test]"
	$(BIN)/python -c "from perflib.run import install_kernel; install_kernel()"  # ipykernel's spec, dying with its run
	touch $(STAMP)

install: $(STAMP)

## make report: the 和硕县 2023 report into outputs/heshuo/2023/
report: install
	$(BIN)/perflib run --county heshuo --year 2023

## make test: the whole test suite
test: install
	$(BIN)/python -m pytest

## make test-fast: every test that starts no Jupyter kernel, LibreOffice or Chromium (those are marked e2e)
test-fast: install
	$(BIN)/python -m pytest -m "not e2e"

## make lab: JupyterLab on notebooks/ with the project's kernel "Python (perflib)"
## (as root, as on many servers and containers, with --allow-root: Jupyter refuses to start otherwise)
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

## make check: only check the 和硕县 2023 data
check: install
	$(BIN)/perflib check --county heshuo --year 2023

## make bench: timings and ratios against the floor, written to benchmarks/RESULTS.md (not part of make test)
bench: install
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache
