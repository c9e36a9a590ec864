"""A draft answer to a new written question, point by point, made of earlier answers' sentences.

The question is split into its numbered points ("1.", "2)", "a)", also run together: "...?2. Zou"); a question
without numbers is one point. For each point the answer chunks of the best earlier documents are searched with
the point's words (and the subject line's, which say what "het" and "daarvoor" are about), every sentence of
them becomes a candidate of the reader (`answer.reader`), and the reader's fitted ranker orders them. The best
candidate that covers enough of the point answers it, cited [n]; a point none covers says so
(NO_EARLIER_ANSWER). An earlier answer that numbers its items as the question its points (an answer to the same
question) answers point k from its item k first. Numbers [n] go to the cited chunks in the order they are first
cited.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answer.units import Unit
from .answer.question import analyze_question
from .answer.reader import FEATURES, Candidate, Model, Reader
from .search.index import Index
from .types import Chunk, Passage

if TYPE_CHECKING:
    from .similar import SimilarDocument

NO_EARLIER_ANSWER = "Geen eerder antwoord over dit punt."
# Documents (rows, so one of each group of identical answers) whose answer chunks a point is searched in, and
# the chunks of them the reader reads for one point.
DRAFT_DOCUMENTS = 3
CHUNKS_PER_DOCUMENT = 2
# A sentence addresses a point when it holds this share of the point's weight (idf of its concepts), the
# reader's "coverage". On dekamer 2017 Q1 without the item rule (benchmarks/draft.py --no-items --coverage X,
# 501 points): 0.1 covers 94.6% of the points and puts the own answer's right item on 38.1%; 0.25 covers 59.9%,
# 26.1% right; 0.4 covers 27.1%, 12.6% right. About 4 lines in 10 are the right item's at each; at 0.1 the draft
# would almost never say that no earlier answer addresses a point. The reader's judge in its place did no better
# (threshold 0.2: 74.3% covered, 31.9% right).
MIN_COVERAGE = 0.25
# A point takes its best sentence, and a second from another document when the ranker gives it at least this share
# of the best's probability: the reader's `close` when it joined only a second passage's sentence. (The reader now
# joins the next sentences of an answer spread over several at a lower share; a draft line is one earlier answer's.)
SECOND_LINE_SHARE = 0.5
MAX_LINES_PER_POINT = 2
MAX_SUBJECT_CHARS = 200
# An earlier answer numbered as the question is answers point k under item k (NumberedAnswer). On dekamer 2017 Q1
# (benchmarks/draft.py, 150 questions, 501 points) the draft cites the question's own answer at the right item for
# 26.1% of the points without this, 86.6% with it.
MATCH_ITEMS = True

# "1. Wat ...? 2. Zou ...", also run together ("...?2. Zou"): a one- or two-digit number and a dot or a bracket
# after the start, a sentence end or a line break, then a capital; after a colon, a semicolon or a question mark
# also a small letter ("meedelen:1. hoeveel ...;2. hoeveel ..."). Letters take a bracket ("a) hoeveel").
_NUMBERED = re.compile(r"(?:^|(?<=[\s.!)\"”])(?=\d{1,2}[.)]\s*[A-ZÀ-Ý\"“(])|(?<=[:;?]))\s*(\d{1,2})[.)]\s*"
                       r"(?=[A-Za-zÀ-ÿ\"“(])", re.MULTILINE)
_LETTERED = re.compile(r"(?:^|(?<=[\s?.!:;]))([a-h])\)\s*(?=[A-Za-zÀ-ÿ\"“(])", re.MULTILINE)


@dataclass(frozen=True)
class DraftLine:
    """A sentence of an earlier answer that addresses a point, and the number [n] of the passage it stands in."""

    point: str  # the point's label ("1", "b") or "" for a question with one point
    question: str  # what the point asks
    text: str  # the sentence, as the earlier answer has it
    n: int  # [n]: 1-based index into the draft's sources

    def render(self) -> str:
        return f"{self.text.rstrip()} [{self.n}]"


@dataclass(frozen=True)
class DraftSection:
    """One point of the question and the lines that address it (none: no earlier answer did)."""

    point: str
    question: str
    lines: tuple[DraftLine, ...]

    @property
    def heading(self) -> str:
        return f"{self.point}. {self.question}" if self.point else self.question

    def to_json(self) -> dict[str, Any]:
        return {"point": self.point, "question": self.question,
                "lines": [{"text": line.text, "citation": line.n} for line in self.lines]}


def question_points(question: str) -> list[tuple[str, str]]:
    """What a written question asks, point by point: (label, text). Its numbered points when it has two or
    more (numbers first, else letters), else the whole question as one point labelled ""."""
    points = [(label, question[start:end].strip()) for label, start, end in numbered_spans(question)]
    points = [(label, text) for label, text in points if text]
    return points if len(points) >= 2 else [("", question.strip())]


def numbered_spans(text: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of each numbered item of `text` (the text after its mark, up to the next mark) when it
    numbers two or more items 1, 2, ... (else a), b), ...); none otherwise."""
    for pattern, first in ((_NUMBERED, "1"), (_LETTERED, "a")):
        marks = _consecutive(list(pattern.finditer(text)), first)
        if len(marks) >= 2:
            return [(m.group(1), m.end(), nxt.start() if nxt else len(text))
                    for m, nxt in zip(marks, [*marks[1:], None])]
    return []


def _consecutive(marks: list[re.Match[str]], first: str) -> list[re.Match[str]]:
    """The marks labelled 1, 2, 3 (or a, b, c) in order; a "3." inside a sentence that breaks the run is text."""
    out: list[re.Match[str]] = []
    for m in marks:
        if m.group(1) == _label(first, len(out)):
            out.append(m)
    return out


def _label(first: str, i: int) -> str:
    return str(int(first) + i) if first.isdigit() else chr(ord(first) + i)


def subject_line(question: str) -> str:
    """The question's first line when more text follows it and it is short enough to be a subject line."""
    first, _, rest = question.strip().partition("\n")
    first = first.strip()
    return first if rest.strip() and len(first) <= MAX_SUBJECT_CHARS else ""


@dataclass(frozen=True)
class NumberedAnswer:
    """An earlier answer that numbers its items as the question numbers its points: an answer to the same
    question (a copy sent to another member, the same question asked again) answers point k under item k."""

    chunks: tuple[Chunk, ...]  # its answer chunks in reading order
    spans: tuple[tuple[str, int, int], ...]  # (label, start, end) of each item in the document's text
    folded: str  # the answer's text with white space folded, as chunks and sentences have it
    folded_spans: tuple[tuple[str, int, int], ...]

    def item_chunks(self, label: str) -> list[Chunk]:
        """The chunks that hold item `label`."""
        span = next(((start, end) for item, start, end in self.spans if item == label), None)
        return [c for c in self.chunks if span and c.start < span[1] and c.end > span[0]]

    def item_of(self, sentence: str) -> str:
        """The label of the item that holds `sentence`, or ""."""
        head = sentence if sentence[:60] in self.folded else sentence.split(": ", 1)[-1]  # a bullet under its lead
        at = self.folded.find(head[:60])
        return next((label for label, start, end in self.folded_spans if start <= at < end), "") if at >= 0 else ""


def numbered_answers(index: Index, doc_ids: Sequence[str], labels: Sequence[str]) -> dict[str, NumberedAnswer]:
    """Those of the documents whose answer numbers exactly the items `labels` (the question's points)."""
    if len(labels) < 2:
        return {}
    wanted = set(doc_ids)
    chunks: dict[str, list[Chunk]] = {}
    for chunk in index.chunks:
        if chunk.doc_id in wanted and chunk.section != "question":
            chunks.setdefault(chunk.doc_id, []).append(chunk)
    out = {}
    for doc_id in doc_ids:
        document = index.document(doc_id)
        if document is None:
            continue
        answer = [s for s in document.sections if s.name != "question"]
        start, end = (answer[0].start, answer[-1].end) if answer else (0, len(document.text))
        spans = tuple((label, start + a, start + b) for label, a, b in numbered_spans(document.text[start:end]))
        if [label for label, _, _ in spans] != list(labels):
            continue
        folded = " ".join(document.text[start:end].split())
        out[doc_id] = NumberedAnswer(tuple(sorted(chunks.get(doc_id, []), key=lambda c: c.start)), spans, folded,
                                     tuple(numbered_spans(folded)))
    return out


def draft_sections(index: Index, question: str, documents: Sequence[SimilarDocument],
                   reader: Reader | None = None) -> tuple[tuple[DraftSection, ...], tuple[Passage, ...]]:
    """One section per point of `question` (already stripped of politeness), its lines drawn from the answer
    chunks of `documents` by the reader's ranker; and the cited passages, passage n at [n - 1].

    Where an earlier answer numbers its items as the question its points, point k takes its first line from
    that answer's item k, whatever its words (item 1 may say no more than "Ja."); its other lines, and every line
    of a question no answer numbers alike, come from the sentences that cover enough of the point."""
    reader = reader or Reader(index.analyzer, index.idf, index.df, Model.load())
    doc_ids = [d.doc_id for d in documents[:DRAFT_DOCUMENTS]]
    subject = subject_line(question)
    points = question_points(question)
    numbered = numbered_answers(index, doc_ids, [label for label, _ in points]) if MATCH_ITEMS else {}
    numbers: dict[str, int] = {}
    cited: dict[str, Chunk] = {}
    used: set[tuple[str, str]] = set()  # (chunk id, sentence): a sentence answers one point
    sections = []
    for label, point in points:
        lines: list[DraftLine] = []
        answered: set[str] = set()  # documents a line of this point comes from
        asked = without_pointers(point) or point
        passages = point_passages(index, f"{subject}\n{asked}" if subject and label else asked, doc_ids)
        ranked = best_candidates(reader, asked, passages)
        for answer in numbered.values():
            item = [Passage(c, 1.0, i) for i, c in enumerate(answer.item_chunks(label), 1)]
            own = [c for c in best_candidates(reader, asked, item, gate=False)
                   if answer.item_of(_sentence(c.unit)) == label]
            if own:
                ranked = [own[0], *ranked]
                break
        for candidate in ranked:
            unit = candidate.unit
            text, chunk = _sentence(unit), unit.passage.chunk
            if (chunk.id, text) in used or chunk.doc_id in answered:
                continue
            if lines and candidate.probability < SECOND_LINE_SHARE * ranked[0].probability:
                break
            used.add((chunk.id, text))
            answered.add(chunk.doc_id)
            n = numbers.setdefault(chunk.id, len(numbers) + 1)
            cited[chunk.id] = chunk
            lines.append(DraftLine(label, point, text, n))
            if len(lines) == MAX_LINES_PER_POINT:
                break
        sections.append(DraftSection(label, point, tuple(lines)))
    sources = tuple(Passage(cited[chunk_id], 1.0, n) for chunk_id, n in numbers.items())
    return tuple(sections), sources


def point_passages(index: Index, text: str, doc_ids: Sequence[str]) -> list[Passage]:
    """The answer chunks of these documents that match `text` best by BM25, at most CHUNKS_PER_DOCUMENT of each
    (a subject line that names one agency must not fill the list with its document), best first and ranked
    from 1. What was asked is in the question chunks; the draft is made of what was answered."""
    if not doc_ids:
        return []
    tokens = index.analyzer.query_tokens(text)
    if not tokens:
        return []
    taken: dict[str, int] = {}
    out: list[Passage] = []
    for chunk_id, score in index.search_bm25(tokens, 4 * CHUNKS_PER_DOCUMENT * len(doc_ids),
                                             index.mask(doc_ids=doc_ids)):
        chunk = index.chunk(chunk_id)
        if chunk.section != "question" and taken.get(chunk.doc_id, 0) < CHUNKS_PER_DOCUMENT:
            taken[chunk.doc_id] = taken.get(chunk.doc_id, 0) + 1
            out.append(Passage(chunk, score, len(out) + 1))
    return out


def without_pointers(text: str) -> str:
    """The point without the words that point back ("daarvoor", "hierover"): they name no subject, and split
    into "daar" and "voor" they would match any sentence that says "daarnaast"."""
    return re.sub(r"\s{2,}", " ", _POINTER.sub(" ", text)).strip()


_POINTER = re.compile(r"\b(?:daar|hier|waar|er)(?:voor|over|bij|mee|aan|in|op|uit|van|door|om|naar|tegen|toe|"
                      r"omtrent|binnen|buiten|onder|tussen|achter|na|naast)\b", re.I)


def best_candidates(reader: Reader, point: str, passages: list[Passage], gate: bool = True) -> list[Candidate]:
    """The passages' sentences, best first by the reader's ranker; with `gate`, only those that cover at least
    MIN_COVERAGE of the point."""
    if not passages:
        return []
    candidates = reader.candidates(point, passages, analyze_question(point))
    coverage = FEATURES.index("coverage")
    return [c for c in reader.rank(candidates, reader.model.ranker)
            if not gate or c.features[coverage] >= MIN_COVERAGE]


def _sentence(unit: Unit) -> str:
    text = re.sub(r"\s+", " ", unit.text).strip()
    if unit.bullet and unit.lead:
        text = f"{unit.lead} {text}" if unit.lead.endswith(":") else f"{unit.lead}: {text}"
    return text


def draft_text(sections: Sequence[DraftSection]) -> str:
    """The draft as plain text: each point's heading, then its lines or NO_EARLIER_ANSWER."""
    out = []
    for section in sections:
        out.append(_shorten(section.heading))
        out.extend(f"   {line.render()}" for line in section.lines)
        if not section.lines:
            out.append(f"   {NO_EARLIER_ANSWER}")
    return "\n".join(out)


def _shorten(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
