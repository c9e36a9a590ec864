"""The reader's fitted model: the features it reads, a ranker over a question's candidates and a judge of the
best one, with the threshold below which it declines. Fit by `python -m assistant.fit`."""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("reader_model.json")

FEATURES = (
    "coverage", "window_coverage", "passage_coverage", "missing_weight", "matched_idf",
    "fact_question", "type_fit", "figure_near_match", "novelty", "counted_near",
    "years_in_sentence", "years_in_passage",
    "names_in_sentence", "names_in_passage", "inverse_rank", "score_ratio", "first_sentence",
    "question_side", "points_elsewhere", "no_data", "length", "proximity",
    "coverage_relative", "idf_relative", "names_specific", "years_specific", "window_missing", "rare_unsaid",
    "modifier_conflict", "year_conflict",
)
# What the judge sees of a question's best candidate: its share among the candidates, how far it stands above the
# next, and what it holds of what was asked.
JUDGE_FEATURES = (
    "share", "margin", "coverage", "fact_question", "type_fit", "counted_near", "years_in_passage", "years_in_sentence",
    "names_in_passage", "names_in_sentence", "names_specific", "points_elsewhere", "window_missing", "rare_unsaid",
    "modifier_conflict", "year_conflict", "missing_weight", "matched_idf", "novelty", "inverse_rank", "proximity",
)


@dataclass(frozen=True)
class Linear:
    """Weights over standardised features: score = intercept + sum(coef * (x - mean) / scale)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float = 0.0

    def score(self, row: Sequence[float]) -> float:
        return self.intercept + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, row, self.mean, self.scale))

    def probability(self, row: Sequence[float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.score(row)))))

    def to_json(self) -> dict[str, object]:
        return {"mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, list[float] | float]) -> Linear:
        def floats(key: str) -> tuple[float, ...]:
            value = data[key]
            assert isinstance(value, list)
            return tuple(float(v) for v in value)

        return cls(floats("mean"), floats("scale"), floats("coef"), float(data["intercept"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Model:
    """Two fitted parts. The ranker orders a question's candidates (a conditional logit: its scores, turned into
    shares by a softmax over the candidates, are the chance each is the answer). The judge looks at the best one
    and how it stands out (JUDGE_FEATURES) and gives the chance that answering with it is right; below
    `threshold` the reader declines."""

    ranker: Linear
    judge: Linear
    threshold: float
    close: float = 0.5  # a further sentence joins the best when its share is this part of the best's

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES or tuple(data["judge_features"]) != JUDGE_FEATURES:
            raise ValueError(f"{path} was fit on other features; run `python -m assistant.fit --write`")
        return cls(Linear.from_json(data["ranker"]), Linear.from_json(data["judge"]), float(data["threshold"]),
                   float(data["close"]))
