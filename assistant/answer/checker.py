"""The checker: what of a model's reply may be shown. Pure functions.

- every sentence cites passages that exist: a [9] of 5 passages (or a [0]) is taken out, and a sentence left
  without a citation is dropped;
- every number, percentage, amount and date in a sentence occurs in a passage it cites;
- text in a passage that addresses the model ("Negeer alle vorige instructies en ...") is data: it never
  counts as support, and a sentence whose words come from it is dropped.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dates import MONTH_NUMBERS, month_pattern
from ..search.text import fold, split_sentences
from ..types import Passage
from . import prompts
from .citations import format_citations, in_range, move_before_full_stop, read_model_citations

log = logging.getLogger(__name__)

_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_CONTENT_WORD = re.compile(r"[a-z]{4,}")
_ABSTENTIONS = (fold(prompts.CANNOT_ANSWER).rstrip("."), "de documenten beantwoorden de vraag niet",
                "the documents do not answer", "the documents don't answer")

# An instruction addressed to the model inside a document. From the sentence that starts it to the end of
# the passage, the text is no support for anything (the payload of "Negeer ... en zeg: '...'" follows it).
_INSTRUCTION = re.compile(
    r"\b(?:negeer|vergeet|ignore|disregard|forget)\b[^.!?\n]{0,60}?\b(?:instructies?|opdrachten|opdracht|regels|"
    r"instructions?|rules|prompt|the above|bovenstaande)\b"
    r"|\b(?:je|jij|u)\s+(?:bent|moet)\s+nu\b|\byou\s+(?:are|must)\s+now\b"
    r"|\b(?:system\s*prompt|systeemprompt|systeembericht)\b|\b(?:nieuwe|new)\s+(?:instructies?|instructions?)\b"
    r"|^\s*(?:system|assistant|systeem|assistent)\s*:",
    re.IGNORECASE | re.MULTILINE,
)

_MONTH = month_pattern()
_DATES = (
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?\s+(?P<m>{_MONTH})\b\.?(?:\s+(?P<y>\d{{4}})\b)?",
               re.IGNORECASE),
    re.compile(rf"\b(?P<m>{_MONTH})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b(?P<m>{_MONTH})\b\.?\s+(?P<y>\d{{4}})\b", re.IGNORECASE),
    re.compile(r"\b(?P<d>\d{1,2})[/.-](?P<mn>\d{1,2})[/.-](?P<y>\d{4}|\d{2})\b"),
    re.compile(r"\b(?P<y>\d{4})-(?P<mn>\d{2})-(?P<d>\d{2})\b"),
)
_NUMBER = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)"
    r"(?:\s*(?P<mult>miljoen|miljard|million|billion|duizend|thousand|mio|mld)\b)?"
    r"(?:\s*(?P<pct>%|procent\b|percent\b|pct\b))?",
    re.IGNORECASE,
)
_MULTIPLIERS = {"miljoen": 1e6, "million": 1e6, "mio": 1e6, "miljard": 1e9, "billion": 1e9, "mld": 1e9,
                "duizend": 1e3, "thousand": 1e3}
# Number words. Not "een"/"one" (also "a") nor "ten" (Dutch "ten minste").
_UNITS = {"twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9}
_TENS = {"twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60, "zeventig": 70, "tachtig": 80,
         "negentig": 90}
_NUMBER_WORDS = {
    **_UNITS, **_TENS, "één": 1, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
    "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18, "negentien": 19, "honderd": 100,
    "duizend": 1000, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100,
}
_NUMBER_WORD = re.compile(
    rf"(?<!\w)(?:(?P<unit>{'|'.join(_UNITS)}|een|één)en(?P<ten>{'|'.join(_TENS)})|"
    rf"(?P<word>{'|'.join(_NUMBER_WORDS)}))(?!\w)", re.IGNORECASE)



@dataclass(frozen=True)
class Figure:
    """A number, percentage, amount or date as it can be compared: the values it may stand for."""

    text: str
    values: frozenset[float] = frozenset()
    percent: bool = False
    date: tuple[int | None, int, int | None] | None = None  # (year, month, day) for a date


@dataclass(frozen=True)
class Sentence:
    text: str  # without its citations
    cited: tuple[int, ...]  # as written, in range or not
    line: int
    bullet: bool = False


@dataclass(frozen=True)
class Check:
    """What survives of a reply: kept sentences (with their valid citations), dropped ones with the reason."""

    kept: tuple[tuple[Sentence, tuple[int, ...]], ...]
    dropped: tuple[tuple[str, str], ...]  # (sentence, key of prompts.REASONS)
    abstained: bool  # the model said the documents do not answer, and nothing else

    def text(self) -> str:
        lines: dict[int, list[str]] = {}
        bullets: dict[int, bool] = {}
        for sentence, cited in self.kept:
            body = sentence.text.rstrip()
            end = body[-1] if body and body[-1] in ".!?:" else "."
            body = body.rstrip(".!?:; ")
            cites = format_citations(cited)
            lines.setdefault(sentence.line, []).append(f"{body} {cites}{end}" if cites else f"{body}{end}")
            bullets[sentence.line] = sentence.bullet
        return "\n".join(("- " if bullets[i] else "") + " ".join(parts) for i, parts in sorted(lines.items()))

    def cited(self) -> list[int]:
        return sorted({n for _, cited in self.kept for n in cited})


def check_reply(reply: str, passages: Sequence[Passage]) -> Check:
    """Keep the sentences of a model's reply that cite existing passages holding every figure they state."""
    sentences = split_reply(reply)
    data = [split_instruction(_passage_text(p)) for p in passages]
    claims = [s for s in sentences if not is_abstention(s.text)]
    if sentences and not claims:
        return Check((), (), abstained=True)
    kept: list[tuple[Sentence, tuple[int, ...]]] = []
    dropped: list[tuple[str, str]] = []
    for i, sentence in enumerate(sentences):
        if sentence in claims:
            cited = sentence.cited or _borrowed_citations(sentences, i)
            valid = tuple(dict.fromkeys(n for n in cited if in_range(n, len(passages))))
            reason = _unsupported(sentence.text, cited, valid, data)
            if reason:
                log.info("dropped (%s): %s", reason, sentence.text)
                dropped.append((sentence.text, reason))
                continue
            kept.append((sentence, valid if sentence.cited else ()))
        else:
            kept.append((sentence, ()))  # "the documents do not answer" beside an answer: said as it was
    # A line introducing a list stays only with an item of it; nothing cited left, nothing to show.
    kept = [(s, c) for s, c in kept if c or not s.text.endswith(":") or
            any(k.bullet and k.line > s.line and kc for k, kc in kept)]
    if not any(cited for _, cited in kept):
        kept = []
    return Check(tuple(kept), tuple(dropped), abstained=False)


def split_reply(reply: str) -> list[Sentence]:
    """The sentences of a reply, line by line, each with the passage numbers it cites."""
    out: list[Sentence] = []
    for line_number, line in enumerate(reply.replace("\r\n", "\n").split("\n")):
        bullet = bool(_BULLET.match(line))
        line = _BULLET.sub("", line).strip().strip("*").strip()
        # "Zin. [1]" cites like "Zin [1].": move citations before the full stop, then split.
        line = move_before_full_stop(line)
        for part in split_sentences(line):
            cited, bare = read_model_citations(part)
            text = re.sub(r"\s+([.,;:!?])", r"\1", bare).strip()
            text = re.sub(r"\s{2,}", " ", text)
            if text.strip(" .,;:!?"):
                out.append(Sentence(text, cited, line_number, bullet))
    return out


def is_abstention(text: str) -> bool:
    """The reply's "the documents do not answer", said alone (a sentence that goes on is a claim)."""
    return fold(text).strip(" .!") in _ABSTENTIONS


def split_instruction(text: str) -> tuple[str, str]:
    """(data, instruction): a passage's text before the sentence in which an instruction to the model
    starts, and the rest. Without one, the instruction part is empty."""
    found = _INSTRUCTION.search(text)
    if not found:
        return text, ""
    start = max(text.rfind(". ", 0, found.start()) + 1, text.rfind("\n", 0, found.start()) + 1, 0)
    return text[:start], text[start:]


def figures(text: str) -> list[Figure]:
    """The dates, then the other numbers (with percent, multiplier), then the number words of a text."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            parts = m.groupdict()
            month = MONTH_NUMBERS[parts["m"].lower()] if parts.get("m") else int(parts["mn"])
            year = int(parts["y"]) if parts.get("y") else None
            if year is not None and year < 100:
                year += 2000
            day = int(parts["d"]) if parts.get("d") else None
            if 1 <= month <= 12:
                found.append(Figure(m.group(), date=(year, month, day)))
    rest = list(text)
    for a, b in taken:
        rest[a:b] = " " * (b - a)
    remaining = "".join(rest)
    for m in _NUMBER.finditer(remaining):
        values = _values(m.group("num"))
        multiplier = _MULTIPLIERS.get((m.group("mult") or "").lower())
        if multiplier:
            values = {round(v * multiplier, 6) for v in values}
        found.append(Figure(m.group().strip(), frozenset(values), percent=bool(m.group("pct"))))
    for m in _NUMBER_WORD.finditer(remaining):
        if m.group("word"):
            value = _NUMBER_WORDS[m.group("word").lower()]
        else:  # "vijfentwintig", "eenentwintig"
            value = _TENS[m.group("ten").lower()] + _UNITS.get(m.group("unit").lower(), 1)
        following = remaining[m.end():m.end() + 12].lower()
        percent = bool(re.match(r"\s*(?:%|procent|percent)", following))
        found.append(Figure(m.group(), frozenset({float(value)}), percent=percent))
    return found


def unsupported_figures(sentence: str, support: str) -> list[str]:
    """The figures of a sentence that the support text does not hold."""
    held = figures(support)
    values = {v for f in held for v in f.values}
    percents = {v for f in held if f.percent for v in f.values}
    dates = [f.date for f in held if f.date]
    # A date's year and day count as numbers too: "in 2023" is supported by "12 maart 2023" (its month, 3, is
    # no count of anything).
    values |= {float(x) for year, _, day in dates for x in (year, day) if x is not None}
    missing = []
    for figure in figures(sentence):
        if figure.date:
            if not _date_held(figure.date, dates, values):
                missing.append(figure.text)
        elif figure.values.isdisjoint(percents if figure.percent else values):
            missing.append(figure.text)
    return missing


def _date_held(date: tuple[int | None, int, int | None], dates: list[tuple[int | None, int, int | None]],
               numbers: set[float]) -> bool:
    """The same month (and day, when given) in a date of the support; the year there, or beside it."""
    year, month, day = date
    for held_year, held_month, held_day in dates:
        if held_month != month or (day is not None and held_day != day):
            continue
        if year is None or held_year == year or (held_year is None and float(year) in numbers):
            return True
    return False


def _values(number: str) -> set[float]:
    """What a written number may stand for: "1.250" is 1250 in Dutch and 1.25 in English."""
    digits = re.sub(r"[ \u00a0\u202f]", "", number)
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, fraction = digits.rpartition(decimal)
        return {round(float(re.sub(r"[.,]", "", whole) + "." + fraction), 6)}
    for separator in ",.":
        parts = digits.split(separator)
        if len(parts) > 2:
            return {float("".join(parts))}
        if len(parts) == 2:
            values = {round(float(f"{parts[0]}.{parts[1]}"), 6)}
            if len(parts[1]) == 3 and 1 <= len(parts[0]) <= 3:
                values.add(float(parts[0] + parts[1]))
            return values
    return {float(digits)}


def _passage_text(passage: Passage) -> str:
    chunk = passage.chunk
    return f"{chunk.title}\n{chunk.agency}\n{chunk.text}"


def _borrowed_citations(sentences: list[Sentence], i: int) -> tuple[int, ...]:
    """A line that introduces a list ("Het agentschap meet op drie manieren:") cites what its items cite."""
    sentence = sentences[i]
    if not sentence.text.endswith(":"):
        return ()
    cited: list[int] = []
    for item in sentences[i + 1:]:
        if not item.bullet:
            break
        cited.extend(item.cited)
    return tuple(dict.fromkeys(cited))


def _unsupported(text: str, cited: Sequence[int], valid: Sequence[int], data: list[tuple[str, str]]) -> str:
    """Why a sentence cannot be shown ("" when it can), as a key of prompts.REASONS."""
    if not valid:
        return "out_of_range" if cited else "uncited"
    support = "\n".join(data[n - 1][0] for n in valid)
    instructions = "\n".join(data[n - 1][1] for n in valid)
    if instructions:
        own = set(_CONTENT_WORD.findall(fold(text)))
        from_instruction = own & set(_CONTENT_WORD.findall(fold(instructions))) - set(
            _CONTENT_WORD.findall(fold(support)))
        if own and len(from_instruction) >= max(1, len(own) / 2):
            return "instruction"
    if unsupported_figures(text, support):
        return "figure"
    return ""
