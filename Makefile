# Two entry points (see README): `make demo` sets up and runs the main job, `make test` sets up and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORPUS ?= ../shared/corpus/tota/xml
DB     ?= $(CURDIR)/.ftadraft/demo.sqlite
QUERY  ?= express shipments

.PHONY: setup demo test bench serve clean

$(BIN)/ftadraft: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/ftadraft

# Fetch ToTA (from the local copy when there is one, else upstream), verify every SHA-256, index it, search it.
demo: setup
	@if [ -d "$(CORPUS)" ]; then \
		echo "make demo: ToTA from the local copy in $(CORPUS), into $(DB)"; \
		$(BIN)/ftadraft --db "$(DB)" corpus fetch tota --from "$(CORPUS)"; \
	elif [ "$(origin CORPUS)" != "file" ]; then \
		echo "make demo: CORPUS=$(CORPUS) is not a folder; give the folder that holds ToTA's pta_*.xml files" >&2; \
		exit 2; \
	else \
		echo "make demo: no local copy in $(CORPUS): downloading ToTA (with a copy elsewhere: make demo CORPUS=DIR)"; \
		$(BIN)/ftadraft --db "$(DB)" corpus fetch tota; \
	fi
	$(BIN)/ftadraft --db "$(DB)" corpus stats
	$(BIN)/ftadraft --db "$(DB)" search "$(QUERY)" --limit 5
	$(BIN)/ftadraft --db "$(DB)" corpus show tota-449:14.3
	$(BIN)/ftadraft --db "$(DB)" precedents --ref korus:15.3 --lineage --no-diff --min-similarity 0.6
	@echo "make demo: done. The index is $(DB); to use it with the README's commands:"
	@echo "  export FTADRAFT_DB=\"$(DB)\" PATH=\"$(abspath $(BIN)):\$$PATH\""

# The workbench in a browser on the demo index (after `make demo`): http://127.0.0.1:8000/
serve: setup
	$(BIN)/ftadraft --db "$(DB)" serve

test: setup
	$(BIN)/python -m pytest

# The benchmarks print ftadraft beside its peers (lxml, bm25s, tantivy, raw SQLite) in one run; see bench/README.md.
BENCH_DB ?= $(CURDIR)/.bench/tota.sqlite
bench: setup
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/ingest_tota.py
	$(BIN)/python bench/ingest_rcep.py
	@mkdir -p "$(dir $(BENCH_DB))"
	$(BIN)/ftadraft -q --db "$(BENCH_DB)" corpus add "$(CORPUS)"
	$(BIN)/python bench/search_speed.py --db "$(BENCH_DB)"
	$(BIN)/python bench/precedents_speed.py --db "$(BENCH_DB)"
	$(BIN)/python bench/startup_speed.py --db "$(BENCH_DB)"

clean:
	rm -rf $(VENV) .ftadraft .bench .pytest_cache
