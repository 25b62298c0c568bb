# Two commands a newcomer needs: `make run` and `make test`. Both create .venv and install into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REGISTRY ?= examples/registry

.PHONY: run test test-targets install lint typecheck bench clean extension fuzz e2e-vscode e2e-serve

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

# The slow suite: every built-in target generated from semconv v1.44.0, semconv head, the example and an
# edge-case registry, then compiled (python: import + ruff + mypy --strict; go vet; cargo build --offline;
# javac; tsc --strict from the extension's node_modules, so run `make extension` first; markdown links).
test-targets: install
	$(BIN)/python -m pytest -n 2 -q -m targets

# The type-confusion property test with a larger, random sample (CI runs it after `make test`).
FUZZ_EXAMPLES ?= 300
fuzz: install
	WEAVERGEN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) WEAVERGEN_FUZZ_RANDOM=1 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_type_confusion.py --hypothesis-show-statistics

# The VS Code extension (needs Node.js 20+ and npm; not part of `make test`): npm packages from the lock
# file, eslint, tsc, unit tests, then editor-extension/weavergen-<version>.vsix and a check of its files.
EXT := editor-extension
$(EXT)/node_modules/.package-lock.json: $(EXT)/package-lock.json
	@command -v npm >/dev/null || { echo "make extension needs Node.js 20+ and npm (https://nodejs.org)" >&2; exit 1; }
	cd $(EXT) && npm ci --no-audit --no-fund

extension: $(EXT)/node_modules/.package-lock.json
	cd $(EXT) && npm run -s lint && npm run -s typecheck && npm test
	cd $(EXT) && npm run -s package && npm run -s check-vsix

# The extension in a real VS Code (slow, not part of `make test`): editor-extension/e2e/setup.sh installs
# code-server 4.100.3, Chromium and playwright-core once (cached in build/e2e-vscode), then the packaged
# .vsix is driven through code-server by node's test runner. Fails, never skips, under CI=true.
e2e-vscode: install $(EXT)/node_modules/.package-lock.json
	$(EXT)/e2e/setup.sh
	cd $(EXT) && npm run -s package
	cd $(EXT) && node --test --test-reporter=spec e2e/run.test.mjs

# The serve dashboard in a real browser (not part of `make test`): tests/e2e_serve/setup.sh installs Debian's
# Chromium and playwright-core once, then `weavergen serve --live-check` is driven through it by node's test
# runner. Fails, never skips, under CI=true.
e2e-serve: install
	tests/e2e_serve/setup.sh
	cd tests/e2e_serve && node --test --test-reporter=spec run.test.mjs

bench: install
	$(BIN)/python bench/check.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/workflow.py
	$(BIN)/python bench/lsp.py
	$(BIN)/python bench/hostile.py
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) build *.egg-info
