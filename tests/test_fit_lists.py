"""Fitting which agencies a list across agencies names (assistant/fit_lists.py): its figures and its folds."""
from __future__ import annotations

from typing import Any

from assistant.answer.agencies import LIST_FEATURES, AgencyBest
from assistant.fit_lists import ListExample, cross_validate, figures, fit, rule


def _best(agency: str, signal: float) -> AgencyBest:
    row = [0.0] * len(LIST_FEATURES)
    row[LIST_FEATURES.index("coverage")] = signal
    row[LIST_FEATURES.index("relative")] = signal
    return AgencyBest(agency, signal, unit=None, row=row)  # type: ignore[arg-type]


def _example(wanted: set[str], asked: int, **signals: float) -> ListExample:
    record: dict[str, Any] = {"answerable": bool(asked)}
    return ListExample(record, [_best(a, s) for a, s in signals.items()], wanted, asked)


def test_a_list_is_right_when_it_names_every_agency_asked_and_exact_when_no_other() -> None:
    examples = [
        _example({"A", "B"}, 2, A=0.9, B=0.8, C=0.7),  # all three named: right, not exact
        _example({"A"}, 2, A=0.9, B=0.1),  # the second agency asked for was never retrieved: wrong
        _example(set(), 0, A=0.2, B=0.1),  # a trap: right when none is named
    ]
    assert figures(examples, [lambda b: True, lambda b: True, lambda b: False]) == {
        "agency_accuracy": (2 + 1 + 2) / 7, "answer_accuracy": 2 / 3, "exact": 1 / 3}


def test_the_hand_set_rule_needs_coverage_and_a_share_of_the_best() -> None:
    assert rule(_best("A", 0.6)) and not rule(_best("A", 0.3))


def test_each_question_is_decided_by_a_model_fit_without_it() -> None:
    # Named when the signal is high: learnable, and every question's decision comes from the other folds.
    examples = [_example({"A"}, 1, A=0.7 + i / 100, B=0.2 - i / 200) for i in range(20)]
    decide = cross_validate(examples, k=5, seed=13)
    assert len(decide) == 20 and all(d is not rule for d in decide)
    assert figures(examples, decide)["exact"] == 1.0
    model = fit(examples)
    assert model.names(_best("A", 0.8).row) and not model.names(_best("B", 0.1).row)
