# The two set-up commands: `make run` and `make test`. Each creates or reuses .venv,
# installs what it needs (only when pyproject.toml changed) and goes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench-clients demo-remove clean messages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m callcenter serve

# two workers, each with its own database (PYTEST_ARGS="-n 0" runs in one process)
test: $(STAMP)
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy callcenter ami web
	$(VENV)/bin/lint-imports

bench-clients: $(STAMP)
	$(PY) bench/client_lookup.py

clean:
	rm -rf $(VENV) .pytest_cache

# Extract the UI's messages (babel.cfg) and merge them into the Russian catalog.
POT := callcenter/locale/messages.pot

messages: $(STAMP)
	$(PY) -m babel.messages.frontend extract -F babel.cfg -k N_ --no-wrap --sort-by-file \
		--project=CallCenter -o $(POT) .
	$(PY) -m babel.messages.frontend update -i $(POT) -d callcenter/locale -l ru \
		--init-missing --no-fuzzy-matching --no-wrap
