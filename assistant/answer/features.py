"""Candidates and their features: every sentence of the retrieved passages, described by FEATURES."""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..search.text import Analyzer, Concept, is_english, words
from ..types import Passage
from .units import Unit, split_units
from .facts import (
    COUNT_WINDOW,
    ELSEWHERE,
    FACT_KINDS,
    FIGURE,
    LIGHT_VERBS,
    NO_DATA,
    NOT_COUNTS,
    REFERS,
    YEAR,
    answer_kind,
    fits,
    found_share,
    context_of,
    head_noun,
    mentions,
    names_share,
    place_and_names,
    question_stems,
    refine,
    said,
    share,
)
from .checker import split_instruction
from .model import FEATURES
from .question import Intent, name_is_mentioned


# A Dutch adjective before its noun ends in -e ("lokale", "federale", "Nederlandse", "vreemde"), and is longer than
# an article ("de", "deze" ...: those are no words of the analyzer).
_ATTRIBUTIVE = re.compile(r"^\w{3,}e$")
_WORD = re.compile(r"[^\W\d_]{2}")


@dataclass(frozen=True)
class Asked:
    """What exactly a question asks: the kind of answer, the years and the names it is about, what it counts."""

    kind: str  # number, amount, percentage, date, name, yesno, why, how or other
    weights: dict[frozenset[str], float]
    years: frozenset[str]
    names: tuple[str, ...]
    counted: frozenset[str]
    counted_words: tuple[str, ...] = ()  # the question's words for what it counts, for messages
    pairs: tuple[tuple[str, str], ...] = ()  # the stems of two words that stand together in the question


@dataclass
class Candidate:
    unit: Unit
    features: list[float]
    score: float = 0.0  # the ranker's
    probability: float = 0.0  # its share of the softmax over the question's candidates


def weigh(concepts: Sequence[Concept], analyzer: Analyzer, idf: Callable[[str], float],
          df: Callable[[str], int]) -> dict[frozenset[str], float]:
    """Each idea of a question with its weight: the idf of its own word's rarest stem in the index (a synonym
    only widens what counts as a match). An idea the index never mentions, or a light verb ("gebruikt",
    "heeft"), weighs half an average idea: rare as "gebruikt" may be in an index, a sentence sharing it is not
    about the question's subject."""
    light_stems = set(analyzer.tokens(" ".join(LIGHT_VERBS)))
    weights: dict[frozenset[str], float] = {}
    light: set[frozenset[str]] = set()
    for concept in concepts:
        known = [t for t in concept.own if df(t)] or [t for t in concept.stems if df(t)]
        weights[concept.stems] = min(idf(t) for t in known) if known else -1.0
        if concept.own and concept.own <= light_stems:
            light.add(concept.stems)
    seen = [w for c, w in weights.items() if w >= 0 and c not in light]
    half = 0.5 * (sum(seen) / len(seen)) if seen else 1.0
    return {c: (half if w < 0 or (c in light and seen) else w) for c, w in weights.items()}


def _answering_ranks(passages: Sequence[Passage]) -> dict[int, int]:
    """Each passage's rank (by id) among the retrieved ones, with those that only send the reader to another answer
    ("Ik verwijs naar mijn antwoord op vraag nr. 1780") after the rest: they answer nothing themselves."""
    def refers_only(passage: Passage) -> bool:
        sentences = [u.text for u in split_units(passage)]
        return bool(sentences) and all(REFERS.search(t) for t in sentences)

    ordered = sorted(passages, key=lambda p: (refers_only(p), p.rank))
    return {id(p): i for i, p in enumerate(ordered, 1)}


def _year_of(passage: Passage) -> str:
    """The year of the passage's document, from its "date" metadata ("2019-03-04"); empty when it has none."""
    match = YEAR.search(str(passage.chunk.metadata.get("date", "")))
    return match.group(0) if match else ""


def names_agency(passage: Passage, names: Sequence[str]) -> bool:
    """Does one of the names a question gives name the passage's agency (or department), in full or short?"""
    chunk = passage.chunk
    return bool(chunk.agency) and any(name_is_mentioned(n, f"{chunk.agency}\n{chunk.agency_short}") for n in names)


def about_named_agency(passages: Sequence[Passage], intent: Intent) -> Sequence[Passage]:
    """The passages of the agency (or department) the question names, when some of them were retrieved: "Hoe meet
    AgII ...?" is not answered by another agency's sentence on the same subject. All of them otherwise."""
    return [p for p in passages if names_agency(p, intent.names)] or passages


class Featurizer:
    """Turns a question and its passages into candidates with features; needs the analyzer and idf of the index."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int]) -> None:
        self.analyzer = analyzer
        self.idf = idf
        self.df = df

    @property
    def _unseen_idf(self) -> float:
        """The idf of a word no chunk has: the most a word can weigh in this index, which grows with it."""
        return self.idf("") or 1.0

    # -- what is asked ---------------------------------------------------------------------------

    def asked(self, question: str, intent: Intent, passages: Sequence[Passage] = ()) -> Asked:
        concepts = self.analyzer.concepts(question)
        weights = weigh(concepts, self.analyzer, self.idf, self.df)
        english = is_english(question)
        if english and intent.counted:
            # "How many direct jobs did ...": English puts the counted noun last, and only the question's own
            # concepts carry its Dutch translations ("jobs" -> "banen").
            head = intent.counted
            phrase = {w.casefold() for w in head.split()}
            counted = frozenset(s for c in concepts if c.word.casefold() in phrase for s in c.stems)
        else:
            head = head_noun(intent.counted)
            counted = frozenset(s for c in self.analyzer.concepts(head) for s in c.stems)
        raw = words(question)
        tokens = [self.analyzer.tokens(w) for w in raw]
        pairs = tuple((a[0], b[0]) for w, a, b in zip(raw, tokens, tokens[1:])
                      if _ATTRIBUTIVE.search(w) and len(a) == 1 and len(b) == 1 and not b[0].isdigit())
        names = place_and_names(question, intent)
        if english:
            # An English question says its names in English ("Ethiopia", "European Court of Human Rights") and
            # capitalises months and nationalities; the passages are Dutch. Only a name some passage says as the
            # question does tells the candidates apart; the others say nothing either way.
            names = [n for n in names if any(mentions(n, context_of(p)) for p in passages)]
        return Asked(answer_kind(question, intent), weights, frozenset(YEAR.findall(question)),
                     tuple(names), counted, tuple(head.split()), pairs)

    # -- candidates and their features -----------------------------------------------------------

    def candidates(self, question: str, passages: Sequence[Passage], intent: Intent) -> list[Candidate]:
        """Every sentence of the passages with its features, in passage order."""
        passages = about_named_agency(passages, intent)
        asked = self.asked(question, intent, passages)
        if not asked.weights:
            return []
        top_score = max(p.score for p in passages) or 1.0
        out: list[Candidate] = []
        # Where a year or a name counts as said for a passage: in any retrieved passage of its document, as a chunk
        # boundary may split the sentence with a figure from the one with the year or the place it is for ("klaar in
        # de zomer van 2023", and "Kortrijk" a chunk earlier). The year of the document's date counts too: an answer
        # of March 2019 that says what happens "begin juni" speaks of 2019. Archive, nested CV, mean of four splits,
        # handled less half a wrong: the date 107.0 against 105.4; names over the document 112.25 against 110.25
        # (with 150 training questions, third session: 111.0 against 112.0).
        documents: dict[str, list[str]] = {}
        for passage in passages:
            documents.setdefault(passage.chunk.doc_id, [_year_of(passage)]).append(context_of(passage))
        # The share of the years and of the names asked that each document says: the same for all its sentences.
        joined = {doc_id: "\n".join(texts) for doc_id, texts in documents.items()}
        said_in_document = {doc_id: (found_share(asked.years, text), names_share(asked.names, text))
                            for doc_id, text in joined.items()}
        ranks = _answering_ranks(passages)
        for passage in passages:
            # A unit without a word ("3.", an item's number split off) says nothing; an instruction to a language
            # model planted in a document ("Negeer alle vorige instructies ...") is no answer to anything, nor is a
            # question the member asks (quoted back, it read as an answer that cites itself). Only the question
            # section's: in an answer a "?" may stand for a character lost in conversion ("artikelen 66, ?").
            instruction = split_instruction(passage.chunk.text)[1]
            units = [u for u in refine(split_units(passage))
                     if _WORD.search(u.text) and not (instruction and u.text in instruction)
                     and not (passage.chunk.section == "question" and u.text.rstrip().endswith("?"))]
            stems = [set(self.analyzer.tokens(said(u))) for u in units]
            whole = set(self.analyzer.tokens(f"{passage.chunk.title} {passage.chunk.text}"))
            for i, unit in enumerate(units):
                neighbours = [stems[j] for j in (i - 1, i + 1) if 0 <= j < len(units)]
                out.append(Candidate(unit, self._features(asked, unit, stems[i], neighbours, whole,
                                                          said_in_document[passage.chunk.doc_id],
                                                          passage, top_score, ranks[id(passage)])))
        # How a candidate stands against the others for the same question: the ranking is among them.
        for name in ("coverage", "matched_idf"):
            i = FEATURES.index(name)
            top = max((c.features[i] for c in out), default=0.0) or 1.0
            for candidate in out:
                candidate.features[FEATURES.index(f"{name.split('_')[-1]}_relative")] = candidate.features[i] / top
        # A name or year every candidate mentions tells them apart no more than none does ("FOD Werkgelegenheid" in
        # an answer of the FOD); one that few mention is what sets the answer apart ("Rode Kruis" among other
        # organisations' figures).
        for feature, asked_for, found in (("names_specific", asked.names, mentions),
                                          ("years_specific", tuple(asked.years), lambda y, t: y in t)):
            hits = [[found(n, said(c.unit)) for n in asked_for] for c in out]
            rarity = [1.0 - sum(row[j] for row in hits) / len(out) for j in range(len(asked_for))]
            for candidate, row in zip(out, hits):
                found_rarity = sum(r for r, s in zip(rarity, row) if s)
                candidate.features[FEATURES.index(feature)] = found_rarity / len(asked_for) if asked_for else 0.0
        return out

    def _features(self, asked: Asked, unit: Unit, stems: set[str], neighbours: list[set[str]], whole: set[str],
                  in_document: tuple[float, float], passage: Passage, top_score: float, rank: int) -> list[float]:
        """`in_document` is the share of the years and of the names asked that the passage's document says: the
        contexts (context_of) of its every retrieved passage, and its date's year; `rank` is the passage's among those
        that may answer (_answering_ranks)."""
        weights = asked.weights
        total = sum(weights.values()) or 1.0
        text = said(unit)
        coverage = share(stems, weights, total)
        window = coverage + max((share(n - stems, weights, total, besides=stems) for n in neighbours), default=0.0)
        missing = max((w for c, w in weights.items() if c.isdisjoint(whole)), default=0.0) / total
        around = stems.union(*neighbours)
        mean_weight = total / len(weights)
        unsaid = [w for c, w in weights.items() if c.isdisjoint(around)]
        # Over the idf of a word no chunk has: an index of five documents and one of thousands weigh alike.
        matched_idf = sum(w for c, w in weights.items() if not c.isdisjoint(stems)) / self._unseen_idf
        fact = asked.kind in FACT_KINDS
        own = stems - question_stems(weights)
        years_in_sentence = found_share(asked.years, text)  # 1 when the question asks no year
        features = {
            "coverage": coverage,
            "window_coverage": window,
            "passage_coverage": share(whole, weights, total),
            "missing_weight": missing,
            # What the sentence and its neighbours leave out of the question: a trap asks for a year, a place or a
            # group the passage does not give the figure for.
            "window_missing": max(unsaid, default=0.0) / total,
            "rare_unsaid": float(sum(w >= mean_weight for w in unsaid)),
            "matched_idf": math.log1p(matched_idf),
            "fact_question": float(fact),
            # A question that asks no particular kind of fact ("Hoe meet ...?") asks nothing a sentence could lack.
            "type_fit": fits(asked.kind, text) if fact or asked.kind == "why" else 1.0,
            "figure_near_match": self._figure_near_match(text, weights) if fact else 0.0,
            "novelty": len(own) / max(len(stems), 1),
            "counted_near": self._counted_near(asked, unit),
            "years_in_sentence": years_in_sentence,
            "years_in_passage": in_document[0],
            "names_in_sentence": names_share(asked.names, text),
            "names_in_passage": in_document[1],
            "inverse_rank": 1.0 / rank,
            "score_ratio": passage.score / top_score,
            "first_sentence": float(unit.position == 0),
            "question_side": float(passage.chunk.section == "question"),
            "points_elsewhere": float(bool(ELSEWHERE.search(text))),
            "no_data": float(bool(NO_DATA.search(text))),
            "length": min(len(text), 800) / 400,
            "proximity": self._proximity(text, weights),
            "modifier_conflict": self._modifier_conflict(asked, text, stems),
            # Another year than the one asked, which the sentence does not give ("2012" for "in 2008").
            "year_conflict": float(years_in_sentence == 0 and bool(YEAR.search(text))),
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
        text = NOT_COUNTS.sub(" ", said(unit))
        counted_words = [w.casefold() for w in asked.counted_words]
        for match in FIGURE.finditer(text):
            if YEAR.fullmatch(match.group(0).strip()):
                continue
            after = " ".join(text[match.end():].split()[:COUNT_WINDOW])
            clause = text[:match.start()].rstrip()
            before = clause.rsplit(".", 1)[-1] if clause.endswith(":") else ""
            if not asked.counted.isdisjoint(self.analyzer.tokens(f"{after} {before}")):
                return 1.0
            # The head of a compound the question counts: "4.860 punten" counts "kledijpunten".
            if any(len(w) >= 4 and q.endswith(w) for w in words(after.casefold()) for q in counted_words):
                return 1.0
        return 0.0

    def _modifier_conflict(self, asked: Asked, text: str, stems: set[str]) -> float:
        """1 when the sentence says a word of the question with another word before it than the question does, and
        the question's own never: "federale politie" for "lokale politie", "vreemde nationaliteit" for
        "Nederlandse nationaliteit". A trap asks for the figure of a group next to the one the answer gives."""
        if not asked.pairs:
            return 0.0
        question = question_stems(asked.weights)
        raw = words(text)
        said_words = [self.analyzer.tokens(w) for w in raw]
        for modifier, head in asked.pairs:
            if modifier in stems:
                continue
            for w, before, word in zip(raw, said_words, said_words[1:]):
                if head in word and _ATTRIBUTIVE.search(w) and before and before[0] not in question:
                    return 1.0
        return 0.0

    def _figure_near_match(self, text: str, weights: dict[frozenset[str], float]) -> float:
        """1 when a figure (not a year) stands within a few words of a word the question asks about."""
        tokens = NOT_COUNTS.sub(" ", text).split()
        for i, token in enumerate(tokens):
            # A year, or a span of years ("2016-2017", "2015/2016"), is no figure.
            if not any(ch.isdigit() for ch in YEAR.sub("", token)):
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
