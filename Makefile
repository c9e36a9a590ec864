# Two commands for a fresh machine: `make run` (set up, build the index, start the chat) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test eval lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (torch 2.13.0 CPU is built for it)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m assistant serve

test: install
	$(PY) -m pytest -q --durations=15

# The development question set, scored (../shared/eval).
eval: install
	python3 -c "import json,sys;[print(json.loads(l)['question']) for l in open('../shared/eval/dev.jsonl') if l.strip()]" \
	  | $(PY) -m assistant ask --json > /tmp/dev-answers.jsonl
	python3 ../shared/eval/score.py ../shared/eval/dev.jsonl /tmp/dev-answers.jsonl

lint: install
	$(PY) -m ruff check assistant tests benchmarks app.py

clean:
	rm -rf $(VENV) index
