"""Comparisons and lists across agencies: one cited line per agency, quoted from the passages.

"Vergelijk hoe de agentschappen ... meten" gets a line (and a comparison row) for every agency the passages
cover; "Welke agentschappen ...?" names those whose best sentence answers. A sentence's score is the share
of the question's weight (idf of its ideas) it covers; the reader (reader.py) answers all other questions.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..search.text import Analyzer, fold, is_english, words
from ..types import Answer, Passage
from .facts import is_proper_name
from .question import Intent, analyze_question, name_is_mentioned
from .features import names_agency, weigh
from .model import Linear
from .units import Unit, abstain, answer_from, render_units, split_units

# Share of the question's weight (idf of its stems) a sentence must cover to count as an answer; in a
# comparison, an agency whose best sentence covers less than half of it is marked with what it does not say.
MIN_COVERAGE = 0.35
# A neighbouring sentence joins the answer when it adds this share of the question's weight.
NEIGHBOUR_GAIN = 0.1
MAX_BULLETS = 8
ANAPHOR_BACK = 2  # sentences an answer reaches back for what its first sentence refers to

_FIGURE = re.compile(r"(?:€\s*)?\d+(?:[.,]\d+)*\s*(?:%|procent|euro)?")
# Words of a list or comparison question that name the things compared, not what is asked about them.
_GENERIC_FOR_LISTS = ("agentschap", "agentschappen", "departement", "departementen", "entiteit", "entiteiten",
                      "organisatie", "organisaties", "verschillende", "diensten", "agency", "agencies",
                      "department", "departments", "different", "vergelijk", "vergelijking", "vergelijken",
                      "compare", "comparison", "verschil", "verschillen", "elk", "elke", "each", "alle", "minister",
                      "ministers", "ministerie", "ministeries", "ministry", "ministries")
# Verbs that say little of what a question is about ("Which agencies use web surveys?"): however rare in the
# documents, they weigh half an average idea, so a sentence that only shares the verb and a broader word
# ("gebruikt ... enquêtes") does not pass for one about the subject.
_ANAPHOR = re.compile(r"^(deze|dit|die|dat|daarbij|hierbij|daarnaast|bovendien|ook|zo|er)\b", re.I)
# "Bij lokale besturen wordt ook ... gepeild": an "ook" among a sentence's first words adds to the one before.
_ALSO = re.compile(r"^(?:\S+\s+){1,4}ook\b", re.I)


LIST_MODEL_FILE = Path(__file__).with_name("list_model.json")
# What decides whether an agency belongs in a list across agencies, of its best sentence and how it stands among the
# other agencies' best ones. Fit by `python -m assistant.fit_lists`.
LIST_FEATURES = ("coverage", "relative", "coverage_relative", "window", "rarest", "inverse_rank", "ideas", "english",
                 "agency_coverage", "agency_rarest", "passage_score", "matched", "ranker_margin")


@dataclass(frozen=True)
class ListModel:
    """A logistic model of "this agency's best sentence answers the list question"; named at `threshold`."""

    weights: Linear
    threshold: float = 0.5

    def names(self, row: Sequence[float]) -> bool:
        return self.weights.probability(row) >= self.threshold

    @classmethod
    def load(cls, path: Path = LIST_MODEL_FILE) -> ListModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != LIST_FEATURES:
            raise ValueError(f"{path} was fit on other features; run `python -m assistant.fit_lists --write`")
        return cls(Linear.from_json(data["weights"]), float(data["threshold"]))


@dataclass
class AgencyBest:
    """An agency's best sentence for a question, its score, and the features the list model reads."""

    agency: str
    score: float
    unit: Unit
    row: list[float]  # LIST_FEATURES, for a list question; empty for a comparison


class AgencyAnswerer:
    """Answers a comparison or a list across agencies with the passages' own sentences; needs the analyzer
    and idf of the index it reads."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int],
                 model: ListModel | None = None,
                 sentence_scores: Callable[[str, Sequence[Passage], Intent], dict[int, float]] | None = None) -> None:
        self.analyzer = analyzer
        self.idf = idf
        self.df = df
        self.model = model or ListModel.load()
        if sentence_scores is None:  # the reader passes its own; on its own, this answerer asks a reader of the index
            from .reader import Reader
            sentence_scores = Reader(analyzer, idf, df).passage_scores
        # The reader's learned ranker: its best score among each passage's sentences (by the passage's id).
        self.sentence_scores = sentence_scores

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent | None = None) -> Answer:
        """One cited line per agency the passages cover (all of them for a comparison; for a list, those
        whose passages answer), or the reason none can be given."""
        intent = intent or analyze_question(question)
        passages = list(passages)
        if not passages:
            return abstain(question, passages, "Er zijn geen passages gevonden.")
        mentions = {p.chunk.id: {n for n in intent.names if name_is_mentioned(n, _haystack(p))} for p in passages}
        # As the reader's gate: only a proper name no passage mentions declines ("AgII-meting" is no name).
        missing = [n for n in intent.names if is_proper_name(n) and not any(n in named for named in mentions.values())]
        if missing:
            return abstain(question, passages, f"Geen enkele passage noemt {', '.join(missing)}.")
        weights = self._question_weights(question, intent)
        if not weights:
            return abstain(question, passages, "De vraag bevat geen woorden om op te zoeken.")
        units = self._units(passages)
        return self._per_agency(question, passages, units, weights, intent)

    def _units(self, passages: Sequence[Passage]) -> list[Unit]:
        units = [u for p in passages for u in split_units(p)]
        context = {p.chunk.id: set(self.analyzer.tokens(_context(p))) for p in passages}
        for unit in units:
            # "70%" says "procent" as much as the word does.
            said = f"{unit.lead} {unit.text}".replace("%", " procent ")
            unit.stems = set(self.analyzer.tokens(said)) | context[unit.passage.chunk.id]
        return units

    def best_per_agency(self, question: str, passages: Sequence[Passage], intent: Intent,
                        units: list[Unit] | None = None,
                        weights: dict[frozenset[str], float] | None = None) -> list[AgencyBest]:
        """Each agency's best sentence, in the order of its passage's rank, with LIST_FEATURES: "Vergelijk AgII en
        Kind en Gezin" keeps only the agencies the question names, when it names two or more."""
        weights = self._question_weights(question, intent) if weights is None else weights
        units = self._units(passages) if units is None else units
        best: dict[str, tuple[float, Unit]] = {}
        for unit in units:
            agency = unit.passage.chunk.agency
            if not agency or unit.passage.chunk.section == "question":
                continue
            score = self._score(unit, weights, intent, question, _neighbours(unit, units))
            if agency not in best or score > best[agency][0]:
                best[agency] = (score, unit)
        named = {a for a, (_, u) in best.items() if names_agency(u.passage, intent.names)}
        if len(named) >= 2:
            best = {a: su for a, su in best.items() if a in named}
        # Only a list reads the rows: a comparison names every agency, and needs no pass of the reader's ranker.
        rows = self._list_rows(question, passages, intent, units, weights, best) if intent.kind == "list" else {}
        return [AgencyBest(agency, score, unit, rows.get(agency, []))
                for agency, (score, unit) in sorted(best.items(), key=lambda kv: kv[1][1].passage.rank)]

    def _list_rows(self, question: str, passages: Sequence[Passage], intent: Intent, units: list[Unit],
                   weights: dict[frozenset[str], float], best: dict[str, tuple[float, Unit]]) -> dict[str, list[float]]:
        """LIST_FEATURES of each agency's best sentence: what it and the agency's passages cover of the question,
        and how it stands among the other agencies' best, by this answerer's score and by the reader's ranker (its
        best score in the agency's passages)."""
        if not best:
            return {}
        ranked = self.sentence_scores(question, passages, intent)
        rarest = max(weights, key=lambda c: weights[c])  # the question's rarest idea: what the list is about
        top_score = max(s for s, _ in best.values()) or 1.0
        top_coverage = max(_coverage(u, weights) for _, u in best.values()) or 1.0
        top_passage = max(p.score for p in passages) or 1.0
        english = float(is_english(question))
        said: dict[str, set[str]] = {}
        ranker_best: dict[str, float] = {}  # an agency none of whose sentences the reader ranks: far below
        passage_best: dict[str, float] = {}  # the agency's best retrieval score
        for unit in units:
            said.setdefault(unit.passage.chunk.agency, set()).update(unit.stems)
        for passage in passages:
            agency = passage.chunk.agency
            ranker_best[agency] = max(ranker_best.get(agency, -math.inf), ranked.get(id(passage), -math.inf))
            passage_best[agency] = max(passage_best.get(agency, -math.inf), passage.score)
        top_ranked = max(ranker_best[agency] for agency in best)
        rows: dict[str, list[float]] = {}
        for agency, (score, unit) in best.items():
            coverage = _coverage(unit, weights)
            row = {
                "coverage": coverage,
                "relative": score / top_score,
                "coverage_relative": coverage / top_coverage,
                "window": coverage + max((_gain(n, unit, weights) for n in _neighbours(unit, units) if n is not None),
                                         default=0.0),
                "rarest": float(not rarest.isdisjoint(unit.stems)),
                "inverse_rank": 1.0 / unit.passage.rank,
                "ideas": len(weights) / 10,
                "english": english,
                "agency_coverage": _share(said[agency], weights),
                "agency_rarest": float(not rarest.isdisjoint(said[agency])),
                "passage_score": passage_best[agency] / top_passage,
                "matched": float(sum(not c.isdisjoint(unit.stems) for c in weights)),
                "ranker_margin": max(-5.0, ranker_best[agency] - top_ranked) if top_ranked > -math.inf else 0.0,
            }
            rows[agency] = [row[name] for name in LIST_FEATURES]
        return rows

    def _question_weights(self, question: str, intent: Intent) -> dict[frozenset[str], float]:
        """Each idea of the question with its weight: the idf of its rarest alternative in the index.
        An idea the index never mentions, or a light verb ("use", "gebruiken"), weighs half an average idea:
        it lowers the coverage of every sentence alike, without drowning the rest."""
        concepts = self.analyzer.concepts(question)
        if intent.kind in ("compare", "list"):
            generic = set(self.analyzer.tokens(" ".join(_GENERIC_FOR_LISTS)))
            concepts = [c for c in concepts if not c.own <= generic]
        return weigh(concepts, self.analyzer, self.idf, self.df)

    def _score(self, unit: Unit, weights: dict[frozenset[str], float], intent: Intent, question: str,
               neighbours: tuple[Unit | None, Unit | None] = (None, None)) -> float:
        """Coverage of the question, plus half of what the sentence before or after adds (an answer
        often spans two sentences), plus a little for the passage's retrieval score."""
        score = _coverage(unit, weights) + 0.1 * unit.passage.score
        # A sentence naming several ways of saying what is asked ("bevragingen, enquêtes, peilingen")
        # is more about it than one that names one: a little extra per further stem, at most 0.15.
        extra = sum(max(0, len(c & unit.stems) - 1) for c in weights if len(c) > 1)
        score += min(0.05 * extra, 0.15)
        gains = [_gain(n, unit, weights) for n in neighbours if n is not None and not n.bullet]
        score += 0.5 * max(gains, default=0.0)
        if intent.wants == "name" and _has_new_name(unit, question):
            score += 0.1
        if unit.passage.chunk.section == "question":
            score -= 0.3  # a question restates, it does not answer
        return score

    def _text_coverage(self, text: str, weights: dict[frozenset[str], float]) -> float:
        return _share(set(self.analyzer.tokens(text)), weights)

    def _expand(self, best: Unit, units: list[Unit], weights: dict[frozenset[str], float]) -> list[Unit]:
        """The best unit with the neighbours that add to it: the sentence before or after that covers
        more of the question, and the bullets a sentence ending in ":" introduces."""
        same = [u for u in units if u.passage is best.passage]
        if best.bullet and best.lead and self._text_coverage(best.lead, weights) >= \
                self._text_coverage(best.text, weights):
            lead = [u for u in same if not u.bullet and u.text == best.lead]
            own = self._text_coverage(f"{best.lead} {best.text}", weights) - self._text_coverage(best.lead, weights)
            if own > 0:  # the row or bullet adds what the question asks: that one, under its header
                return lead + [best] if lead else [best]
            # The question is about what the list is about ("de voornaamste punten zijn:"): the whole list.
            siblings = [u for u in same if u.bullet and u.lead == best.lead]
            return (lead + siblings)[:MAX_BULLETS + 1]
        chosen = [best]
        covered = set(best.stems)
        for step in (-1, 1):
            i = best.position + step
            if 0 <= i < len(same) and not same[i].bullet:
                gain = _share(same[i].stems, weights, besides=covered)
                anaphor = step == 1 and _ANAPHOR.match(same[i].text) and gain > 0
                if gain >= NEIGHBOUR_GAIN or anaphor:
                    chosen.append(same[i])
                    covered |= same[i].stems
        chosen = _leaning_back(chosen, same)
        last = chosen[-1]
        if last.text.endswith(":"):
            following = [u for u in same[last.position + 1:] if u.bullet and u.lead == last.text]
            chosen.extend(following[:MAX_BULLETS])
        return chosen

    def _unsaid(self, unit: Unit, weights: dict[frozenset[str], float], question: str) -> str:
        """" (deze passage noemt «methode» niet)": the question's weightiest words the unit does not cover."""
        words = {c.stems: c.word for c in self.analyzer.concepts(question) if c.word}
        missing = sorted((w, stems) for stems, w in weights.items() if stems.isdisjoint(unit.stems) and stems in words)
        named = [f"«{words[stems]}»" for _, stems in reversed(missing[-2:])]
        return f" (deze passage noemt {' en '.join(named)} niet)" if named else ""

    def _second_passage(self, first: Unit, units: list[Unit], weights: dict[frozenset[str], float],
                        intent: Intent, question: str) -> list[Unit]:
        """For a comparison, the agency's best sentence from another passage when it covers the question
        about as well: an agency often measures in more than one way."""
        others = [u for u in units if u.passage.chunk.agency == first.passage.chunk.agency
                  and u.passage is not first.passage and u.passage.chunk.section != "question"]
        if not others:
            return []
        best = max(others, key=lambda u: self._score(u, weights, intent, question, _neighbours(u, units)))
        if _coverage(best, weights) < max(MIN_COVERAGE, 0.8 * _coverage(first, weights)):
            return []
        return _leaning_back([best], [u for u in units if u.passage is best.passage])

    def _per_agency(self, question: str, passages: list[Passage], units: list[Unit],
                    weights: dict[frozenset[str], float], intent: Intent) -> Answer:
        """One cited line per agency: for "compare", every agency the passages cover; for "which
        agencies", those whose passages answer."""
        best = self.best_per_agency(question, passages, intent, units, weights)
        if not best:
            return abstain(question, passages, "Geen passage gaat over wat gevraagd wordt.")
        lines: list[str] = []
        rows: list[dict[str, object]] = []
        chosen: list[Unit] = []
        for found in best:
            unit = found.unit
            coverage = _coverage(unit, weights)
            if intent.kind == "list" and not self.model.names(found.row):
                continue
            note = ""
            if intent.kind == "compare" and coverage < MIN_COVERAGE / 2:
                if coverage == 0:
                    continue
                # Asked to compare every agency: one whose passages are on the subject but miss the question's
                # main word still gets its line, marked, rather than silently left out.
                note = self._unsaid(unit, weights, question)
            units_for_line = self._expand(unit, units, weights)
            if intent.kind == "compare":
                units_for_line += self._second_passage(unit, units, weights, intent, question)
            chosen.extend(units_for_line)
            rendered = render_units(units_for_line)
            lines.append(f"- {unit.passage.chunk.agency_label}: {rendered}{note}")
            rows.append({
                "agency": unit.passage.chunk.agency,
                "agency_short": unit.passage.chunk.agency_short,
                "method": rendered + note,  # the table of the export shows the mark too
                "key_figure": _key_figure(units_for_line),
                "citations": sorted({u.passage.rank for u in units_for_line}),
            })
        if not lines:
            return abstain(question, passages, "Geen passage gaat over wat gevraagd wordt.")
        answer = answer_from(question, passages, "\n".join(lines), chosen)
        return replace(answer, comparison=tuple(rows))


def _leaning_back(chosen: list[Unit], same: list[Unit]) -> list[Unit]:
    """The chosen sentences of a passage (`same`, in order), with those their first one leans on ("Ook dit is ...",
    "Die feedback ...", "Bij lokale besturen wordt ook ..."), up to ANAPHOR_BACK back: quoted alone, "dit" would
    point at nothing, and "ook" would add to nothing."""
    chosen = list(chosen)
    first = min(chosen, key=lambda u: u.position)
    for _ in range(ANAPHOR_BACK):
        i = first.position - 1
        if i < 0 or same[i].bullet or same[i] in chosen or not (_ANAPHOR.match(first.text) or _ALSO.match(first.text)):
            break
        first = same[i]
        chosen.append(first)
    return sorted(chosen, key=lambda u: u.position)


def _share(stems: set[str], weights: dict[frozenset[str], float],
           besides: set[str] | frozenset[str] = frozenset()) -> float:
    """The share of the question's weight that `stems` cover, counting no idea `besides` covers already."""
    total = sum(weights.values()) or 1.0
    return sum(w for c, w in weights.items() if not c.isdisjoint(stems) and c.isdisjoint(besides)) / total


def _coverage(unit: Unit, weights: dict[frozenset[str], float]) -> float:
    return _share(unit.stems, weights)


def _gain(other: Unit, unit: Unit, weights: dict[frozenset[str], float]) -> float:
    """The share of the question that `other` covers and `unit` does not."""
    return _share(other.stems, weights, besides=unit.stems)


def _neighbours(unit: Unit, units: list[Unit]) -> tuple[Unit | None, Unit | None]:
    same = [u for u in units if u.passage is unit.passage]
    i = same.index(unit)
    return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)


def _has_new_name(unit: Unit, question: str) -> bool:
    """A capitalised word or acronym inside the sentence (not its first word) that the question lacks."""
    asked = set(words(question))
    names = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-ZÀ-Ý][\w&-]+", unit.text)
    return any(fold(name) not in asked for name in names)


def _key_figure(units: list[Unit]) -> str:
    """The first percentage, amount or number with its [n], as a comparison table's key figure."""
    for unit in units:
        match = _FIGURE.search(unit.text)
        if match:
            return f"{match.group(0)} [{unit.passage.rank}]"
    return ""


def _context(passage: Passage) -> str:
    """Who a sentence speaks for: the document's agency. (Not the title: a title says "meting" on every
    sentence of a document about measuring, and would make each one look like an answer.)"""
    chunk = passage.chunk
    return f"{chunk.agency} {chunk.agency_short}"


def _haystack(passage: Passage) -> str:
    chunk = passage.chunk
    return f"{chunk.title}\n{chunk.agency}\n{chunk.agency_short}\n{chunk.text}"
