"""The fitting script's own logic (assistant/fit.py), on made-up data: no index needed."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant import fit
from assistant.fit import SMOOTH, THRESHOLDS, TIE, folds, holds, pick
from assistant.types import Answer


def test_a_lone_spike_does_not_choose_the_threshold_a_plateau_does() -> None:
    handled = {(float(t), 0.1): 90.0 for t in THRESHOLDS}
    handled[(0.30, 0.1)] = 99.0  # one lucky threshold
    for t in (0.50, 0.52, 0.54, 0.56, 0.58):
        handled[(t, 0.1)] = 96.0  # a plateau: each neighbour handles as many
    assert SMOOTH < 0.06
    assert pick(handled) == (0.54, 0.1)


def test_on_a_tie_the_lower_threshold_and_every_close_compete() -> None:
    handled = {(float(t), c): 85.0 for t in THRESHOLDS for c in (0.1, 0.5)}
    for t in THRESHOLDS:
        if 0.2 <= t <= 0.8:
            handled[(float(t), 0.5)] = 95.0
    assert pick(handled) == (0.24, 0.5)  # the first whose whole neighbourhood is on the plateau


def test_less_than_tie_apart_is_a_tie_and_the_lower_threshold_wins() -> None:
    handled = {(float(t), 0.1): 90.0 for t in THRESHOLDS}
    for t in (0.50, 0.52, 0.54, 0.56, 0.58, 0.60, 0.62):
        handled[(t, 0.1)] = 96.0
    handled[(0.62, 0.1)] = 96.0 + 4 * TIE  # the neighbours of 0.58-0.62 gain 0.8 TIE: no evidence
    assert pick(handled) == (0.54, 0.1)
    handled[(0.62, 0.1)] = 96.0 + 10 * TIE  # 2 TIE: that is
    assert pick(handled) == (0.58, 0.1)


def test_folds_hold_every_question_once_with_answerable_questions_and_traps_spread_evenly() -> None:
    examples = [SimpleNamespace(record={"answerable": i % 4 != 0}) for i in range(40)]
    parts = folds(examples, 5, seed=13)
    assert sorted(i for part in parts for i in part) == list(range(40))
    assert [sum(not examples[i].record["answerable"] for i in part) for part in parts] == [2] * 5
    assert parts != folds(examples, 5, seed=14)
    assert parts == folds(examples, 5, seed=13)


@pytest.mark.parametrize("text, expected", [
    ("Er werden 1.245 interventies geteld in 2016.", True),
    ("Er werden 1.245 interventies geteld.", False),  # one group missing
    ("ER WERDEN 1.245   interventies in  2016.", True),  # case and white space as the scorer folds them
])
def test_an_answer_holds_every_group_of_answer_must(text: str, expected: bool) -> None:
    assert holds([["1.245", "1245"], ["2016"]], text) is expected
    assert holds([], text) is False  # nothing to hold is no answer


def test_training_questions_are_in_every_fold_and_never_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    def example(name: str, answerable: bool) -> SimpleNamespace:
        reply = Answer(question=name, answered=False, text="", passages=())
        return SimpleNamespace(record={"answerable": answerable}, question=name, gated=reply)

    scored = [example(f"q{i}", i % 4 != 0) for i in range(20)]
    train = [example(f"t{i}", i % 3 != 0) for i in range(6)]
    fitted_on: list[list[str]] = []

    def fake_fit_all(reader: object, examples: list[SimpleNamespace], k: int, seed: int) -> SimpleNamespace:
        fitted_on.append([e.question for e in examples])
        return SimpleNamespace(threshold=0.5, close=0.1)

    monkeypatch.setattr(fit, "fit_all", fake_fit_all)
    answers, chosen = fit.cross_validate(None, scored, 5, 13, train)  # type: ignore[arg-type]
    assert [a.question for a in answers] == [e.question for e in scored]  # the training questions are not scored
    assert len(fitted_on) == len(chosen) == 5
    for part, names in zip(folds(scored, 5, 13), fitted_on):
        held_out = {scored[i].question for i in part}
        assert not held_out & set(names)  # a fold never fits on the questions it scores
        assert {e.question for e in train} <= set(names)  # and always on the training questions
        assert len(names) == len(scored) - len(part) + len(train)
