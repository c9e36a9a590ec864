"""The project's own archive questions (data/archive-train.jsonl, archive-train-2.jsonl to train on, archive-check.jsonl
to check with): well formed, each answer stated in its record, and on records outside the archive development set and
each other's."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.fit import norm  # as the scorer compares

DATA = Path(__file__).parent.parent / "data"
SHARED = Path(__file__).parent.parent.parent / "shared"
KINDS = {"number", "amount", "percentage", "date", "name", "list", "yesno", "why", "how", "trap"}


SETS = [("archive-train.jsonl", "archive-train-records.txt"), ("archive-train-2.jsonl", "archive-train-2-records.txt"),
        ("archive-check.jsonl", "archive-check-records.txt")]


def _questions(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _ids(name: str) -> set[str]:
    return set((DATA / name).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("questions_file, ids_file", SETS)
def test_the_questions_are_well_formed(questions_file: str, ids_file: str) -> None:
    questions = _questions(questions_file)
    record_ids = _ids(ids_file)
    assert len(questions) == 180 and len(record_ids) == 300
    assert len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert q["doc_id"] in record_ids and q["kind"] in KINDS, q["id"]
        if q["answerable"]:
            assert q["kind"] != "trap" and q["answer_must"] and q["evidence"], q["id"]
        else:
            assert q["kind"] == "trap" and q["answer_must"] == q["evidence"] == [], q["id"]
    traps = sum(not q["answerable"] for q in questions)
    assert traps == 48  # a quarter or so, as in the archive development set
    assert max(Counter(q["doc_id"] for q in questions).values()) <= 2


def test_the_sets_share_no_record_and_no_question() -> None:
    records = [_ids(ids_file) for _, ids_file in SETS]
    assert all(not a & b for i, a in enumerate(records) for b in records[i + 1:])
    ids = [q["id"] for name, _ in SETS for q in _questions(name)]
    assert len(set(ids)) == len(ids)


@pytest.mark.skipif(not (SHARED / "corpora" / "dekamer-2017").is_dir(), reason="needs ../shared/corpora")
@pytest.mark.parametrize("questions_file, ids_file", SETS)
def test_every_answer_is_stated_in_its_record_and_no_record_is_a_development_one(questions_file: str,
                                                                                ids_file: str) -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location("records", DATA / "records.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    texts = {r["id"]: norm(r["text"]) for r in module.records(DATA / ids_file)}
    for q in _questions(questions_file):
        for group in q["answer_must"] + q["evidence"]:
            assert any(norm(alt) in texts[q["doc_id"]] for alt in group), (q["id"], group)
    development = SHARED / "eval" / "archive-dev-records.jsonl"
    if development.is_file():
        dev_ids = {json.loads(line)["id"] for line in development.read_text(encoding="utf-8").splitlines() if line}
        assert not dev_ids & set(texts)


def _answered_by_the_shipped_documents(questions: list[dict]) -> None:
    corpus = norm(" ".join(p.read_text(encoding="utf-8") for p in (DATA.parent / "corpus").glob("*.md")))
    for q in questions:
        if q["answerable"]:
            for group in q["answer_must"] + q["evidence"]:
                assert any(norm(alt) in corpus for alt in group), (q["id"], group)
        else:
            assert q["answer_must"] == q["evidence"] == []


def test_the_seed_check_set_is_answered_by_the_shipped_documents() -> None:
    """data/seed-check.jsonl: fresh questions on the five seed documents, a check never trained on."""
    questions = _questions("seed-check.jsonl")
    assert len(questions) == 40 and sum(not q["answerable"] for q in questions) == 6
    _answered_by_the_shipped_documents(questions)


AGENCY_GROUPS = {
    "AgII": ["Agentschap Integratie en Inburgering", "AgII", "Integratie en Inburgering"],
    "K&G": ["Kind en Gezin", "K&G"],
    "ABB": ["Agentschap Binnenlands Bestuur", "ABB", "Binnenlands Bestuur"],
    "WSE": ["Departement Werk en Sociale Economie", "WSE", "Werk en Sociale Economie"],
}


@pytest.mark.parametrize(("name", "size", "traps"), [("seed-train.jsonl", 50, 14), ("seed-lists.jsonl", 40, 4)])
def test_the_seed_training_sets_are_answered_by_the_shipped_documents(name: str, size: int, traps: int) -> None:
    """Fresh questions on the seed documents the list model is fit on (python -m assistant.fit_lists), written
    without sight of the development or check sets."""
    questions = _questions(name)
    assert len(questions) == size and sum(not q["answerable"] for q in questions) == traps
    assert len({q["id"] for q in questions}) == size
    _answered_by_the_shipped_documents(questions)
    checked = {norm(q["question"]) for q in _questions("seed-check.jsonl")}
    assert not checked & {norm(q["question"]) for q in questions}


def test_a_list_question_names_each_agency_once_in_or_out() -> None:
    for q in _questions("seed-lists.jsonl"):
        asked = [short for group in q["answer_must"] for short, names in AGENCY_GROUPS.items() if group == names]
        assert len(asked) == len(q["answer_must"]) == len(set(asked)), q["id"]
        assert sorted(asked + q["agencies_not"]) == sorted(AGENCY_GROUPS), q["id"]
