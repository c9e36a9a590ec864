"""Follow-up questions: what the user meant, given the conversation so far. Pure functions.

The subject of a conversation is the agency its last question was about. A follow-up keeps it:

    "Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?"
    "En Kind en Gezin?"          -> "Hoe meet Kind en Gezin de klanttevredenheid?"   (new agency, same question)
    "Hoeveel respondenten waren er?" -> "Hoeveel respondenten waren er bij Kind en Gezin?" (same agency)

A question that names an agency or organisation of its own, or asks across agencies ("Vergelijk ...",
"Welke agentschappen ..."), starts afresh. The chat shows the question as searched, so the user sees
what was carried over.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..answer.question import analyze_question
from ..search.text import fold
from ..types import Answer

# "En Kind en Gezin?", "Wat met ABB?", "And WSE?": the rest of the question is the new subject.
_SWITCH = re.compile(
    r"^\s*(?:en(?:\s+(?:wat\s+met|hoe\s+zit\s+het\s+met|bij|voor|van))?|wat\s+met|hoe\s+zit\s+het\s+met|"
    r"and(?:\s+(?:for|at))?|what\s+about|how\s+about)\s+(?P<subject>.+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# "dit agentschap", "het departement": words that point back at the agency of the last question.
_POINTER = re.compile(r"\b(?:dit|dat|het|deze|die|hetzelfde|datzelfde)\s+(?:agentschap|departement|entiteit)\b"
                      r"|\bthat agency\b|\bthis agency\b|\bthe agency\b", re.IGNORECASE)
# A follow-up that leans on the last question is a question: a question mark, or a question word or verb first.
_ASKS = re.compile(r"\?\s*$|^\s*(?:wat|welk|welke|wie|hoe|hoeveel|wanneer|waarom|waar|is|zijn|was|waren|wordt|worden|"
                   r"werd|werden|kan|kunnen|heeft|hebben|gebruikt|gebruiken|meet|meten|what|which|who|how|when|why|"
                   r"where|is|are|was|were|does|do|did|can|has|have)\b", re.IGNORECASE)
_ORGANISATION_WORD = re.compile(r"^(agentschap|departement|het|de)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Turn:
    """One exchange: what was typed, what was searched, and the answer."""

    question: str
    answer: Answer

    @property
    def searched(self) -> str:
        return self.answer.searched or self.answer.question or self.question


@dataclass(frozen=True)
class Mention:
    """Where an agency is named in a text: [start, end) including a leading article, and its full name."""

    agency: str
    start: int
    end: int


def agency_aliases(agencies: Mapping[str, str]) -> dict[str, str]:
    """Folded names -> full agency name: the full name, the short form, and the full name without a
    leading "Agentschap"/"Departement" when two words or more remain ("Integratie en Inburgering")."""
    aliases: dict[str, str] = {}
    for full, short in agencies.items():
        names = [full, short]
        bare = _ORGANISATION_WORD.sub("", full)
        if bare != full and len(bare.split()) >= 2:
            names.append(bare)
        for name in names:
            if name and len(name) >= 2:
                aliases.setdefault(fold(name), full)
    return aliases


def find_agency(text: str, agencies: Mapping[str, str]) -> Mention | None:
    """The first agency named in `text` (longest name first where two start at the same place)."""
    folded = fold(text)
    if len(folded) != len(text):  # folding changed the length: positions would not line up
        folded = text.lower()
    best: Mention | None = None
    for alias, full in sorted(agency_aliases(agencies).items(), key=lambda kv: -len(kv[0])):
        for match in re.finditer(rf"(?<![\w&]){re.escape(alias)}(?![\w&])", folded):
            start = match.start()
            article = re.search(r"(?:\b(?:het|de)\s+)$", folded[:start])
            if article:
                start = article.start()
            if best is None or start < best.start:
                best = Mention(full, start, match.end())
            break
    return best


def with_article(agency: str) -> str:
    """ "het Agentschap ..." and "het Departement ...", other names as they are ("Kind en Gezin")."""
    return f"het {agency}" if re.match(r"(agentschap|departement)\b", agency, re.IGNORECASE) else agency


def resolve_followup(question: str, history: Sequence[Turn], agencies: Mapping[str, str],
                     filtered_agencies: Sequence[str] = ()) -> str:
    """The question to search for: `question` itself, or with the conversation's subject filled in."""
    question = question.strip()
    if not history or not question:
        return question
    previous = history[-1].searched
    subject = find_agency(previous, agencies)
    if filtered_agencies and subject and subject.agency not in filtered_agencies:
        subject = None  # the filter names other agencies: carrying this one over would contradict it

    switch = _SWITCH.match(question)
    if switch:
        new = switch.group("subject").strip()
        mention = find_agency(new, agencies)
        if mention is not None or _is_name(new):  # another agency, same question
            name = with_article(mention.agency) if mention else new
            if subject is not None:
                return previous[:subject.start] + name + previous[subject.end:]
            return f"{_without_end(previous)} bij {name}?"
        topic = f"{new[0].upper()}{new[1:]}"  # another topic ("En de kosten?"), same agency
        if subject is not None:
            return f"{_without_end(topic)} bij {with_article(subject.agency)}?"
        return f"{_without_end(topic)}: {previous}"

    if subject is None or find_agency(question, agencies) is not None:
        return question
    intent = analyze_question(question)
    if intent.kind != "single" or intent.names:
        return question  # across agencies, or about an organisation of its own
    agency = with_article(subject.agency)
    pointer = _POINTER.search(question)
    if not pointer and not _ASKS.search(question):
        return question  # a search of its own ("budget digitalisering"), not a question that leans on the last one
    if pointer:
        return question[:pointer.start()] + agency + question[pointer.end():]
    return f"{_without_end(question)} bij {agency}?"


def _without_end(text: str) -> str:
    return text.strip().rstrip("?.! ").rstrip()


def _is_name(text: str) -> bool:
    return bool(text) and (text[0].isupper() or any(c.isupper() for c in text[1:]))
