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
from .facts import LIGHT_VERBS, ORDERS, context_of, is_proper_name, mentions, other_name
from .features import Asked, Candidate, Featurizer
from .citations import strip_citations
from .model import FEATURES, JUDGE_FEATURES, Linear, Model
from .question import Intent, analyze_question, subject_of

# A fact answer fits in this many characters: the sentence that answers, not the passage around it.
MAX_ANSWER_CHARS = 600
# At most this many sentences in an answer: the best, and what scores close to it.
MAX_PARTS = 3
_FACT, _FIT = FEATURES.index("fact_question"), FEATURES.index("type_fit")
_COVERAGE, _NAMES = FEATURES.index("coverage"), FEATURES.index("names_in_passage")
_WINDOW = FEATURES.index("window_coverage")


class Reader(Featurizer):
    """The default answerer: scores the passages' sentences with a learned model (see the module docstring)."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int],
                 model: Model | None = None) -> None:
        super().__init__(analyzer, idf, df)
        self.model = model or Model.load()
        self._agencies = AgencyAnswerer(analyzer, idf, df, sentence_scores=self.passage_scores)  # a line per agency

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

    def passage_scores(self, question: str, passages: Sequence[Passage], intent: Intent) -> dict[int, float]:
        """The ranker's best score among each passage's sentences, by the passage's id."""
        out: dict[int, float] = {}
        for candidate in self.rank(self.candidates(question, passages, intent), self.model.ranker):
            key = id(candidate.unit.passage)
            out[key] = max(out.get(key, candidate.score), candidate.score)
        return out

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
            # Why not, told by the best sentence whose passage says every name asked, when there is one: what the
            # passages about the asked agency lack, rather than that another agency's passage does not name it.
            basis = best if best.features[_NAMES] >= 1 else next((c for c in ranked if c.features[_NAMES] >= 1), best)
            return abstain(question, passages, _why_not(basis, self.asked(question, intent, passages)))
        # No judge rules here, so the best sentence answers even when neither it nor its neighbours share a word
        # with the question: that one says nothing of what was asked (archive, nested CV: no question changes).
        if not asks_a_fact and best.features[_WINDOW] == 0:
            return abstain(question, passages, "Geen passage zegt wat gevraagd wordt.")
        chosen = self._with_context(best.unit, ranked)
        text = render_units(chosen)
        # Further candidates that score close to the best join it while the answer fits: a second passage that says
        # it too, or the next part of an answer spread over sentences. The best one's passage comes first, and the
        # sentences of a passage keep their order. A question that asks for so many things ("Welke drie ...") takes
        # that many sentences of the best one's passage that hold a fact of the kind asked, close or not, first.
        parts = max(MAX_PARTS, intent.items)
        others = ranked[1:]
        if intent.items:
            others.sort(key=lambda c: c.unit.passage is not best.unit.passage)  # stable: in rank order
        for other in others:
            if len(chosen) >= parts:
                break
            wanted = len(chosen) < intent.items and other.unit.passage is best.unit.passage
            if other.probability < model.close * best.probability and not wanted or not _adds(other, asks_a_fact):
                continue
            if any(other.unit is u or other.unit.text in u.text for u in chosen):
                continue
            joined = _in_reading_order(chosen + [other.unit])
            longer = render_units(joined)
            if _length(longer) <= MAX_ANSWER_CHARS:
                chosen, text = joined, longer
        if _length(text) > MAX_ANSWER_CHARS:
            chosen = [best.unit]
            text = render_units(chosen)
        return answer_from(question, passages, text, chosen)

    def gate(self, question: str, passages: list[Passage], intent: Intent) -> Answer | None:
        """Decline before scoring when the question says nothing of what it is about ("Hoeveel kost het?", asked
        on its own: any figure of any passage would do), or names someone or something no passage mentions."""
        about = [w for w in self.analyzer.content_words(subject_of(question))
                 if w not in LIGHT_VERBS and w not in ORDERS]
        if not about and self.analyzer.content_words(question):
            return abstain(question, passages, "De vraag zegt niet waarover ze gaat: noem het onderwerp.")
        if is_english(question):
            return None  # an English question names places and bodies in English; the passages say them in Dutch
        def said(name: str) -> bool:
            return any(mentions(name, context_of(p)) or self._parts_mentioned(name, p) for p in passages)

        # A name with another in brackets ("AFSCA (FAVV)") is said when either is.
        missing = [n for n in intent.names if is_proper_name(n)
                   and not any(said(form) for form in (n, other_name(n, question)) if form)]
        if missing:
            return abstain(question, passages, f"Geen enkele passage noemt {', '.join(missing)}.")
        return None

    def _parts_mentioned(self, name: str, passage: Passage) -> bool:
        """A one-word compound name whose every part the passage says: "Staatsveiligheid" in "de Veiligheid van
        de Staat"."""
        if " " in name.strip():
            return False
        parts = self.analyzer.decompounder.split(name.lower())
        if len(parts) < 2:
            return False
        said_here = set(self.analyzer.tokens(context_of(passage)))
        return all(set(self.analyzer.tokens(part) or [self.analyzer.stem(part)]) <= said_here for part in parts)

    def _with_context(self, best: Unit, candidates: list[Candidate]) -> list[Unit]:
        """The best sentence, and the sentence before when the best one leans on it ("Dit bedrag ...")."""
        before = [c.unit for c in candidates if c.unit.passage is best.passage and c.unit.position < best.position]
        chosen = [best]
        if before and _LEANS_BACK.match(best.text):
            previous = max(before, key=lambda u: u.position)
            if not previous.bullet:
                chosen.insert(0, previous)
        return chosen



def _adds(candidate: Candidate, asks_a_fact: bool) -> bool:
    """Does a further sentence add something the question asks for? For a fact, a fact of the kind asked (a count,
    an amount, a date ...); otherwise, one of the question's ideas."""
    features = candidate.features
    if asks_a_fact:
        return features[_FIT] >= 1
    return features[_COVERAGE] > 0


def _in_reading_order(units: list[Unit]) -> list[Unit]:
    """The passage of the best sentence first, then the others in the order they join; within a passage, the
    sentences in the order they stand."""
    order: dict[int, int] = {}
    for unit in units:
        order.setdefault(id(unit.passage), len(order))
    return sorted(units, key=lambda u: (order[id(u.passage)], u.position))


# A sentence that opens on a word pointing back, or draws a conclusion ("Er wordt dus niet gewerkt met een
# steekproef": "dus" among its first three words) leans on the sentence before it.
_LEANS_BACK = re.compile(r"^(deze|dit|die|dat|daarbij|hierbij|daarnaast|bovendien|ook|zo|het|hij|zij|ze|these|"
                         r"this|that|it|they)\b|^(?:\S+\s+){0,2}(dus|daarom|derhalve|therefore|thus)\b", re.I)


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
                "frequency": "geen frequentie", "duration": "geen duur"}.get(asked.kind, "geen antwoord")
        return f"De passages geven {what} voor wat gevraagd wordt."
    return "Geen passage zegt wat gevraagd wordt."
