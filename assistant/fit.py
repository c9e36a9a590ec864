"""Fit the reader's weights and its abstention threshold on a development set, with k-fold cross-validation.

    python -m assistant.fit --set QUESTIONS.jsonl INDEX_DIR [--set ...] [--folds 5] [--write]

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
from collections.abc import Sequence
from typing import Any

import numpy as np

from .core import Assistant
from .settings import Settings
from .types import Answer, Passage
from .answer.question import Intent
from .answer.features import Candidate
from .answer.citations import strip_citations
from .answer.model import FEATURES, JUDGE_FEATURES, MODEL_FILE, Linear, Model
from .answer.reader import MAX_ANSWER_CHARS, Reader

THRESHOLDS = np.round(np.arange(0.02, 0.97, 0.02), 2)
# A further sentence joins the best at this part of the best one's share, when it holds a fact of the kind asked and
# the answer still fits MAX_ANSWER_CHARS. 1.01 (never) lost to each; of 0.1-0.5 the folds always chose 0.1, the
# lowest, and of 0.02-0.2 always 0.02: archive nested CV, mean of four splits, 110.25 handled less half a wrong
# against 107.0 (0.0-0.05: 109.4, and answers of 430 characters at the median against 323).
CLOSE = (0.02, 0.05, 0.1, 0.2)
REPEATS = 3  # splits into folds the threshold is chosen over
SMOOTH = 0.041  # a threshold is judged with its neighbours this close: two steps of THRESHOLDS either side
# Less than one question handled (summed over the REPEATS splits) tells two thresholds no more apart than chance.
TIE = 1.0
# What a wrong answer costs beside a right one (+1) and a question declined (0): users quote these answers in
# parliament, and a wrong figure is worse than none. A choice of the product, not fit to data: at 0 the threshold
# only counts questions handled right, and answered a trap rather than decline an answer about as often.
WRONG_ANSWER_COST = 0.5
RANKER_L2 = 3.0  # of 1, 3 and 10: the most handled right over four CV splits (105.5, 106.0, 105.7 of 150)
# JUDGE_C of 0.03, 0.1 and 0.3: questions handled right, less WRONG_ANSWER_COST a wrong answer, means over four
# CV splits: 96.0, 95.5, 96.25 of 150 (third session; within a question of each other, and 0.1 won the second).
JUDGE_C = 0.3


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


def retrieving(index_dir: str) -> tuple[Assistant, list[tuple[str, list[Passage], Intent]]]:
    """The assistant on an index ("-": the default one), with an answerer that only keeps what it is given: after
    `ask`, the list holds the question, the passages retrieved for it and its intent."""
    seen: list[tuple[str, list[Passage], Intent]] = []

    def capture(question: str, passages: Any, intent: Intent) -> Answer:
        seen.append((question, list(passages), intent))
        return Answer(question=question, answered=False, text="", passages=tuple(passages))

    settings = Settings.from_env()
    if index_dir != "-":
        settings = settings.with_(index_dir=Path(index_dir), default_index=False)
    return Assistant.open(settings, answerer=capture), seen


def collect(questions_file: Path, index_dir: str) -> list[Example]:
    """Ask every question of the set through the assistant's own retrieval and keep what the reader sees."""
    assistant, seen = retrieving(index_dir)
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
    zeros = Linear((0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES))
    judge = Linear((0.0,) * len(JUDGE_FEATURES), (1.0,) * len(JUDGE_FEATURES), (0.0,) * len(JUDGE_FEATURES))
    return Model(zeros, judge, 0.0)


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def fit_ranker(examples: list[Example], l2: float = RANKER_L2) -> Linear:
    """A conditional logit: for every question with an answering candidate, maximise the softmax share of its
    answering candidates among all of its candidates (plus an L2 penalty). Traps teach the ranker nothing."""
    from scipy.optimize import minimize

    data = [(np.array([c.features for c in e.candidates], dtype=float), np.array(e.labels, dtype=bool))
            for e in examples if e.candidates and any(e.labels)]
    mean, scale = _standardise(np.vstack([x for x, _ in data]))
    data = [((x - mean) / scale, y) for x, y in data]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = l2 * float(w @ w), 2 * l2 * w
        for x, y in data:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            share = p[y].sum()
            value -= float(np.log(share + 1e-12))
            grad = grad - (p[y] @ x[y]) / share + p @ x
        return value, grad

    w = minimize(loss, np.zeros(data[0][0].shape[1]), jac=True, method="L-BFGS-B").x
    return Linear(tuple(mean), tuple(scale), tuple(float(v) for v in w))


def fit_logistic(rows: np.ndarray, labels: np.ndarray, c_value: float = JUDGE_C) -> Linear:
    """Logistic regression over standardised rows: the reader's judge (is answering with the best candidate
    right?), and the list model of fit_lists (does this agency belong in the list?)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = _standardise(rows)
    model = LogisticRegression(C=c_value, max_iter=2000).fit((rows - mean) / scale, labels)
    return Linear(tuple(mean), tuple(scale), tuple(float(v) for v in model.coef_[0]), float(model.intercept_[0]))


def answer(reader: Reader, example: Example, model: Model) -> Answer:
    if example.gated is not None:
        return example.gated
    ranked = Reader.rank([replace(c) for c in example.candidates], model.ranker)
    return reader.decide(example.question, example.passages, example.intent, ranked, model)


def correct(example: Example, reply: Answer) -> bool:
    return bool(example.record["answerable"]) and reply.answered and holds(example.record["answer_must"], reply.text) \
        and _length(reply.text) <= MAX_ANSWER_CHARS


def score(examples: list[Example], answers: list[Answer]) -> dict[str, float]:
    """The figures of ../shared/eval/score.py, with fact answers held to MAX_ANSWER_CHARS."""
    answerable = [(e, a) for e, a in zip(examples, answers) if e.record["answerable"]]
    traps = [(e, a) for e, a in zip(examples, answers) if not e.record["answerable"]]
    right = sum(correct(e, a) for e, a in answerable)
    cited = sum(a.answered and holds(e.record["evidence"], " \n ".join(c.passage.chunk.text for c in a.citations))
                for e, a in answerable)
    declined = sum(not a.answered for _, a in traps)
    return {"answer_accuracy": right / max(len(answerable), 1),
            "citation_support": cited / max(len(answerable), 1),
            "abstention_accuracy": declined / max(len(traps), 1) if traps else 1.0,
            "false_abstention": sum(not a.answered for _, a in answerable),
            "answered_traps": len(traps) - declined}


def _length(text: str) -> int:
    return len(strip_citations(text).strip())


def objective(figures: dict[str, float], answerable: int, traps: int) -> float:
    """Every question counts once: how many are answered right or declined right. (The mean of the two
    accuracies would value one trap declined as much as three answers given, and chose thresholds that decline
    half of what the documents answer.)"""
    return figures["answer_accuracy"] * answerable + figures["abstention_accuracy"] * traps


def _sizes(examples: list[Example]) -> tuple[int, int]:
    answerable = sum(bool(e.record["answerable"]) for e in examples)
    return answerable, len(examples) - answerable


def folds(n_or_examples: list[Example], k: int, seed: int) -> list[list[int]]:
    """k folds of question indices, answerable questions and traps spread evenly."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for answerable in (True, False):
        idx = [i for i, e in enumerate(n_or_examples) if bool(e.record["answerable"]) == answerable]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


@dataclass
class Judged:
    """A question ranked by a ranker that never saw it: the judge's features, and whether answering is right."""

    index: int
    row: list[float]
    right: bool


def out_of_fold(reader: Reader, examples: list[Example], k: int, seed: int, close: float) -> list[Judged]:
    """Every scored question of `examples` ranked by a ranker fit on the other folds."""
    out: list[Judged] = []
    for part in folds(examples, k, seed):
        inside = set(part)
        ranker = fit_ranker([e for i, e in enumerate(examples) if i not in inside])
        always = Model(ranker, _placeholder().judge, threshold=0.0, close=close)
        for i in part:
            e = examples[i]
            if e.gated is not None or not e.candidates:
                continue
            ranked = Reader.rank([replace(c) for c in e.candidates], ranker)
            out.append(Judged(i, reader.judge_row(e.question, ranked), correct(e, answer(reader, e, always))))
    return out


def choose(reader: Reader, examples: list[Example], k: int, seed: int) -> tuple[float, float]:
    """The threshold and `close` that handle the most questions right, less WRONG_ANSWER_COST for each answered
    wrongly (a trap answered, or an answer without what was asked), judged out of fold twice over (the
    rankers never saw the questions they rank, the judges never saw the questions they judge) and summed over
    REPEATS different splits into folds, so one lucky split does not choose."""
    handled: dict[tuple[float, float], float] = {}
    gated_right = sum(1 for e in examples if e.gated is not None and (
        correct(e, e.gated) if e.record["answerable"] else not e.gated.answered))
    fact = JUDGE_FEATURES.index("fact_question")
    for repeat in range(REPEATS):
        split = seed + 100 * repeat
        for close in CLOSE:
            judged = out_of_fold(reader, examples, k, split, close)
            rows = np.array([j.row for j in judged])
            labels = np.array([j.right for j in judged])
            chance = np.zeros(len(judged))
            for part in folds([examples[j.index] for j in judged], k, split + 7):
                train = np.setdiff1d(np.arange(len(judged)), part)
                judge = fit_logistic(rows[train], labels[train])
                chance[part] = [judge.probability(r) for r in rows[part]]
            for threshold in THRESHOLDS:
                # The judge rules on fact questions only (Reader.decide): the others are answered.
                right = 0.0
                for j, p in zip(judged, chance):
                    if p >= threshold or not j.row[fact]:  # answered
                        right += 1.0 if j.right else -WRONG_ANSWER_COST
                    else:
                        right += not examples[j.index].record["answerable"]
                key = (float(threshold), close)
                handled[key] = handled.get(key, 0) + gated_right + right
    return pick(handled)


def pick(handled: dict[tuple[float, float], float]) -> tuple[float, float]:
    """The (threshold, close) that handles the most. The curve is flat and jagged near its top (a question or two
    from one threshold to the next): each threshold is judged by the mean of its neighbours within SMOOTH, so a
    lone spike does not choose; within TIE of the best, the lower threshold (fewer declines)."""
    smoothed = {(t, c): float(np.mean([v for (t2, c2), v in handled.items() if c2 == c and abs(t2 - t) <= SMOOTH]))
                for t, c in handled}
    best = max(smoothed.values())
    (threshold, close), _ = min(((key, v) for key, v in smoothed.items() if v >= best - TIE),
                                key=lambda kv: (kv[0][0], -kv[1]))
    return threshold, close


def fit_all(reader: Reader, examples: list[Example], k: int, seed: int) -> Model:
    """The ranker on every question; the judge on the questions as rankers that never saw them ranked them."""
    threshold, close = choose(reader, examples, k, seed)
    judged = out_of_fold(reader, examples, k, seed, close)
    judge = fit_logistic(np.array([j.row for j in judged]), np.array([j.right for j in judged]))
    return Model(fit_ranker(examples), judge, threshold, close)


def cross_validate(reader: Reader, examples: list[Example], k: int, seed: int,
                   train: Sequence[Example] = ()) -> tuple[list[Answer], list[Any]]:
    """Outer k-fold: every question answered by a model (ranker, judge and threshold) chosen without it. The
    questions of `train` are in every fold's training part and never scored."""
    answers: list[Answer | None] = [None] * len(examples)
    chosen: list[Any] = []
    for part in folds(examples, k, seed):
        inside = set(part)
        model = fit_all(reader, [e for i, e in enumerate(examples) if i not in inside] + list(train), k, seed + 1)
        chosen.append((round(model.threshold, 2), model.close))
        for i in part:
            answers[i] = answer(reader, examples[i], model)
    return [a for a in answers if a is not None], chosen


def curve(reader: Reader, examples: list[Example], k: int, seed: int, close: float,
          train: Sequence[Example] = ()) -> list[str]:
    """The trade-off between declining wrongly and answering wrongly, out of fold, threshold by threshold."""
    held: dict[int, Model] = {}
    for part in folds(examples, k, seed):
        inside = set(part)
        model = fit_all(reader, [e for i, e in enumerate(examples) if i not in inside] + list(train), k, seed + 1)
        held.update({i: replace(model, close=close) for i in part})
    lines = ["threshold answer citation abstention false_abstentions answered_traps"]
    for threshold in THRESHOLDS[::2]:
        answers = [answer(reader, e, replace(held[i], threshold=float(threshold))) for i, e in enumerate(examples)]
        f = score(examples, answers)
        lines.append(f"{threshold:.2f} {f['answer_accuracy']:.3f} {f['citation_support']:.3f} "
                     f"{f['abstention_accuracy']:.3f} {f['false_abstention']} {f['answered_traps']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--set", nargs=2, action="append", metavar=("QUESTIONS", "INDEX"), required=True,
                        help="a question set and the index its documents are in ('-': the default index)")
    parser.add_argument("--train", nargs=2, action="append", metavar=("QUESTIONS", "INDEX"), default=[],
                        help="a set fit on in every fold but never scored (the figures are those of --set)")
    parser.add_argument("--check", nargs=2, action="append", metavar=("QUESTIONS", "INDEX"), default=[],
                        help="a set scored with the final model but never fit on")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    parser.add_argument("--curve", action="store_true", help="print the trade-off curve (takes as long again)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    examples: list[Example] = []
    reader: Reader | None = None
    sets: list[tuple[str, int, int]] = []  # name, first, end
    for questions, index_dir in args.set:
        part = collect(Path(questions), index_dir)
        reader = examples_reader.pop(id(part))
        sets.append((Path(questions).name, len(examples), len(examples) + len(part)))
        examples.extend(part)
    assert reader is not None
    train: list[Example] = []
    for questions, index_dir in args.train:
        part = collect(Path(questions), index_dir)
        examples_reader.pop(id(part))
        train.extend(part)
    n_pos = sum(sum(e.labels) > 0 for e in examples)
    print(f"{len(examples)} questions, {sum(len(e.candidates) for e in examples)} candidates, "
          f"{n_pos} questions with a candidate that holds the answer, {len(train)} more to train on "
          f"({time.perf_counter() - started:.0f} s)")
    answers, chosen = cross_validate(reader, examples, args.folds, args.seed, train)
    figures = score(examples, answers)
    print(f"cross-validated ({args.folds} folds, threshold chosen inside each): "
          + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    if len(sets) > 1:
        for name, first, end in sets:
            f = score(examples[first:end], answers[first:end])
            print(f"  of which {name}: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                  for k, v in f.items()))
    print("per fold (threshold, close):", chosen)
    model = fit_all(reader, examples + train, args.folds, args.seed)
    print(f"chosen on all: threshold={model.threshold} close={model.close}")
    if args.curve:
        print("\n".join(curve(reader, examples, args.folds, args.seed, model.close, train)))
    for title, names, linear in (("ranker", FEATURES, model.ranker), ("judge", JUDGE_FEATURES, model.judge)):
        print(title + ":")
        for name, coef in sorted(zip(names, linear.coef), key=lambda nc: -abs(nc[1])):
            print(f"  {name:20s} {coef:+.3f}")
    for questions, index_dir in args.check:
        part = collect(Path(questions), index_dir)
        check_reader = examples_reader.pop(id(part))
        f = score(part, [answer(check_reader, e, model) for e in part])
        print(f"check {questions}: " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                                for k, v in f.items()))
    if args.write:
        MODEL_FILE.write_text(json.dumps({
            "features": list(FEATURES), "judge_features": list(JUDGE_FEATURES),
            "ranker": model.ranker.to_json(), "judge": model.judge.to_json(),
            "threshold": model.threshold, "close": model.close, "ranker_l2": RANKER_L2, "judge_C": JUDGE_C,
            "folds": args.folds, "seed": args.seed,
            "cross_validated": {k: round(v, 3) for k, v in figures.items()},
            "trained_on": [Path(q).name for q, _ in args.set + args.train],
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
