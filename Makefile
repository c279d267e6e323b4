# The whole set-up is these targets: each creates .venv when missing and installs the project.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "akhbar needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# The install log goes to a file and is shown only when something fails.
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(BIN)/python -m pip install --quiet -e '.[test,train]' >> $(VENV)/install.log 2>&1 \
	  || (cat $(VENV)/install.log; exit 1)
	@echo "installed akhbar into $(VENV) (log: $(VENV)/install.log)"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/akhbar demo --output data/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check akhbar pipelines transforms schemas configs tests bench train

bench: $(STAMP)
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/throughput.py

clean:
	rm -rf data/demo build *.egg-info
