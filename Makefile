# Two commands on a fresh machine with Python 3.11 and make:
#   make html   — install into .venv and build content/ into output/
#   make test   — install into .venv and run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PORT ?= 8000
# The plugin is installed in place (pip -e), so pip does not compile it; where Python may not
# write its bytecode cache (PYTHONDONTWRITEBYTECODE, a read-only checkout), every build would
# compile it again at start-up. Quick when nothing changed.
BYTECODE := $(BIN)/python -m compileall -q plugins

.PHONY: html serve publish check verify test test-fast test-browser fuzz lint bench bench-search demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# Test tools from the npm registry (axe-core, for the accessibility audit), locked by package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

html: $(STAMP)
	$(BYTECODE)
	$(BIN)/deliberations build --settings pelicanconf.py --output output

serve: html
	@echo "Serving output/ on http://localhost:$(PORT)/"
	cd output && ../$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1

publish: $(STAMP)
	$(BYTECODE)
	$(BIN)/deliberations build --settings publishconf.py --output output

check: $(STAMP)
	$(BIN)/deliberations check --settings pelicanconf.py

verify: $(STAMP)
	$(BIN)/deliberations verify output --settings pelicanconf.py

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser"

test-browser: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -m browser

# The property-based tests with a long budget (make test runs them with a short one).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -n 2 -m hypothesis

demo: $(STAMP)
	$(BIN)/deliberations demo --count 200 --into demo
	$(BIN)/deliberations build --settings demo/pelicanconf.py --output demo/output

bench: $(STAMP)
	$(BYTECODE)
	$(BIN)/python bench/run.py

bench-search: $(STAMP)
	$(BIN)/python bench/search.py --sizes 1000,10000

clean:
	rm -rf output .cache demo node_modules
