# Two commands for a fresh machine: `make run` (set up, build the index, start the chat) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test eval archive-check fit lint clean dictionary

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (torch 2.13.0 CPU is built for it)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	@$(MAKE) --no-print-directory dictionary
	touch $(STAMP)

# The English-Dutch dictionary English questions are translated with (Debian's FreeDict); without it the assistant
# runs on its glossary alone and says so in its log.
dictionary:
	@[ -f /usr/share/dictd/freedict-eng-nld.dict.dz ] || { \
	  command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
	    && (apt-get install -y -qq dict-freedict-eng-nld >/dev/null 2>&1 \
	        || (apt-get update -qq && apt-get install -y -qq dict-freedict-eng-nld >/dev/null)) ; } \
	  || echo "note: no dict-freedict-eng-nld (sudo apt-get install dict-freedict-eng-nld): English questions use the glossary alone"

install: $(STAMP)

run: install
	$(PY) -m assistant serve

test: install
	$(PY) -m pytest -q --durations=15

# The seed development set, scored (../shared/eval), and the project's own check set on the same documents.
eval: install
	python3 -c "import json,sys;[print(json.loads(l)['question']) for l in open('../shared/eval/dev.jsonl') if l.strip()]" \
	  | $(PY) -m assistant ask --json > /tmp/dev-answers.jsonl
	python3 ../shared/eval/score.py ../shared/eval/dev.jsonl /tmp/dev-answers.jsonl
	@echo "data/seed-check.jsonl (40 fresh questions on the seed documents, never trained on):"
	python3 -c "import json,sys;[print(json.loads(l)['question']) for l in open('data/seed-check.jsonl') if l.strip()]" \
	  | $(PY) -m assistant ask --json > /tmp/seed-check-answers.jsonl
	python3 ../shared/eval/score.py data/seed-check.jsonl /tmp/seed-check-answers.jsonl | tail -1

# The project's own archive check set (data/archive-check.jsonl: 180 questions, 48 traps, on 300 dekamer answers
# outside the development and training sets, never trained on), scored end to end on an index of those answers.
CHECK_INDEX ?= /tmp/archive-check-index
archive-check: install
	$(PY) data/records.py data/archive-check-records.txt > $(CHECK_INDEX).jsonl
	$(PY) -m assistant ingest $(CHECK_INDEX).jsonl --index $(CHECK_INDEX) --quiet >/dev/null
	python3 -c "import json,sys;[print(json.loads(l)['question']) for l in open('data/archive-check.jsonl') if l.strip()]" \
	  | $(PY) -m assistant ask --json --index $(CHECK_INDEX) > /tmp/archive-check-answers.jsonl
	python3 ../shared/eval/score.py data/archive-check.jsonl /tmp/archive-check-answers.jsonl --max-chars 600 | tail -1

# Refit the reader (assistant/answer/reader_model.json): nested cross-validation on the archive development set,
# with the project's own training questions (data/archive-train*.jsonl, each on 300 other dekamer answers) in every
# fold. Then which agencies a list across agencies names (list_model.json), on the project's own questions about the
# seed documents (data/seed-train.jsonl, seed-lists.jsonl); it reads the reader's ranker, so it comes second.
DEV_INDEX ?= /tmp/archive-dev-index
TRAIN_INDEX ?= /tmp/archive-train-index
fit: install
	$(PY) data/records.py data/archive-train-records.txt > $(TRAIN_INDEX)-1.jsonl
	$(PY) data/records.py data/archive-train-2-records.txt > $(TRAIN_INDEX)-2.jsonl
	$(PY) -m assistant ingest $(TRAIN_INDEX)-1.jsonl --index $(TRAIN_INDEX)-1 --quiet >/dev/null
	$(PY) -m assistant ingest $(TRAIN_INDEX)-2.jsonl --index $(TRAIN_INDEX)-2 --quiet >/dev/null
	$(PY) -m assistant ingest ../shared/eval/archive-dev-records.jsonl --index $(DEV_INDEX) --quiet >/dev/null
	$(PY) -m assistant.fit --set ../shared/eval/archive-dev.jsonl $(DEV_INDEX) \
	  --train data/archive-train.jsonl $(TRAIN_INDEX)-1 --train data/archive-train-2.jsonl $(TRAIN_INDEX)-2 \
	  --write $(FIT_ARGS)
	$(PY) -m assistant.fit_lists --train data/seed-train.jsonl --train data/seed-lists.jsonl \
	  --check data/seed-check.jsonl --write

lint: install
	$(PY) -m ruff check assistant tests benchmarks app.py

clean:
	rm -rf $(VENV) index
