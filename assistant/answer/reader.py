"""The reader: passages -> a cited Answer, by scoring every sentence with weights learned from data.

Every sentence, bullet and table row of the retrieved passages is a candidate. Each gets a handful of
features that carry over to any archive (how much of the question it covers, whether it holds the kind of
answer asked for, the year and the names the question asks about, the passage's rank ...). A logistic
model, fit with k-fold cross-validation by `python -m assistant.answer.fit` on a development set, turns them
into the probability that the candidate answers. The best candidate answers when that probability reaches the
fitted threshold; otherwise the reader declines and says why. Lists and comparisons across agencies keep one
cited line per agency (`agencies.py`).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from text_to_num import alpha2digit

from ..search.text import Analyzer, fold, is_english, words
from ..types import Answer, Passage
from .extractive import ExtractiveAnswerer, Unit, _abstain, _answer, _render, split_units
from .question import Intent, analyze_question, name_is_mentioned

MODEL_FILE = Path(__file__).with_name("reader_model.json")
# "12 interne “Heerlijk Helder” leerinitiatieven": the counted word may follow its number by four words.
COUNT_WINDOW = 4
# A fact answer fits in this many characters: the sentence that answers, not the passage around it.
MAX_ANSWER_CHARS = 600

_YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
_MONTH = re.compile(r"\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
                    r"december|january|february|march|may|june|july|august|october)\b", re.I)
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_FIGURE = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")
_MONEY = re.compile(r"€|\beuro\b|\beur\b|\bmiljoen\b|\bmiljard\b|\bmillion\b|\bbillion\b", re.I)
_PERCENT = re.compile(r"%|\bprocent\b|\bpercent\b|\bper cent\b|\bprocentpunt", re.I)
_CAUSE = re.compile(r"\b(omdat|want|aangezien|doordat|gezien|gelet op|wegens|vanwege|teneinde|om te|zodat|"
                    r"daarom|dit is te wijten|because|since|due to|in order to|reden)\b", re.I)
# A sentence that sends the reader elsewhere ("zie bijlage", "de tabel in bijlage") holds no answer itself.
_ELSEWHERE = re.compile(r"\b(bijlage|bijlagen|annex|in attachment|ter inzage|verwijs|verwijzen|refer)\w*", re.I)
# A sentence that says the figures do not exist or are not kept.
_NO_DATA = re.compile(r"\b(niet beschikbaar|geen (?:cijfers|gegevens|statistieken)|beschik\w* (?:niet|geen)|"
                      r"niet (?:mogelijk|bekend|gekend)|onmogelijk|not available|no (?:figures|data|statistics))\b",
                      re.I)
_YES_NO_OPENERS = {"is", "zijn", "was", "waren", "wordt", "worden", "werd", "werden", "kan", "kunnen", "mag",
                   "mogen", "moet", "moeten", "zal", "zullen", "heeft", "hebben", "had", "hadden", "bestaat",
                   "bestaan", "gaat", "komt", "are", "does", "do", "did", "can", "could", "will", "would",
                   "has", "have", "should", "may", "must"}
_WHY = re.compile(r"\b(waarom|om welke reden|why|for what reason)\b", re.I)
_HOW = re.compile(r"^\s*(hoe|how|op welke (wijze|manier)|in what way)\b(?!\s+(veel|many|much|lang|long|groot))",
                  re.I)
_DURATION = re.compile(r"\b(hoe lang|how long)\b", re.I)
_PERCENT_ASKED = re.compile(r"percent|procent|aandeel|share|proportion|%", re.I)
# Adjectives of place ("Waalse", "Brusselse", "Belgische", "Flemish"): said in a passage as the place itself.
_ADJECTIVE_END = re.compile(r"(?:ische|isch|se|sche|s|ian|ish|ese|an)$")

FEATURES = (
    "coverage", "window_coverage", "passage_coverage", "missing_weight", "matched_idf",
    "fact_question", "type_fit", "figure_near_match", "novelty", "counted_near",
    "years_in_sentence", "years_in_passage",
    "names_in_sentence", "names_in_passage", "inverse_rank", "score_ratio", "first_sentence",
    "question_side", "points_elsewhere", "no_data", "length", "proximity",
    "coverage_relative", "idf_relative", "names_specific", "years_specific", "window_missing", "rare_unsaid",
)
_FACT, _FIT = FEATURES.index("fact_question"), FEATURES.index("type_fit")
# What the judge sees of a question's best candidate: its share among the candidates, how far it stands above the
# next, and what it holds of what was asked.
JUDGE_FEATURES = (
    "share", "margin", "coverage", "type_fit", "counted_near", "years_in_passage", "years_in_sentence",
    "names_in_passage", "names_specific", "points_elsewhere", "window_missing", "rare_unsaid",
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
    close: float = 0.7  # a second candidate from another passage joins when its share is this part of the best's

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES or tuple(data["judge_features"]) != JUDGE_FEATURES:
            raise ValueError(f"{path} was fit on other features; run `python -m assistant.answer.fit --write`")
        return cls(Linear.from_json(data["ranker"]), Linear.from_json(data["judge"]), float(data["threshold"]),
                   float(data["close"]))


@dataclass(frozen=True)
class Asked:
    """What exactly a question asks: the kind of answer, the years and the names it is about, what it counts."""

    kind: str  # number, amount, percentage, date, name, yesno, why, how or other
    weights: dict[frozenset[str], float]
    years: frozenset[str]
    names: tuple[str, ...]
    counted: frozenset[str]
    counted_words: tuple[str, ...] = ()  # the question's words for what it counts, for messages


@dataclass
class Candidate:
    unit: Unit
    features: list[float]
    score: float = 0.0  # the ranker's
    probability: float = 0.0  # its share of the softmax over the question's candidates


class Reader:
    """The default answerer: scores the passages' sentences with a learned model (see the module docstring)."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int],
                 model: Model | None = None) -> None:
        self.analyzer = analyzer
        self.idf = idf
        self.df = df
        self.model = model or Model.load()
        self._agencies = ExtractiveAnswerer(analyzer, idf, df)  # one cited line per agency

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent | None = None) -> Answer:
        intent = intent or analyze_question(question)
        passages = list(passages)
        if not passages:
            return _abstain(question, passages, "Er zijn geen passages gevonden.")
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
            return _abstain(question, passages, "De vraag bevat geen woorden om op te zoeken.")
        best = ranked[0]
        if model.judge.probability(self.judge_row(question, ranked)) < model.threshold:
            return _abstain(question, passages, _why_not(best, self.asked(question, intent)))
        chosen = self._with_context(best.unit, ranked)
        text = _render(chosen)
        second = next((c for c in ranked[1:] if c.unit.passage is not best.unit.passage
                       and c.probability >= model.close * best.probability), None)
        if second is not None:
            with_second = _render(chosen + [second.unit])
            if _length(with_second) <= MAX_ANSWER_CHARS:
                chosen, text = chosen + [second.unit], with_second
        if _length(text) > MAX_ANSWER_CHARS:
            chosen = [best.unit]
            text = _render(chosen)
        return _answer(question, passages, text, chosen)

    def gate(self, question: str, passages: list[Passage], intent: Intent) -> Answer | None:
        """Decline before scoring when the question names someone or something no passage mentions."""
        if is_english(question):
            return None  # an English question names places and bodies in English; the passages say them in Dutch
        missing = [n for n in intent.names if _is_proper_name(n)
                   and not any(_mentions(n, _haystack(p)) for p in passages)]
        if missing:
            return _abstain(question, passages, f"Geen enkele passage noemt {', '.join(missing)}.")
        return None

    # -- what is asked ---------------------------------------------------------------------------

    def asked(self, question: str, intent: Intent) -> Asked:
        weights: dict[frozenset[str], float] = {}
        for concept in self.analyzer.concepts(question):
            known = [t for t in concept.own if self.df(t)] or [t for t in concept.stems if self.df(t)]
            weights[concept.stems] = min(self.idf(t) for t in known) if known else -1.0
        seen = [w for w in weights.values() if w >= 0]
        half = 0.5 * (sum(seen) / len(seen)) if seen else 1.0
        weights = {c: (half if w < 0 else w) for c, w in weights.items()}
        head = _head_noun(intent.counted)
        counted = frozenset(s for c in self.analyzer.concepts(head) for s in c.stems)
        return Asked(_answer_kind(question, intent), weights, frozenset(_YEAR.findall(question)),
                     tuple(_place_and_names(question, intent)), counted, tuple(head.split()))

    # -- candidates and their features -----------------------------------------------------------

    def candidates(self, question: str, passages: Sequence[Passage], intent: Intent) -> list[Candidate]:
        """Every sentence of the passages with its features, in passage order."""
        asked = self.asked(question, intent)
        if not asked.weights:
            return []
        top_score = max(p.score for p in passages) or 1.0
        out: list[Candidate] = []
        for passage in passages:
            units = refine(split_units(passage))
            stems = [set(self.analyzer.tokens(_said(u))) for u in units]
            whole = set(self.analyzer.tokens(f"{passage.chunk.title} {passage.chunk.text}"))
            haystack = _haystack(passage)
            for i, unit in enumerate(units):
                neighbours = [stems[j] for j in (i - 1, i + 1) if 0 <= j < len(units)]
                out.append(Candidate(unit, self._features(asked, unit, stems[i], neighbours, whole, haystack,
                                                          passage, top_score)))
        # How a candidate stands against the others for the same question: the ranking is among them.
        for name in ("coverage", "matched_idf"):
            i = FEATURES.index(name)
            top = max((c.features[i] for c in out), default=0.0) or 1.0
            for candidate in out:
                candidate.features[FEATURES.index(f"{name.split('_')[-1]}_relative")] = candidate.features[i] / top
        # A name or year every candidate mentions tells them apart no more than none does ("FOD Werkgelegenheid" in
        # an answer of the FOD); one that few mention is what sets the answer apart ("Samu Social" among other
        # organisations' figures).
        for feature, asked_for, found in (("names_specific", asked.names, _mentions),
                                          ("years_specific", tuple(asked.years), lambda y, t: y in t)):
            said = [[found(n, _said(c.unit)) for n in asked_for] for c in out]
            rarity = [1.0 - sum(row[j] for row in said) / len(out) for j in range(len(asked_for))]
            for candidate, row in zip(out, said):
                found_rarity = sum(r for r, s in zip(rarity, row) if s)
                candidate.features[FEATURES.index(feature)] = found_rarity / len(asked_for) if asked_for else 0.0
        return out

    def _features(self, asked: Asked, unit: Unit, stems: set[str], neighbours: list[set[str]], whole: set[str],
                  haystack: str, passage: Passage, top_score: float) -> list[float]:
        weights = asked.weights
        total = sum(weights.values()) or 1.0
        text = _said(unit)
        coverage = _share(stems, weights, total)
        window = coverage + max((_share(n - stems, weights, total, besides=stems) for n in neighbours), default=0.0)
        missing = max((w for c, w in weights.items() if c.isdisjoint(whole)), default=0.0) / total
        around = stems.union(*neighbours)
        mean_weight = total / len(weights)
        unsaid = [w for c, w in weights.items() if c.isdisjoint(around)]
        matched_idf = sum(w for c, w in weights.items() if not c.isdisjoint(stems))
        fact = asked.kind in _FACT_KINDS
        own = stems - _question_stems(weights)
        features = {
            "coverage": coverage,
            "window_coverage": window,
            "passage_coverage": _share(whole, weights, total),
            "missing_weight": missing,
            # What the sentence and its neighbours leave out of the question: a trap asks for a year, a place or a
            # group the passage does not give the figure for.
            "window_missing": max(unsaid, default=0.0) / total,
            "rare_unsaid": float(sum(w >= mean_weight for w in unsaid)),
            "matched_idf": math.log1p(matched_idf),
            "fact_question": float(fact),
            "type_fit": _fits(asked, text, unit) if fact or asked.kind == "why" else 0.0,
            "figure_near_match": self._figure_near_match(text, weights) if fact else 0.0,
            "novelty": len(own) / max(len(stems), 1),
            "counted_near": self._counted_near(asked, unit),
            "years_in_sentence": _found_share(asked.years, text),
            "years_in_passage": _found_share(asked.years, haystack),
            "names_in_sentence": _names_share(asked.names, text),
            "names_in_passage": _names_share(asked.names, haystack),
            "inverse_rank": 1.0 / passage.rank if passage.rank else 0.0,
            "score_ratio": passage.score / top_score,
            "first_sentence": float(unit.position == 0),
            "question_side": float(passage.chunk.section == "question"),
            "points_elsewhere": float(bool(_ELSEWHERE.search(text))),
            "no_data": float(bool(_NO_DATA.search(text))),
            "length": min(len(text), 800) / 400,
            "proximity": self._proximity(text, weights),
            "coverage_relative": 0.0,  # these four are set once every candidate is scored
            "idf_relative": 0.0,
            "names_specific": 0.0,
            "years_specific": 0.0,
        }
        return [features[name] for name in FEATURES]

    def _counted_near(self, asked: Asked, unit: Unit) -> float:
        """For "Hoeveel X": 1 when a figure in the sentence counts X: X follows it within COUNT_WINDOW words ("180
        experten"), or stands before it in a clause that introduces it ("medewerkers: 1.203"), or in the line that
        introduces the sentence. "46 lokale besturen en medewerkers" counts no employees."""
        if asked.kind not in ("number", "amount") or not asked.counted:
            return 1.0
        if not asked.counted.isdisjoint(self.analyzer.tokens(unit.lead)):
            return 1.0
        text = _NOT_COUNTS.sub(" ", _said(unit))
        for match in _FIGURE.finditer(text):
            if _YEAR.fullmatch(match.group(0).strip()):
                continue
            after = " ".join(text[match.end():].split()[:COUNT_WINDOW])
            clause = text[:match.start()].rstrip()
            before = clause.rsplit(".", 1)[-1] if clause.endswith(":") else ""
            if not asked.counted.isdisjoint(self.analyzer.tokens(f"{after} {before}")):
                return 1.0
        return 0.0

    def _figure_near_match(self, text: str, weights: dict[frozenset[str], float]) -> float:
        """1 when a figure (not a year) stands within a few words of a word the question asks about."""
        tokens = _NOT_COUNTS.sub(" ", text).split()
        for i, token in enumerate(tokens):
            if not any(ch.isdigit() for ch in token) or _YEAR.fullmatch(token.strip(".,;:()")):
                continue
            around = " ".join(tokens[max(0, i - 6):i + 7])
            stems = set(self.analyzer.tokens(around))
            if any(not c.isdisjoint(stems) for c in weights):
                return 1.0
        return 0.0

    def _proximity(self, text: str, weights: dict[frozenset[str], float]) -> float:
        """How close together the question's ideas stand: matched ideas over the span of words they take."""
        positions: list[int] = []
        for i, word in enumerate(words(text)):
            stems = set(self.analyzer.tokens(word))
            if stems and any(not c.isdisjoint(stems) for c in weights):
                positions.append(i)
        if len(positions) < 2:
            return 0.0
        return min(1.0, len(positions) / (positions[-1] - positions[0] + 1))

    def _with_context(self, best: Unit, candidates: list[Candidate]) -> list[Unit]:
        """The best sentence, and the sentence before when the best one leans on it ("Dit bedrag ...")."""
        same = sorted((c.unit for c in candidates if c.unit.passage is best.passage), key=lambda u: u.position)
        chosen = [best]
        i = best.position
        if i > 0 and _LEANS_BACK.match(best.text) and not same[i - 1].bullet:
            chosen.insert(0, same[i - 1])
        return chosen


# Where the federal archive left a table out, its text holds the table's number: two years, the question's number
# and its language codes ("2016201715150-14-2198-nl-fr-1"). It is no figure of the answer.
_TABLE_MARK = re.compile(r"(?:19|20)\d\d(?:19|20)\d\d\d{3,6}(?:-[\w]+)+")
_FACT_KINDS = ("number", "amount", "percentage", "date", "name", "frequency")
_FREQUENCY = re.compile(r"\b(\w*lijks\w*|permanent\w*|continu\w*|telkens|elke|iedere|na elk\w*|(keer|maal) per|"
                        r"per (dag|week|maand|kwartaal|jaar)|om de \w+|daily|weekly|monthly|yearly|annual\w*|every)\b",
                        re.I)


def _head_noun(counted: str) -> str:
    """What "Hoeveel X ..." counts: its first word, and the next one when the first is an adjective before it
    ("geldige parkeerkaarten"); not the verb after it ("medewerkers telt")."""
    tokens = counted.split()
    if len(tokens) > 1 and tokens[0].casefold().endswith("e") and not tokens[0][:1].isupper():
        return " ".join(tokens[:2])
    return " ".join(tokens[:1])


def _question_stems(weights: dict[frozenset[str], float]) -> set[str]:
    return set().union(*weights) if weights else set()


# Sentences the archive glued together ("werknemers.Zie bijlage"), a table mark, and dash lists run into one line
# ("de volgende budgetten:- 2014: 26.000 euro;- 2015: 10.000 euro"): where one candidate ends and the next begins.
_GLUED = re.compile(r"(?<=[a-zà-ý0-9)]{2}[.!?])(?=[A-ZÀ-Ý][a-zà-ý])|(?<=-[a-z]{2}-\d)\s+|(?<=-[a-z]{3}-\d)\s+")
_DASH_ITEM = re.compile(r"(?<=[:;])\s*-\s*(?=\S)")


def refine(units: list[Unit]) -> list[Unit]:
    """Finer candidates: glued sentences apart, and each item of a dash list run into one line its own
    candidate, under the sentence that introduces it."""
    out: list[Unit] = []
    for unit in units:
        for sentence in (s.strip() for s in _GLUED.split(unit.text) if s.strip()):
            items = _DASH_ITEM.split(sentence)
            if len(items) < 3:  # one dash is a dash, not a list
                out.append(replace(unit, text=sentence, position=len(out)))
                continue
            head = items[0].strip()
            out.append(replace(unit, text=head, position=len(out)))
            lead = head if head.endswith(":") else (unit.lead if unit.bullet else head)
            for item in items[1:]:
                out.append(Unit(item.strip().rstrip(";"), unit.passage, len(out), lead=lead, bullet=True))
    return out


_LEANS_BACK = re.compile(r"^(deze|dit|die|dat|daarbij|hierbij|daarnaast|bovendien|ook|zo|het|hij|zij|ze|these|"
                         r"this|that|it|they)\b", re.I)


def _answer_kind(question: str, intent: Intent) -> str:
    folded = fold(question)
    if _WHY.search(question):
        return "why"
    if intent.wants == "amount":
        return "amount"
    if intent.wants == "frequency":
        return "frequency"
    if intent.wants == "number" or _DURATION.search(question):
        return "percentage" if _PERCENT_ASKED.search(folded) else "number"
    if _PERCENT_ASKED.search(folded) and re.search(r"\b(welk|wat|what|which|hoe groot|how large)\b", folded):
        return "percentage"
    if intent.wants == "date":
        return "date"
    first = words(question)[:1]
    if first and first[0] in _YES_NO_OPENERS:
        return "yesno"
    if _HOW.search(question):
        return "how"
    if intent.wants == "name":
        return "name"
    return "other"


def _fits(asked: Asked, text: str, unit: Unit) -> float:
    """Does the text hold the kind of answer asked for?"""
    figures = counts(text)
    kind = asked.kind
    if kind == "number":
        return float(bool(figures) or _says_a_number(text))
    if kind == "amount":
        return float(bool(figures) and bool(_MONEY.search(text)))
    if kind == "percentage":
        return float(bool(_PERCENT.search(text)) or bool(re.search(r"\b(helft|derde|kwart|half)\b", text, re.I)))
    if kind == "date":
        return float(bool(_YEAR.search(text) or _MONTH.search(text) or _DATE.search(text)))
    if kind == "frequency":
        return float(bool(_FREQUENCY.search(text)))
    if kind == "why":
        return float(bool(_CAUSE.search(text)))
    if kind == "name":
        return float(_has_name(text))
    return 1.0


# Figures that count nothing: a date ("27 december 2016", "20/07/2005"), a time ("10 uur", "14u30"), an article or
# a numbered item ("artikel 58", "punt 3").
_NOT_COUNTS = re.compile(
    r"\b\d{1,2}(?:\s+(?:en|op|tot|à|-)\s+\d{1,2})?\s+(?:januari|februari|maart|april|mei|juni|juli|augustus|september|"
    r"oktober|november|december|january|february|march|may|june|july|august|october)\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}\s*(?:uur|u|h)\b(?:\s*\d{2})?"
    r"|\b(?:artikel|artikelen|art\.|article|punt|punten|nummer|nr\.?)\s*\d+\w*", re.I)


def counts(text: str) -> list[str]:
    """The figures of a text that may count or measure something: not years, dates, times or article numbers."""
    return [m.group(0) for m in _FIGURE.finditer(_NOT_COUNTS.sub(" ", text)) if not _YEAR.fullmatch(m.group(0).strip())]


def _says_a_number(text: str) -> bool:
    """A count in words ("achttien zelfdodingen", "tweehonderd"), read by text2num; ordinals ("de derde") aside."""
    spelled = alpha2digit(text, "nl", threshold=1.5)  # "een" (a, one) stays a word
    if spelled == text:
        return False
    return len(re.findall(r"\b\d+\b(?!e\b)", spelled)) > len(re.findall(r"\b\d+\b(?!e\b)", text))


def _has_name(text: str) -> bool:
    """A capitalised word or acronym that does not open the sentence."""
    return bool(re.search(r"(?<!^)(?<![.!?:]\s)\b[A-ZÀ-Ý][\w&-]+", text) or re.search(r"\b[A-Z]+\d+", text))


def _said(unit: Unit) -> str:
    """What a candidate says: a bullet or table row with the line that introduces it; "%" as a word; a table
    left out of the text ("2016201715150-14-2198-nl-fr-1", as the federal archive marks one) as "bijlage"."""
    text = f"{unit.lead} {unit.text}" if unit.bullet and unit.lead else unit.text
    return _TABLE_MARK.sub(" bijlage ", text).replace("%", " procent ")


def _share(stems: set[str], weights: dict[frozenset[str], float], total: float,
           besides: set[str] | frozenset[str] = frozenset()) -> float:
    return sum(w for c, w in weights.items() if not c.isdisjoint(stems) and c.isdisjoint(besides)) / total


def _found_share(years: frozenset[str], text: str) -> float:
    if not years:
        return 1.0
    return sum(y in text for y in years) / len(years)


def _place_and_names(question: str, intent: Intent) -> list[str]:
    """The names a question is about, one word each ("Vlaanderen", "RIZIV", "Waalse"), the generic ones too:
    an answer about Belgium as a whole does not say what Flanders spent."""
    out: list[str] = []
    tokens = re.findall(r"[\w&'-]+", question)
    for i, token in enumerate(tokens):
        if i == 0 or token.endswith("-") or len(token) < 2:
            continue
        if token[0].isupper() and not token.isdigit():
            out.append(token.strip("-'"))
    for name in intent.names:
        out.extend(t for t in name.split() if t[:1].isupper() and t not in out)
    return list(dict.fromkeys(out))


def _stem_forms(name: str) -> list[str]:
    """"Brusselse" -> brussel..., "Waals-Brabants" -> waals, brabant: the forms a passage may say it in."""
    forms: list[str] = []
    for part in re.split(r"[-\s]+", fold(name)):
        if len(part) < 2:
            continue
        forms.append(part)
        base = _ADJECTIVE_END.sub("", part) if len(part) > 5 else part
        if base != part and len(base) >= 4:
            forms.append(base)
    return forms


def _mentions(name: str, haystack: str) -> bool:
    """A name is mentioned when the phrase or every part of it occurs, a part also as the start of a word
    ("Brusselse" in "Brussel", "Belgische" in "België")."""
    if name_is_mentioned(name, haystack):
        return True
    parts = [p for p in re.split(r"[-\s]+", fold(name)) if len(p) >= 2]
    if len(name.split()) > 1:
        return False  # "De Lijn": a name of several words is its phrase, or every word of it (name_is_mentioned)
    folded = fold(haystack)
    return bool(parts) and all(
        any(re.search(rf"(?<![\w&]){re.escape(form[:max(4, len(form) - 2)])}", folded) for form in _stem_forms(part))
        for part in parts)


def _names_share(names: tuple[str, ...], haystack: str) -> float:
    if not names:
        return 1.0
    return sum(_mentions(n, haystack) for n in names) / len(names)


def _is_proper_name(name: str) -> bool:
    """A name whose absence from every passage means they are about something else: an organisation, a
    person, a place; not a hyphenated coordination ("P- en R-parkings") nor an adjective ("Waalse")."""
    tokens = name.split()
    # "vitamine D-preparaat": a letter glued to a common noun is no name.
    if any(t.endswith("-") or re.search(r"-[a-zà-ý]", t) for t in tokens) or len(name.strip(".-")) < 2:
        return False
    return not (len(tokens) == 1 and _ADJECTIVE_END.search(fold(name)) and not name.isupper())


def _haystack(passage: Passage) -> str:
    chunk = passage.chunk
    return f"{chunk.title}\n{chunk.agency}\n{chunk.agency_short}\n{chunk.text}"


def _length(text: str) -> int:
    return len(re.sub(r"\s*\[\d+\]", "", text).strip())


def _why_not(best: Candidate, asked: Asked) -> str:
    """The reason to decline, from what the best candidate lacks."""
    features = dict(zip(FEATURES, best.features))
    if features["years_in_passage"] < 1:
        return f"Geen passage geeft cijfers voor {', '.join(sorted(asked.years))}."
    if features["names_in_passage"] < 1:
        absent = [n for n in asked.names if not _mentions(n, _haystack(best.unit.passage))]
        return f"De passages zeggen het niet voor {', '.join(absent)}."
    if features["counted_near"] < 1:
        return f"De passages geven geen aantal {' of '.join(sorted(asked.counted_words))}."
    if features["type_fit"] < 1:
        what = {"number": "geen aantal", "amount": "geen bedrag", "percentage": "geen percentage",
                "date": "geen datum", "why": "geen reden", "name": "geen naam",
                "frequency": "geen frequentie"}.get(asked.kind, "geen antwoord")
        return f"De passages geven {what} voor wat gevraagd wordt."
    return "Geen passage zegt wat gevraagd wordt."
