"""tune-embeddings on a tiny data set: the pairs it reads, and a model folder the index can use."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.apps import cli
from assistant.errors import InputError
from assistant.search.embed import load_embedder
from assistant.search.tune import Pair, read_pairs, tune_embeddings

RECORDS = [
    {"id": "q1", "date": "2017-01-04", "question": "Hoeveel treinen hadden vertraging door de staking?",
     "answer": "1. Inleiding over het spoor.\n\n2. Door de staking hadden 412 treinen vertraging."},
    {"id": "q2", "date": "2017-01-05", "question": "Hoeveel treinen hadden vertraging door de staking?",
     "answer": "Een kopie van dezelfde vraag aan een andere minister."},
    {"id": "q3", "date": "2017-02-01", "question": "Wat kost de renovatie van het gerechtsgebouw?",
     "answer": "De renovatie van het gerechtsgebouw kost 12 miljoen euro."},
    {"id": "q4", "date": "2017-03-01", "question": "Hoeveel asielaanvragen waren er in 2016?",
     "answer": "In 2016 waren er 18.710 asielaanvragen."},
    {"id": "q5", "date": "2017-03-02", "question": "Nog niet beantwoord?", "answer": None},
    {"id": "q6", "date": "2017-03-03", "question": "Hoeveel politieagenten zijn er in Brussel?",
     "answer": "Er zijn 5.000 politieagenten in Brussel."},
]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_pairs_skip_copies_and_unanswered_and_take_the_chunk_that_answers(records: Path) -> None:
    pairs = read_pairs(records, chunk_size=100, chunk_overlap=10)
    assert [p.question for p in pairs] == [RECORDS[i]["question"] for i in (0, 2, 3, 5)]
    assert pairs[0] == Pair(RECORDS[0]["question"], "2. Door de staking hadden 412 treinen vertraging.")


def test_pairs_by_period_and_limit(records: Path) -> None:
    assert [p.question for p in read_pairs(records, until="2017-03-01")] == [
        RECORDS[0]["question"], RECORDS[2]["question"]]
    assert [p.question for p in read_pairs(records, since="2017-03-01", limit=1)] == [RECORDS[3]["question"]]
    with pytest.raises(InputError) as error:
        read_pairs(records, since="2018-01-01")
    assert "holds no answered records" in str(error.value)


@pytest.mark.slow  # fine-tunes the real model
def test_tune_writes_a_model_the_index_can_load(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "tuned"
    lines: list[str] = []
    report = tune_embeddings(records, out, base="all-MiniLM-L6-v2", batch_size=2, on_progress=lines.append)
    assert (report.pairs, report.steps, report.epochs, report.out) == (4, 2, 1, out)
    # Two steps: the report's last loss is the last step's, the one the progress line shows.
    assert lines == [f"tune: epoch 1/1, step 2/2, loss {report.last_loss:.3f}, 0.0 min left"]
    # Two pairs a batch: a loss is a cross-entropy over two candidates, near ln 2 for a model that cannot yet
    # tell them apart, and never negative.
    assert 0.0 < report.first_loss < 2.0 and 0.0 < report.last_loss < 2.0
    assert json.loads((out / "tuned.json").read_text())["pairs"] == 4
    tuned = load_embedder(str(out))
    vectors = np.array(tuned.embed_documents(["De renovatie kost 12 miljoen euro.", "412 treinen"]))
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_cli_refuses_a_batch_of_one(records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["tune-embeddings", str(records), "--out", str(tmp_path / "m"), "--batch-size", "1"])
    assert (code, capsys.readouterr().err) == (
        2, "error: epochs must be at least 1 and batch size at least 2 (the other pairs are the negatives)\n")
