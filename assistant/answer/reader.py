"""The reader: passages -> a cited Answer, by scoring every sentence with weights learned from data.

Every sentence, bullet and table row of the retrieved passages is a candidate. Each gets a handful of
features that carry over to any archive (how much of the question it covers, whether it holds the kind of
answer asked for, the year and the names the question asks about, the passage's rank ...). A logistic
model, fit with k-fold cross-validation by `python -m assistant.fit` on a development set, turns them
into the probability that the candidate answers. The best candidate answers when that probability reaches the
fitted threshold; otherwise the reader declines and says why. Lists and comparisons across agencies keep one
cited line per agency (`agencies.py`).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from ..search.text import Analyzer, is_english
from ..types import Answer, Passage
from .agencies import AgencyAnswerer
from .units import Unit, abstain, answer_from, render_units
from .facts import context_of, is_proper_name, mentions
from .features import Asked, Candidate, Featurizer
from .citations import strip_citations
from .model import FEATURES, JUDGE_FEATURES, Linear, Model
from .question import Intent, analyze_question

# A fact answer fits in this many characters: the sentence that answers, not the passage around it.
MAX_ANSWER_CHARS = 600
_FACT, _FIT = FEATURES.index("fact_question"), FEATURES.index("type_fit")


class Reader(Featurizer):
    """The default answerer: scores the passages' sentences with a learned model (see the module docstring)."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int],
                 model: Model | None = None) -> None:
        super().__init__(analyzer, idf, df)
        self.model = model or Model.load()
        self._agencies = AgencyAnswerer(analyzer, idf, df)  # one cited line per agency

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent | None = None) -> Answer:
        intent = intent or analyze_question(question)
        passages = list(passages)
        if not passages:
            return abstain(question, passages, "Er zijn geen passages gevonden.")
        if intent.kind in ("compare", "list"):
            return self._agencies(question, passages, intent)
        declined = self.gate(question, passages, intent)
        if declined is not None:
            return declined
        candidates = self.candidates(question, passages, intent)
        return self.decide(question, passages, intent, self.rank(candidates, self.model.ranker), self.model)

    @staticmethod
    def rank(candidates: list[Candidate], ranker: Linear) -> list[Candidate]:
        """The candidates best first, each with its share of the softmax over the ranker's scores."""
        scores = [ranker.score(c.features) for c in candidates]
        top = max(scores, default=0.0)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights) or 1.0
        for candidate, score, weight in zip(candidates, scores, weights):
            candidate.score, candidate.probability = score, weight / total
        ranked = sorted(candidates, key=lambda c: (-c.score, c.unit.passage.rank, c.unit.position))
        # A fact question ("Hoeveel", "Wanneer", "Welk bedrag") is answered by a sentence that holds a fact of the
        # kind asked, when one does: those go first, in the ranker's order.
        fits = [c.features[_FACT] >= 1 and c.features[_FIT] >= 1 for c in ranked]
        if any(fits) and not fits[0]:
            ranked = [c for c, f in zip(ranked, fits) if f] + [c for c, f in zip(ranked, fits) if not f]
        return ranked

    def judge_row(self, question: str, ranked: list[Candidate]) -> list[float]:
        """JUDGE_FEATURES of a question's ranked candidates."""
        best = ranked[0]
        features = dict(zip(FEATURES, best.features))
        runner_up = ranked[1].score if len(ranked) > 1 else best.score - 5.0
        row = {**features, "share": best.probability, "margin": min(best.score - runner_up, 5.0),
               "score": best.score, "english": float(is_english(question))}
        return [row[name] for name in JUDGE_FEATURES]

    def decide(self, question: str, passages: list[Passage], intent: Intent, ranked: list[Candidate],
               model: Model) -> Answer:
        """Answer with the best candidate, or decline when the judge gives it less than the model's threshold."""
        if not ranked:
            return abstain(question, passages, "De vraag bevat geen woorden om op te zoeken.")
        best = ranked[0]
        # The judge rules on questions that ask for a fact (a count, an amount, a date, a name ...): in the archive
        # 38 of its 40 traps do, and 18 of the 20 questions that do not ("Hoe meet ...?", "Waarom ...?") are
        # answered in their documents, too few for the judge to learn them apart.
        asks_a_fact = best.features[_FACT] >= 1
        if asks_a_fact and model.judge.probability(self.judge_row(question, ranked)) < model.threshold:
            return abstain(question, passages, _why_not(best, self.asked(question, intent)))
        chosen = self._with_context(best.unit, ranked)
        text = render_units(chosen)
        second = next((c for c in ranked[1:] if c.unit.passage is not best.unit.passage
                       and c.probability >= model.close * best.probability), None)
        if second is not None:
            with_second = render_units(chosen + [second.unit])
            if _length(with_second) <= MAX_ANSWER_CHARS:
                chosen, text = chosen + [second.unit], with_second
        if _length(text) > MAX_ANSWER_CHARS:
            chosen = [best.unit]
            text = render_units(chosen)
        return answer_from(question, passages, text, chosen)

    def gate(self, question: str, passages: list[Passage], intent: Intent) -> Answer | None:
        """Decline before scoring when the question names someone or something no passage mentions."""
        if is_english(question):
            return None  # an English question names places and bodies in English; the passages say them in Dutch
        missing = [n for n in intent.names if is_proper_name(n)
                   and not any(mentions(n, context_of(p)) for p in passages)]
        if missing:
            return abstain(question, passages, f"Geen enkele passage noemt {', '.join(missing)}.")
        return None

    def _with_context(self, best: Unit, candidates: list[Candidate]) -> list[Unit]:
        """The best sentence, and the sentence before when the best one leans on it ("Dit bedrag ...")."""
        same = sorted((c.unit for c in candidates if c.unit.passage is best.passage), key=lambda u: u.position)
        chosen = [best]
        i = best.position
        if i > 0 and _LEANS_BACK.match(best.text) and not same[i - 1].bullet:
            chosen.insert(0, same[i - 1])
        return chosen



_LEANS_BACK = re.compile(r"^(deze|dit|die|dat|daarbij|hierbij|daarnaast|bovendien|ook|zo|het|hij|zij|ze|these|"
                         r"this|that|it|they)\b", re.I)


def _length(text: str) -> int:
    return len(strip_citations(text).strip())


def _why_not(best: Candidate, asked: Asked) -> str:
    """The reason to decline, from what the best candidate lacks."""
    features = dict(zip(FEATURES, best.features))
    if features["years_in_passage"] < 1:
        return f"Geen passage geeft cijfers voor {', '.join(sorted(asked.years))}."
    if features["names_in_passage"] < 1:
        absent = [n for n in asked.names if not mentions(n, context_of(best.unit.passage))]
        return f"De passages zeggen het niet voor {', '.join(absent)}."
    if features["counted_near"] < 1:
        return f"De passages geven geen aantal {' of '.join(sorted(asked.counted_words))}."
    if features["type_fit"] < 1:
        what = {"number": "geen aantal", "amount": "geen bedrag", "percentage": "geen percentage",
                "date": "geen datum", "why": "geen reden", "name": "geen naam",
                "frequency": "geen frequentie"}.get(asked.kind, "geen antwoord")
        return f"De passages geven {what} voor wat gevraagd wordt."
    return "Geen passage zegt wat gevraagd wordt."
