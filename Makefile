# Two commands a newcomer needs: `make run` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REGISTRY ?= examples/registry

.PHONY: run test install lint typecheck bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "weavergen needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/weavergen registry check -r $(REGISTRY)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy checks the installed (non-editable) package: the editable finder hides the folder mapping from it.
typecheck: install
	rm -rf build/typecheck
	$(BIN)/python -m pip install -q --no-deps --no-compile --target build/typecheck .
	cd build/typecheck && MYPYPATH=. ../../$(BIN)/mypy --config-file ../../pyproject.toml -p weavergen

test: install lint typecheck
	$(BIN)/python -m pytest -n 2 -q

bench: install
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) build *.egg-info
