# Two commands do all set-up on a fresh machine:
#   make demo   install into .venv (with the sentence model) and analyse an example session
#               (writes out/*.html, out/*.json)
#   make test   install into .venv (with every extra: models, research, test, clinic, fast,
#               corpus, dask) and run
#               lint + tests (the clinic's tests on SQLite; .ci/run repeats them on PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[models,research,test,clinic,fast,corpus,dask]'
	touch $@

demo: $(BIN)/.installed
	mkdir -p out
	$(BIN)/mentalize analyze examples/attuned_session.txt \
		--json out/attuned_session.json --html out/attuned_session.html
	@echo "Open out/attuned_session.html in a browser."

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench

test: $(BIN)/.installed lint
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
