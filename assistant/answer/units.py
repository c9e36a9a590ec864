"""Passages -> units (sentences, bullets, table rows), and units -> a cited Answer.

Every answerer quotes the passages' own units; `render_units` writes them with [n], the number of the
passage each stands in, and `answer_from` and `abstain` make the Answer.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..ingest.chunk import is_numeric_row
from ..search.text import split_sentences
from ..types import Answer, Citation, Passage
from .prompts import NOT_ANSWERED
from .question import Intent

_BULLET = re.compile(r"\s*[•\uf0b7▪◦●]\s*")
_ITEM_LABEL = re.compile(r"^(?:\d{1,2}(?:-\d{1,2})?\.\s*)?(?:[a-z](?:-[a-z])?\)\s*)?")


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
    if chunk.is_table:
        return _table_units(passage, text)
    units: list[Unit] = []
    lead = ""
    for i, segment in enumerate(_BULLET.split(text)):
        sentences = [s.strip() for s in split_sentences(segment) if s.strip()]
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
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    header: list[str] = []
    rows: list[str] = []
    pending: list[str] = []
    for line in lines:
        pending.append(line)
        if is_numeric_row(line):  # the chunker's own notion of a row
            rows.append(" ".join(pending))
            pending = []
        elif not rows:
            header.append(line)
            pending = []
    lead = " ".join(header)
    return [Unit(row, passage, i, lead=lead, bullet=True) for i, row in enumerate(rows)]


def render_units(units: list[Unit]) -> str:
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


def answer_from(question: str, passages: list[Passage], text: str, chosen: list[Unit]) -> Answer:
    """An answer with `text`, citing the passages of the chosen units."""
    cited: dict[int, Passage] = {}
    for unit in chosen:
        cited.setdefault(unit.passage.rank, unit.passage)
    citations = tuple(Citation(n, p) for n, p in sorted(cited.items()))
    return Answer(question=question, answered=True, text=text, citations=citations,
                  passages=tuple(passages), raw=text)


def abstain(question: str, passages: list[Passage], reason: str) -> Answer:
    """No answer: NOT_ANSWERED and the reason, with the passages that were searched."""
    return Answer(question=question, answered=False, text=f"{NOT_ANSWERED} {reason}".strip(),
                  passages=tuple(passages), raw=reason)
