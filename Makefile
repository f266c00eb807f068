# Two entry points (see README): `make demo` sets up and runs the main job, `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORPUS ?= ../shared/corpus/tota/xml
DB     ?= $(CURDIR)/.ftadraft/demo.sqlite
QUERY  ?= express shipments

.PHONY: setup demo test bench clean

$(BIN)/ftadraft: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/ftadraft

# Fetch ToTA (from the local copy when there is one, else upstream), verify every SHA-256, index it, search it.
demo: setup
	@if [ -d "$(CORPUS)" ]; then \
		$(BIN)/ftadraft --db "$(DB)" corpus fetch tota --from "$(CORPUS)"; \
	else \
		$(BIN)/ftadraft --db "$(DB)" corpus fetch tota; \
	fi
	$(BIN)/ftadraft --db "$(DB)" corpus stats
	$(BIN)/ftadraft --db "$(DB)" search "$(QUERY)" --limit 5
	$(BIN)/ftadraft --db "$(DB)" corpus show tota-449:14.3
	$(BIN)/ftadraft --db "$(DB)" precedents --ref korus:15.3 --lineage --no-diff --min-similarity 0.6

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/ingest_tota.py
	$(BIN)/python bench/ingest_rcep.py

clean:
	rm -rf $(VENV) .ftadraft .pytest_cache
