"""Passages -> a cited Answer.

The default answerer is extractive: no generative model can run here, so the answer is made of the
passages' own sentences, each followed by [n], the number of the passage it stands in. It abstains
when no passage answers: a name in the question that no passage mentions, a number, amount or date
asked for that the matching passages don't give, or no sentence that covers enough of the question.
A generative model plugs in behind the same `Answerer` interface.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from ..search.glossary import ENGLISH_TO_DUTCH
from ..search.text import Analyzer, fold, words
from ..types import Answer, Citation, Passage
from .citations import parse_citations
from .question import Intent, analyze_question, name_is_mentioned

log = logging.getLogger(__name__)

__all__ = ["Answerer", "ExtractiveAnswerer", "NOT_ANSWERED", "Unit", "parse_citations", "split_units"]

NOT_ANSWERED = "De documenten beantwoorden deze vraag niet."

# Share of the question's weight (idf of its stems) a sentence must cover to count as an answer.
# 0.35: "Hoeveel inburgeraars werden aangeschreven?" needs about two of its four content words.
MIN_COVERAGE = 0.35
# In a list across agencies, an agency is named when its best sentence covers this share ...
LIST_COVERAGE = 0.4
# ... and at least this share of the best agency's score.
LIST_RELATIVE = 0.6
# A neighbouring sentence joins the answer when it adds this share of the question's weight.
NEIGHBOUR_GAIN = 0.1
MAX_BULLETS = 8
ANAPHOR_BACK = 2  # sentences an answer reaches back for what its first sentence refers to
# A question hinges on its most specific word when that word carries this share of its weight:
# "Wat is de responsgraad van de bevraging?" is about the response rate, not about surveys.
CORE_SHARE = 0.35
# Further passages an explanation ("Hoe meet ...?") may draw on besides its best one.
MORE_WAYS = 2
# "12 interne “Heerlijk Helder” leerinitiatieven": the counted word may follow its number by four words.
COUNT_WINDOW = 4

_BULLET = re.compile(r"\s*[•\uf0b7▪◦●]\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9])")
_ITEM_LABEL = re.compile(r"^(?:\d{1,2}(?:-\d{1,2})?\.\s*)?(?:[a-z](?:-[a-z])?\)\s*)?")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_MONTH = re.compile(r"\b(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
                    r"december|january|february|march|may|june|july|august|october)\b", re.I)
_NUMBER = re.compile(r"\d")
_FREQUENCY = re.compile(r"\b(\w*lijks\w*|permanent\w*|continu\w*|telkens|elke|iedere|na elk\w*|"
                        r"(keer|maal) per|per (dag|week|maand|kwartaal|jaar)|om de \w+)\b", re.I)
_MONEY = re.compile(r"€|\beuro\b|\bEUR\b", re.I)
_FIGURE = re.compile(r"(?:€\s*)?\d+(?:[.,]\d+)*\s*(?:%|procent|euro)?")
# Words of a list or comparison question that name the things compared, not what is asked about them.
_GENERIC_FOR_LISTS = ("agentschap", "agentschappen", "departement", "departementen", "entiteit", "entiteiten",
                      "organisatie", "organisaties", "verschillende", "diensten", "agency", "agencies",
                      "department", "departments", "different", "vergelijk", "vergelijking", "vergelijken",
                      "compare", "comparison", "verschil", "verschillen", "elk", "elke", "each", "alle")
# Verbs that say little of what a question is about ("Which agencies use web surveys?"): however rare in the
# documents, they weigh half an average idea, so a sentence that only shares the verb and a broader word
# ("gebruikt ... enquêtes") does not pass for one about the subject.
_LIGHT_VERBS = ("gebruiken", "gebruikt", "gebruik", "hanteren", "hanteert", "toepassen", "past", "inzetten",
                "zet", "doen", "doet", "maken", "maakt", "hebben", "heeft", "use", "uses", "using", "used",
                "apply", "applies", "employ", "employs", "do", "does", "make", "makes", "have", "has")
_ANAPHOR = re.compile(r"^(deze|dit|die|dat|daarbij|hierbij|daarnaast|bovendien|ook|zo|er)\b", re.I)


class Answerer(Protocol):
    """Anything that turns a question and numbered passages into an Answer."""

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer: ...


@dataclass
class Unit:
    """A sentence, bullet or table row of a passage, with the line that introduces it."""

    text: str
    passage: Passage
    position: int
    lead: str = ""
    bullet: bool = False
    stems: set[str] = field(default_factory=set)


def split_units(passage: Passage) -> list[Unit]:
    """A passage's sentences; bullets and table rows keep the line that introduces them as `lead`."""
    chunk = passage.chunk
    text = _ITEM_LABEL.sub("", chunk.text, count=1)
    if chunk.metadata.get("table"):
        return _table_units(passage, text)
    units: list[Unit] = []
    lead = ""
    for i, segment in enumerate(_BULLET.split(text)):
        sentences = [s.strip() for s in _SENTENCE_END.split(segment) if s.strip()]
        for j, sentence in enumerate(sentences):
            units.append(Unit(sentence, passage, len(units), lead=lead if (i and j == 0) else "",
                              bullet=bool(i and j == 0)))
        if sentences and sentences[-1].endswith(":"):
            lead = sentences[-1]
        elif sentences and not i:
            lead = ""
    return units


def _table_units(passage: Passage, text: str) -> list[Unit]:
    """Rows of a table chunk: lines gathered until one ends in numbers; the lines before the first
    row are the header, the lead of every row."""
    from ..ingest.chunk import _is_numeric_row  # the chunker's own notion of a row

    lines = [line.strip() for line in text.split("\n") if line.strip()]
    header: list[str] = []
    rows: list[str] = []
    pending: list[str] = []
    for line in lines:
        pending.append(line)
        if _is_numeric_row(line):
            rows.append(" ".join(pending))
            pending = []
        elif not rows:
            header.append(line)
            pending = []
    lead = " ".join(header)
    return [Unit(row, passage, i, lead=lead, bullet=True) for i, row in enumerate(rows)]


class ExtractiveAnswerer:
    """Answers with the passages' own sentences; needs the analyzer and idf of the index it reads."""

    def __init__(self, analyzer: Analyzer, idf: Callable[[str], float], df: Callable[[str], int]) -> None:
        self.analyzer = analyzer
        self.idf = idf
        self.df = df

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent | None = None) -> Answer:
        intent = intent or analyze_question(question)
        passages = list(passages)
        if not passages:
            return _abstain(question, passages, "Er zijn geen passages gevonden.")
        mentions = {p.chunk.id: {n for n in intent.names if name_is_mentioned(n, _haystack(p))} for p in passages}
        missing = [n for n in intent.names if not any(n in named for named in mentions.values())]
        if missing:
            return _abstain(question, passages, f"Geen enkele passage noemt {', '.join(missing)}.")
        weights = self._question_weights(question, intent)
        if not weights:
            return _abstain(question, passages, "De vraag bevat geen woorden om op te zoeken.")
        units = [u for p in passages for u in split_units(p)]
        context = {p.chunk.id: set(self.analyzer.tokens(_context(p))) for p in passages}
        for unit in units:
            # "70%" says "procent" as much as the word does.
            said = f"{unit.lead} {unit.text}".replace("%", " procent ")
            unit.stems = set(self.analyzer.tokens(said)) | context[unit.passage.chunk.id]
        if intent.kind in ("compare", "list"):
            return self._per_agency(question, passages, units, weights, intent)
        if not intent.about_question:
            # The question side of a document says what a member asked, not what is so.
            units = [u for u in units if u.passage.chunk.section != "question"] or units
        # A question that names an organisation or a person is answered from passages about it: another
        # agency's respondents are no answer to a question about WSE's.
        candidates = [u for u in units if len(mentions[u.passage.chunk.id]) == len(intent.names)]
        scored = [(self._score(u, weights, intent, question, _neighbours(u, units)), u)
                  for u in candidates if _fits(u, intent) and self._counts(u, intent)]
        if not scored:
            what = {"amount": "geen bedrag", "date": "geen datum",
                    "number": f"geen aantal {intent.counted}".rstrip()}.get(intent.wants, "niets")
            about = " en ".join(intent.names) if intent.names else "dit onderwerp"
            return _abstain(question, passages, f"De passages over {about} geven {what}.")
        scored.sort(key=lambda su: (-su[0], su[1].passage.rank, su[1].position))
        score, best = scored[0]
        if _window_coverage(best, units, weights) < MIN_COVERAGE:
            return _abstain(question, passages, "Geen passage gaat over wat gevraagd wordt.")
        missing = self._missing_core(best, units, weights, intent, question)
        if missing:
            return _abstain(question, passages, f"Geen passage zegt iets over «{missing}».")
        chosen = self._expand(best, units, weights)
        if intent.wants == "" and intent.kind == "single":
            chosen += self._more_ways(best, scored, units, weights)
        prefix = ""
        if intent.asks_agency and best.passage.chunk.agency:
            prefix = f"{_agency_label(best.passage)}: "
        text = prefix + _render(chosen)
        return _answer(question, passages, text, chosen)

    # -- scoring ---------------------------------------------------------------------------------

    def _question_weights(self, question: str, intent: Intent) -> dict[frozenset[str], float]:
        """Each idea of the question with its weight: the idf of its rarest alternative in the index.
        An idea the index never mentions, or a light verb ("use", "gebruiken"), weighs half an average idea:
        it lowers the coverage of every sentence alike, without drowning the rest."""
        concepts = self.analyzer.concepts(question)
        if intent.kind in ("compare", "list"):
            generic = set(self.analyzer.tokens(" ".join(_GENERIC_FOR_LISTS)))
            concepts = [c for c in concepts if not c.own <= generic]
        light_stems = set(self.analyzer.tokens(" ".join(_LIGHT_VERBS)))
        weights: dict[frozenset[str], float] = {}
        light: set[frozenset[str]] = set()
        for concept in concepts:
            # The word's own rarity decides its weight; a synonym only widens what counts as a match.
            known = [t for t in concept.own if self.df(t)] or [t for t in concept.stems if self.df(t)]
            weights[concept.stems] = min(self.idf(t) for t in known) if known else -1.0
            if concept.own and concept.own <= light_stems:
                light.add(concept.stems)
        seen = [w for c, w in weights.items() if w >= 0 and c not in light]
        half = 0.5 * (sum(seen) / len(seen)) if seen else 1.0
        return {c: (half if w < 0 or (c in light and seen) else w) for c, w in weights.items()}

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
        # A sentence that leans on the one before ("Ook dit is ...", "Die feedback ...") brings it along, up to two
        # back: quoted alone, "dit" would point at nothing.
        first = min(chosen, key=lambda u: u.position)
        for _ in range(ANAPHOR_BACK):
            i = first.position - 1
            if i < 0 or same[i].bullet or same[i] in chosen or not _ANAPHOR.match(first.text):
                break
            first = same[i]
            chosen.append(first)
        chosen.sort(key=lambda u: u.position)
        last = chosen[-1]
        if last.text.endswith(":"):
            following = [u for u in same[last.position + 1:] if u.bullet and u.lead == last.text]
            chosen.extend(following[:MAX_BULLETS])
        return chosen

    def _missing_core(self, best: Unit, units: list[Unit], weights: dict[frozenset[str], float],
                      intent: Intent, question: str) -> str:
        """The word the answer cannot do without, when the best sentence and its neighbours lack it: what
        "Welke X" asks for ("software"), and the question's most specific word that the index knows
        ("responsgraad" of "Wat is de responsgraad ...?"). A sentence without it answers another question."""
        # The passage the sentence stands in: a passage is one item of an answer, about one thing.
        window = set().union(*(u.stems for u in units if u.passage is best.passage))
        if intent.head:
            head = [c for c in self.analyzer.concepts(intent.head)]
            if head and all(c.stems.isdisjoint(window) for c in head):
                return intent.head
        concepts = {c.stems: c for c in self.analyzer.concepts(question)}
        # Only a word the index itself has can be required: an English word is matched through its
        # translations, which may say the same thing in other words.
        known = [(w, stems) for stems, w in weights.items()
                 if stems in concepts and concepts[stems].word not in ENGLISH_TO_DUTCH
                 and any(self.df(t) for t in stems)]
        if known:
            weight, stems = max(known, key=lambda ws: ws[0])
            # Only a word the question hinges on: a third of its weight or more.
            if weight >= CORE_SHARE * sum(weights.values()) and stems.isdisjoint(window):
                return concepts[stems].word if stems in concepts else ""
        return ""

    def _unsaid(self, unit: Unit, weights: dict[frozenset[str], float], question: str) -> str:
        """" (deze passage noemt «methode» niet)": the question's weightiest words the unit does not cover."""
        words = {c.stems: c.word for c in self.analyzer.concepts(question) if c.word}
        missing = sorted((w, stems) for stems, w in weights.items() if stems.isdisjoint(unit.stems) and stems in words)
        named = [f"«{words[stems]}»" for _, stems in reversed(missing[-2:])]
        return f" (deze passage noemt {' en '.join(named)} niet)" if named else ""

    def _counts(self, unit: Unit, intent: Intent) -> bool:
        """For "Hoeveel X ...?": a number in the sentence counts X when X follows it within a few words
        ("180 experten"), or X stands before it in a clause that introduces it ("medewerkers: 1.203"),
        or in the line that introduces the sentence. A number beside other things counts those."""
        if not intent.counted:
            return True
        wanted = set(self.analyzer.tokens(intent.counted))
        for word in words(intent.counted):
            for english in ENGLISH_TO_DUTCH.get(word, ()):
                wanted |= set(self.analyzer.tokens(english))
        if words(intent.counted)[:1] in (["procent"], ["percent"], ["percentage"]):
            return "%" in unit.text or "procent" in fold(unit.text)
        if not wanted or not wanted.isdisjoint(self.analyzer.tokens(unit.lead)):
            return True
        for match in re.finditer(r"\d+(?:[.,]\d+)*\s*%?", unit.text):
            after = " ".join(unit.text[match.end():].split()[:COUNT_WINDOW])
            clause = unit.text[:match.start()].rstrip()
            before = clause.rsplit(".", 1)[-1] if clause.endswith(":") else ""
            if not wanted.isdisjoint(self.analyzer.tokens(after)) or \
                    not wanted.isdisjoint(self.analyzer.tokens(before)):
                return True
        return False

    def _more_ways(self, best: Unit, scored: list[tuple[float, Unit]], units: list[Unit],
                   weights: dict[frozenset[str], float]) -> list[Unit]:
        """For a "how" or "what" question, up to MORE_WAYS further sentences from other passages that
        answer as fully: "Hoe meet X ...?" often has several answers, each in its own passage."""
        floor = max(MIN_COVERAGE, 0.9 * _window_coverage(best, units, weights))
        used = {best.passage.chunk.id}
        more: list[Unit] = []
        for _, unit in scored[1:]:
            if len(more) >= MORE_WAYS:
                break
            if unit.passage.chunk.id in used or unit.passage.chunk.section == "question" \
                    or unit.passage.chunk.agency != best.passage.chunk.agency:
                continue
            if _coverage(unit, weights) >= floor:
                more.append(unit)
                used.add(unit.passage.chunk.id)
        return more

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
        return [best]

    def _per_agency(self, question: str, passages: list[Passage], units: list[Unit],
                    weights: dict[frozenset[str], float], intent: Intent) -> Answer:
        """One cited line per agency: for "compare", every agency the passages cover; for "which
        agencies", those whose passages answer."""
        best: dict[str, tuple[float, Unit]] = {}
        for unit in units:
            agency = unit.passage.chunk.agency
            if not agency or unit.passage.chunk.section == "question":
                continue
            score = self._score(unit, weights, intent, question, _neighbours(unit, units))
            if agency not in best or score > best[agency][0]:
                best[agency] = (score, unit)
        if not best:
            return _abstain(question, passages, "Geen passage gaat over wat gevraagd wordt.")
        top = max(s for s, _ in best.values())
        lines: list[str] = []
        rows: list[dict[str, object]] = []
        chosen: list[Unit] = []
        for score, unit in sorted(best.values(), key=lambda su: su[1].passage.rank):
            coverage = _coverage(unit, weights)
            if intent.kind == "list" and (coverage < LIST_COVERAGE or score < LIST_RELATIVE * top):
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
            rendered = _render(units_for_line)
            lines.append(f"- {_agency_label(unit.passage)}: {rendered}{note}")
            rows.append({
                "agency": unit.passage.chunk.agency,
                "agency_short": unit.passage.chunk.agency_short,
                "method": rendered + note,  # the table of the export shows the mark too
                "key_figure": _key_figure(units_for_line),
                "citations": sorted({u.passage.rank for u in units_for_line}),
            })
        if not lines:
            return _abstain(question, passages, "Geen passage gaat over wat gevraagd wordt.")
        answer = _answer(question, passages, "\n".join(lines), chosen)
        return replace(answer, comparison=tuple(rows))


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


def _window_coverage(unit: Unit, units: list[Unit], weights: dict[frozenset[str], float]) -> float:
    """Coverage of the sentence together with the better of its two neighbours."""
    gains = [_gain(n, unit, weights) for n in _neighbours(unit, units) if n is not None and not n.bullet]
    return _coverage(unit, weights) + max(gains, default=0.0)


def _neighbours(unit: Unit, units: list[Unit]) -> tuple[Unit | None, Unit | None]:
    same = [u for u in units if u.passage is unit.passage]
    i = same.index(unit)
    return (same[i - 1] if i > 0 else None, same[i + 1] if i + 1 < len(same) else None)


def _fits(unit: Unit, intent: Intent) -> bool:
    """Does the sentence hold the kind of thing asked for (an amount, a date, a number)?"""
    text = unit.text if not unit.bullet else f"{unit.lead} {unit.text}"
    if intent.wants == "amount":
        return bool(_MONEY.search(text) and _NUMBER.search(text))
    if intent.wants == "date":
        return bool(_YEAR.search(text) or _MONTH.search(text))
    if intent.wants == "number":
        return bool(_NUMBER.search(unit.text))
    if intent.wants == "frequency":
        return bool(_FREQUENCY.search(text))
    return True


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


def _agency_label(passage: Passage) -> str:
    chunk = passage.chunk
    full, short = chunk.agency, chunk.agency_short
    return f"{full} ({short})" if short and short != full else full


def _render(units: list[Unit]) -> str:
    """Sentences of one passage run together and end in its [n]; a new passage starts a new group."""
    parts: list[str] = []
    group: list[str] = []
    current: Passage | None = None
    leads: set[str] = {u.text for u in units}

    def close() -> None:
        if group and current is not None:
            body = " ".join(group).rstrip(" .,;:")
            parts.append(f"{body} [{current.rank}].")
        group.clear()

    for unit in units:
        if current is not None and unit.passage is not current:
            close()
        current = unit.passage
        text = unit.text.rstrip(" ,;")
        if unit.bullet and unit.lead and unit.lead not in leads:
            text = f"{unit.lead} {text}" if unit.lead.endswith(":") else f"{unit.lead}: {text}"
            leads.add(unit.lead)
        if group and unit.bullet and group[-1].endswith(":"):
            group.append(text)
        elif group and unit.bullet:
            group[-1] = group[-1].rstrip(" .") + ";"
            group.append(text)
        else:
            group.append(text)
    close()
    return " ".join(parts)


def _answer(question: str, passages: list[Passage], text: str, chosen: list[Unit]) -> Answer:
    cited: dict[int, Passage] = {}
    for unit in chosen:
        cited.setdefault(unit.passage.rank, unit.passage)
    citations = tuple(Citation(n, p) for n, p in sorted(cited.items()))
    return Answer(question=question, answered=True, text=text, citations=citations,
                  passages=tuple(passages), raw=text)


def _abstain(question: str, passages: list[Passage], reason: str) -> Answer:
    return Answer(question=question, answered=False, text=f"{NOT_ANSWERED} {reason}".strip(),
                  passages=tuple(passages), raw=reason)
