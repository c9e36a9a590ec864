"""Fit the reader's weights and its abstention threshold on a development set, with k-fold cross-validation.

    python -m assistant.answer.fit --set QUESTIONS.jsonl INDEX_DIR [--set ...] [--folds 5] [--write]

A question set is JSON Lines as in ../shared/eval (question, answerable, answer_must, evidence); INDEX_DIR is
the index its documents were ingested into ("-" for the default index). Every sentence of the passages the
assistant retrieves for a question is a candidate; it is a positive example when it holds every group of
`answer_must`. Traps (answerable: false) give only negatives. A logistic regression over the reader's features
is fit per fold; the threshold below which the reader declines is chosen inside each training fold by an inner
cross-validation, so every figure printed is measured on questions the fold never saw. `--write` fits on all
of it and writes assistant/answer/reader_model.json, with the cross-validated figures beside the weights.
Needs scikit-learn (the `test` extra); the assistant itself only reads the JSON.
"""
from __future__ import annotations

import argparse
import json
import re
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..core import Assistant
from ..settings import Settings
from ..types import Answer, Passage
from .question import Intent
from .reader import FEATURES, MAX_ANSWER_CHARS, MODEL_FILE, Candidate, Model, Reader

THRESHOLDS = np.round(np.arange(0.02, 0.97, 0.02), 2)
CLOSE = (0.7, 0.85, 1.01)  # 1.01: never a second candidate
C_VALUES = (0.3, 1.0)


@dataclass
class Example:
    """One question with what the assistant retrieved and the reader's candidates for it."""

    record: dict[str, Any]
    question: str
    intent: Intent
    passages: list[Passage]
    candidates: list[Candidate]
    labels: list[int]
    gated: Answer | None  # declined before scoring (a name no passage mentions), or answered by the agency path


def norm(text: str) -> str:
    """As the scorer compares: NFC, case folded, white space collapsed."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def holds(groups: list[list[str]], text: str) -> bool:
    hay = norm(text)
    return bool(groups) and all(any(norm(alt) in hay for alt in group) for group in groups)


def collect(questions_file: Path, index_dir: str) -> list[Example]:
    """Ask every question of the set through the assistant's own retrieval and keep what the reader sees."""
    seen: list[tuple[str, list[Passage], Intent]] = []

    def capture(question: str, passages: Any, intent: Intent) -> Answer:
        seen.append((question, list(passages), intent))
        return Answer(question=question, answered=False, text="", passages=tuple(passages))

    settings = Settings.from_env()
    if index_dir != "-":
        settings = settings.with_(index_dir=Path(index_dir), default_index=False)
    assistant = Assistant.open(settings, answerer=capture)
    index = assistant.index
    reader = Reader(index.analyzer, index.idf, index.df, model=_placeholder())
    records = [json.loads(line) for line in questions_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    examples: list[Example] = []
    for record in records:
        seen.clear()
        assistant.ask(record["question"])
        question, passages, intent = seen[0]
        gated = None
        if intent.kind in ("compare", "list"):
            gated = reader(question, passages, intent)
        else:
            gated = reader.gate(question, passages, intent)
        candidates = [] if gated else reader.candidates(question, passages, intent)
        labels = [int(record["answerable"] and holds(record["answer_must"], _rendered(c))) for c in candidates]
        examples.append(Example(record, question, intent, passages, candidates, labels, gated))
    examples_reader[id(examples)] = reader
    return examples


examples_reader: dict[int, Reader] = {}


def _rendered(candidate: Candidate) -> str:
    unit = candidate.unit
    return f"{unit.lead} {unit.text}" if unit.bullet and unit.lead else unit.text


def _placeholder() -> Model:
    n = len(FEATURES)
    return Model((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.5)


def fit_model(examples: list[Example], c_value: float, threshold: float = 0.5, close: float = 0.8) -> Model:
    from sklearn.linear_model import LogisticRegression

    x = np.array([c.features for e in examples for c in e.candidates], dtype=float)
    y = np.array([label for e in examples for label in e.labels])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c_value, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / scale, y)
    return Model(tuple(mean), tuple(scale), tuple(model.coef_[0]), float(model.intercept_[0]), threshold, close)


def answer(reader: Reader, example: Example, model: Model) -> Answer:
    if example.gated is not None:
        return example.gated
    candidates = [replace(c, probability=model.probability(c.features)) for c in example.candidates]
    return reader.decide(example.question, example.passages, example.intent, candidates, model)


def score(examples: list[Example], answers: list[Answer]) -> dict[str, float]:
    """The figures of ../shared/eval/score.py, with fact answers held to MAX_ANSWER_CHARS."""
    answerable = [(e, a) for e, a in zip(examples, answers) if e.record["answerable"]]
    traps = [(e, a) for e, a in zip(examples, answers) if not e.record["answerable"]]
    correct = sum(a.answered and holds(e.record["answer_must"], a.text) and _length(a.text) <= MAX_ANSWER_CHARS
                  for e, a in answerable)
    cited = sum(a.answered and holds(e.record["evidence"], " \n ".join(c.passage.chunk.text for c in a.citations))
                for e, a in answerable)
    declined = sum(not a.answered for _, a in traps)
    return {"answer_accuracy": correct / max(len(answerable), 1),
            "citation_support": cited / max(len(answerable), 1),
            "abstention_accuracy": declined / max(len(traps), 1) if traps else 1.0,
            "false_abstention": sum(not a.answered for _, a in answerable),
            "answered_traps": len(traps) - declined}


def _length(text: str) -> int:
    return len(re.sub(r"\s*\[\d+\]", "", text).strip())


def objective(figures: dict[str, float], answerable: int = 110, traps: int = 40) -> float:
    """Every question counts once: the share of questions answered right or declined right. (The mean of the two
    accuracies would value one trap declined as much as three answers given, and chose thresholds that decline
    half of what the documents answer.)"""
    return figures["answer_accuracy"] * answerable + figures["abstention_accuracy"] * traps


def _sizes(examples: list[Example]) -> tuple[int, int]:
    answerable = sum(bool(e.record["answerable"]) for e in examples)
    return answerable, len(examples) - answerable


def folds(examples: list[Example], k: int, seed: int) -> list[list[int]]:
    """k folds of question indices, answerable questions and traps spread evenly."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for answerable in (True, False):
        idx = [i for i, e in enumerate(examples) if bool(e.record["answerable"]) == answerable]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


def choose(reader: Reader, examples: list[Example], k: int, seed: int) -> tuple[float, float, float]:
    """C, threshold and close that do best on out-of-fold predictions within `examples`."""
    best = (-1.0, 1.0, 0.5, 0.8)
    parts = folds(examples, k, seed)
    for c_value in C_VALUES:
        held: dict[int, Model] = {}
        for part in parts:
            train = [examples[i] for i in range(len(examples)) if i not in set(part)]
            model = fit_model(train, c_value)
            held.update({i: model for i in part})
        for close in CLOSE:
            for threshold in THRESHOLDS:
                answers = [answer(reader, e, replace(held[i], threshold=float(threshold), close=close))
                           for i, e in enumerate(examples)]
                value = objective(score(examples, answers), *_sizes(examples))
                if value > best[0]:
                    best = (value, c_value, float(threshold), close)
    return best[1], best[2], best[3]


def cross_validate(reader: Reader, examples: list[Example], k: int, seed: int) -> tuple[list[Answer], list[Any]]:
    """Outer k-fold: every question answered by a model (and threshold) chosen without it."""
    answers: list[Answer | None] = [None] * len(examples)
    chosen: list[Any] = []
    for part in folds(examples, k, seed):
        inside = set(part)
        train = [e for i, e in enumerate(examples) if i not in inside]
        c_value, threshold, close = choose(reader, train, k, seed + 1)
        model = fit_model(train, c_value, threshold, close)
        chosen.append((c_value, threshold, close))
        for i in part:
            answers[i] = answer(reader, examples[i], model)
    return [a for a in answers if a is not None], chosen


def curve(reader: Reader, examples: list[Example], k: int, seed: int, c_value: float, close: float) -> list[str]:
    """The trade-off between declining wrongly and answering wrongly, out of fold, threshold by threshold."""
    held: dict[int, Model] = {}
    for part in folds(examples, k, seed):
        train = [examples[i] for i in range(len(examples)) if i not in set(part)]
        model = fit_model(train, c_value, close=close)
        held.update({i: model for i in part})
    lines = ["threshold answer citation abstention false_abstentions answered_traps"]
    for threshold in THRESHOLDS[::2]:
        answers = [answer(reader, e, replace(held[i], threshold=float(threshold))) for i, e in enumerate(examples)]
        f = score(examples, answers)
        lines.append(f"{threshold:.2f} {f['answer_accuracy']:.3f} {f['citation_support']:.3f} "
                     f"{f['abstention_accuracy']:.3f} {f['false_abstention']} {f['answered_traps']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.answer.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--set", nargs=2, action="append", metavar=("QUESTIONS", "INDEX"), required=True,
                        help="a question set and the index its documents are in ('-': the default index)")
    parser.add_argument("--check", nargs=2, action="append", metavar=("QUESTIONS", "INDEX"), default=[],
                        help="a set scored with the final model but never fit on")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    examples: list[Example] = []
    reader: Reader | None = None
    for questions, index_dir in args.set:
        part = collect(Path(questions), index_dir)
        reader = examples_reader.pop(id(part))
        examples.extend(part)
    assert reader is not None
    n_pos = sum(sum(e.labels) > 0 for e in examples)
    print(f"{len(examples)} questions, {sum(len(e.candidates) for e in examples)} candidates, "
          f"{n_pos} questions with a candidate that holds the answer ({time.perf_counter() - started:.0f} s)")
    answers, chosen = cross_validate(reader, examples, args.folds, args.seed)
    figures = score(examples, answers)
    print(f"cross-validated ({args.folds} folds, threshold chosen inside each): "
          + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    print("per fold (C, threshold, close):", chosen)
    c_value, threshold, close = choose(reader, examples, args.folds, args.seed)
    print(f"chosen on all: C={c_value} threshold={threshold} close={close}")
    trade_off = curve(reader, examples, args.folds, args.seed, c_value, close)
    print("\n".join(trade_off))
    model = fit_model(examples, c_value, threshold, close)
    for name, coef in sorted(zip(FEATURES, model.coef), key=lambda nc: -abs(nc[1])):
        print(f"  {name:20s} {coef:+.3f}")
    for questions, index_dir in args.check:
        part = collect(Path(questions), index_dir)
        check_reader = examples_reader.pop(id(part))
        f = score(part, [answer(check_reader, e, model) for e in part])
        print(f"check {questions}: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                for k, v in f.items()))
    if args.write:
        MODEL_FILE.write_text(json.dumps({
            "features": list(FEATURES), "mean": list(model.mean), "scale": list(model.scale),
            "coef": list(model.coef), "intercept": model.intercept, "threshold": threshold, "close": close,
            "C": c_value, "folds": args.folds, "seed": args.seed,
            "cross_validated": {k: round(v, 3) for k, v in figures.items()},
            "trained_on": [Path(q).name for q, _ in args.set],
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
