"""Fit which agencies a list across agencies names ("Welke agentschappen ...?"), with k-fold cross-validation.

    python -m assistant.fit_lists --train QUESTIONS.jsonl [INDEX] ... [--check QUESTIONS.jsonl [INDEX]] [--write]

Every list question of a set (the kind `analyze_question` calls "list") gives one example per agency the retrieval
brings: the agency's best sentence (AgencyAnswerer.best_per_agency) with LIST_FEATURES, positive when an
`answer_must` group names the agency. A logistic regression is fit per fold and judged on the questions it never
saw, beside the hand-set rule it replaces (coverage >= 0.4 and >= 0.6 of the best agency's score). `--write` fits
on all of it and writes assistant/answer/list_model.json with the cross-validated figures beside the weights.
INDEX defaults to the shipped corpus's index ("-"). Needs scikit-learn (the `test` extra).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .answer.agencies import LIST_FEATURES, LIST_MODEL_FILE, AgencyAnswerer, AgencyBest, ListModel
from .answer.model import Linear
from .answer.reader import Reader
from .fit import fit_logistic, folds, norm, retrieving

# A wrong agency named and a right one left out cost alike: name it when the model gives it even odds or better.
THRESHOLD = 0.5
C = 1.0  # the logistic regression's inverse L2 strength, sklearn's default: a handful of features, ~100 examples
# The rule the model replaces, for the figures beside it.
RULE_COVERAGE, RULE_RELATIVE = 0.4, 0.6


@dataclass
class ListExample:
    """One list question: its record, each retrieved agency's best sentence, and which agencies it asks for."""

    record: dict[str, Any]
    best: list[AgencyBest]
    wanted: set[str]  # the agencies (full names) an answer_must group names
    asked: int  # how many agencies answer_must names, retrieved or not


def _named(label: str, groups: list[list[str]]) -> bool:
    return any(any(norm(alt) in norm(label) for alt in group) for group in groups)


def collect(questions_file: Path, index_dir: str = "-") -> list[ListExample]:
    """Ask each list question of the set through the assistant's own retrieval; keep each agency's best sentence."""
    assistant, seen = retrieving(index_dir)
    index = assistant.index
    reader = Reader(index.analyzer, index.idf, index.df)
    agencies = AgencyAnswerer(index.analyzer, index.idf, index.df, model=_placeholder(),
                              sentence_scores=reader.passage_scores)
    out: list[ListExample] = []
    for line in questions_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        seen.clear()
        assistant.ask(record["question"])
        question, passages, intent = seen[0]
        if intent.kind != "list":
            continue
        best = agencies.best_per_agency(question, passages, intent)
        groups = record["answer_must"] if record["answerable"] else []
        wanted = {b.agency for b in best if _named(b.unit.passage.chunk.agency_label, groups)}
        out.append(ListExample(record, best, wanted, len(groups)))
    return out


def _placeholder() -> ListModel:
    n = len(LIST_FEATURES)
    return ListModel(Linear((0.0,) * n, (1.0,) * n, (0.0,) * n), THRESHOLD)


def fit(examples: Sequence[ListExample], c_value: float = C) -> ListModel:
    rows = np.array([b.row for e in examples for b in e.best])
    labels = np.array([b.agency in e.wanted for e in examples for b in e.best])
    return ListModel(fit_logistic(rows, labels, c_value), THRESHOLD)


def rule(found: AgencyBest) -> bool:
    coverage, relative = found.row[LIST_FEATURES.index("coverage")], found.row[LIST_FEATURES.index("relative")]
    return coverage >= RULE_COVERAGE and relative >= RULE_RELATIVE


def figures(examples: Sequence[ListExample], names: Sequence[Callable[[AgencyBest], bool]]) -> dict[str, float]:
    """Per agency: named rightly or left out rightly. Per question: every agency asked for named (what the scorer
    counts as a right answer, a trap: none named), and exactly the right ones named."""
    agencies = right = answered = exact = 0
    for example, decide in zip(examples, names):
        named = {b.agency for b in example.best if decide(b)}
        agencies += len(example.best)
        right += sum((b.agency in named) == (b.agency in example.wanted) for b in example.best)
        complete = len(example.wanted) == example.asked and example.wanted <= named
        answered += complete if example.asked else not named
        exact += complete and named == example.wanted if example.asked else not named
    n = max(len(examples), 1)
    return {"agency_accuracy": right / max(agencies, 1), "answer_accuracy": answered / n, "exact": exact / n}


def cross_validate(examples: list[ListExample], k: int, seed: int) -> list[Callable[[AgencyBest], bool]]:
    """Each question's decision made by a model fit on the other folds."""
    decide: list[Callable[[AgencyBest], bool]] = [rule] * len(examples)
    for part in folds(examples, k, seed):  # type: ignore[arg-type]
        inside = set(part)
        model = fit([e for i, e in enumerate(examples) if i not in inside])
        for i in part:
            decide[i] = _deciding(model)
    return decide


def _deciding(model: ListModel) -> Callable[[AgencyBest], bool]:
    return lambda found: model.names(found.row)


def _show(title: str, f: dict[str, float]) -> str:
    return f"{title}: " + " ".join(f"{k}={v:.3f}" for k, v in f.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.fit_lists", description=__doc__.split("\n")[0])
    parser.add_argument("--train", nargs="+", action="append", metavar="QUESTIONS [INDEX]", required=True,
                        help="a question set to fit on, and the index of its documents (default: the shipped one)")
    parser.add_argument("--check", nargs="+", action="append", metavar="QUESTIONS [INDEX]", default=[],
                        help="a set scored with the final model, never fit on")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 1, 2, 3])
    parser.add_argument("--write", action="store_true", help=f"write {LIST_MODEL_FILE.name}")
    args = parser.parse_args(argv)
    examples: list[ListExample] = []
    for spec in args.train:
        examples += collect(Path(spec[0]), spec[1] if len(spec) > 1 else "-")
    print(f"{len(examples)} list questions, {sum(len(e.best) for e in examples)} agencies, "
          f"{sum(len(e.wanted) for e in examples)} of them asked for")
    print(_show("hand-set rule", figures(examples, [rule] * len(examples))))
    cross: list[dict[str, float]] = []
    for seed in args.seeds:
        cross.append(figures(examples, cross_validate(examples, args.folds, seed)))
        print(_show(f"model, cross-validated (seed {seed})", cross[-1]))
    mean = {key: float(np.mean([f[key] for f in cross])) for key in cross[0]}
    print(_show(f"model, cross-validated, mean of {len(args.seeds)} splits", mean))
    model = fit(examples)
    for name, coef in sorted(zip(LIST_FEATURES, model.weights.coef), key=lambda nc: -abs(nc[1])):
        print(f"  {name:18s} {coef:+.3f}")
    for spec in args.check:
        checked = collect(Path(spec[0]), spec[1] if len(spec) > 1 else "-")
        print(_show(f"check {spec[0]} ({len(checked)} list questions), rule", figures(checked, [rule] * len(checked))))
        print(_show(f"check {spec[0]}, model", figures(checked, [_deciding(model)] * len(checked))))
    if args.write:
        LIST_MODEL_FILE.write_text(json.dumps({
            "features": list(LIST_FEATURES), "weights": model.weights.to_json(), "threshold": model.threshold,
            "C": C, "folds": args.folds, "seeds": args.seeds,
            "cross_validated": {k: round(v, 3) for k, v in mean.items()},
            "trained_on": [Path(spec[0]).name for spec in args.train],
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {LIST_MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
