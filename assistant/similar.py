"""Asked before? A new written question -> the earlier questions and answers on the same subject, one per
document, and a draft answer outline made of their sentences, each line cited [n].

Documents are ranked by their best chunks: each retriever (BM25 over stems and compound parts, the
vectors) ranks chunks, a document takes the score of its best chunk in each, plus a share of its second
best (an answer that matches in two places is about the subject, not one passing word), and the two
document rankings are fused by weighted reciprocal rank, as `retrieve.fuse_rankings` does for chunks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .answer.extractive import Unit, split_units
from .core import Assistant, check_question
from .errors import InputError
from .search.index import Index
from .search.retrieve import Filters, fuse_rankings, resolve_filters
from .search.text import is_english, words
from .types import Chunk, Passage

# Chunks each retriever hands to the document ranking. A long answer has a dozen chunks, so 300 chunks
# still name well over the documents a reader looks at.
CANDIDATES = 300
# A document's score in one retriever: its best chunk's, plus this share of its second best.
SECOND_CHUNK = 0.0
# A written question opens with its subject line ("Spoorlijn 53. - Onderbreking overwegen."): its words
# count this many times in the BM25 query. Measured on dekamer 2017 Q1, BM25 alone: grouped hit@5
# 0.827 -> 0.850 with 3.
SUBJECT_WEIGHT = 3
MAX_SUBJECT_CHARS = 200
# Share of BM25 over whole documents among the two BM25 rankings; the rest goes to documents by best chunk.
DOCUMENT_SHARE = 0.7
# Documents whose sentences the draft outline draws on, and their chunks it reads.
DRAFT_DOCUMENTS = 3
DRAFT_CHUNKS = 3
# A sentence answers a point of the question when it holds this share of the point's weight (idf of its stems).
DRAFT_COVERAGE = 0.2
MAX_POINT_CHARS = 160  # a point's text as the draft repeats it
MAX_DRAFT_LINES = 12

# "1. Wat ...? 2. Zou ...", also when the items are run together ("...?2. Zou"): a one- or two-digit
# number and a dot after the start, a sentence end or a line break, then a capital.
_POINT = re.compile(r"(?:^|(?<=[\s?.!:;)]))(\d{1,2})[.)]\s*(?=[A-ZÀ-Ý\"“(])", re.MULTILINE)
_QUESTION_END = re.compile(r"(?<=\?)\s*")
# Politeness around a written question that says nothing about its subject ("Graag kreeg ik een antwoord
# op de volgende vragen."). Taken out before the search: every question and many answers say it.
BOILERPLATE = (
    r"graag (?:kreeg|had|ontving|vernam) ik (?:(?:een )?antwoord op )?(?:de )?volgende(?: vragen)?",
    r"(?:mijn|ik heb de) volgende vragen(?: voor u)?(?: zijn)?",
    r"ik had (?:graag|u graag) (?:het volgende )?(?:vernomen|geweten|gevraagd)",
    r"kan u (?:mij )?(?:het volgende )?(?:meedelen|laten weten|zeggen)",
    r"kunt u (?:mij )?(?:het volgende )?(?:meedelen|laten weten|zeggen)",
)
_BOILERPLATE = re.compile(r"\b(?:" + "|".join(BOILERPLATE) + r")\b[:.,]?", re.I)


@dataclass(frozen=True)
class SimilarDocument:
    """An earlier document on the question's subject: its best chunk, and its score (1 = first in both)."""

    doc_id: str
    title: str
    score: float
    passage: Passage  # the best matching chunk
    rank: int  # 1-based, best first
    highlights: tuple[tuple[int, int], ...] = ()  # spans of `passage.chunk.text` that match the question

    @property
    def agency(self) -> str:
        return self.passage.chunk.agency

    @property
    def date(self) -> str:
        return str(self.passage.chunk.metadata.get("date", ""))

    def to_json(self) -> dict[str, Any]:
        chunk = self.passage.chunk
        return {"rank": self.rank, "doc_id": self.doc_id, "title": self.title, "score": round(self.score, 4),
                "date": self.date, "agency": self.agency, "passage": chunk.text, "chunk_id": chunk.id,
                "section": chunk.section, "item": chunk.item, "highlights": [list(s) for s in self.highlights]}


@dataclass(frozen=True)
class DraftLine:
    """One line of the draft outline: the question's point it answers, a sentence of an earlier answer, and
    the number of the passage that sentence stands in."""

    point: str  # the point's label ("1", "2") or "" for a question with one point
    question: str  # what the point asks, shortened
    text: str  # the sentence, as the earlier answer has it
    n: int  # [n]: 1-based index into Similar.sources

    def render(self) -> str:
        label = f"{self.point}. " if self.point else ""
        return f"{label}{self.text.rstrip()} [{self.n}]"


@dataclass(frozen=True)
class Similar:
    """What `similar` finds for one question: documents best first, and a draft citing `sources`."""

    question: str
    documents: tuple[SimilarDocument, ...]
    draft: tuple[DraftLine, ...]
    sources: tuple[Passage, ...]  # passage n is sources[n - 1]; rank == n

    @property
    def draft_text(self) -> str:
        return "\n".join(line.render() for line in self.draft)

    def to_json(self) -> dict[str, Any]:
        """The `similar --json` contract: one object per question."""
        return {
            "question": self.question,
            "documents": [d.to_json() for d in self.documents],
            "draft": {
                "text": self.draft_text,
                "lines": [{"point": d.point, "question": d.question, "text": d.text, "citation": d.n}
                          for d in self.draft],
                "sources": [{"n": p.rank, "doc_id": p.chunk.doc_id, "title": p.chunk.title,
                             "chunk_id": p.chunk.id, "text": p.chunk.text} for p in self.sources],
            },
        }


def strip_boilerplate(question: str) -> str:
    """The question without the politeness formulas of BOILERPLATE."""
    return re.sub(r"[ \t]{2,}", " ", _BOILERPLATE.sub(" ", question)).strip()


def aggregate(hits: Iterable[tuple[Chunk, float]], second: float = SECOND_CHUNK) -> list[tuple[str, float]]:
    """Chunk scores -> document scores: the best chunk's score plus `second` times the second best's.
    Best first; ties by document id, so the order is the same on every run."""
    best: dict[str, list[float]] = {}
    for chunk, score in hits:
        top = best.setdefault(chunk.doc_id, [])
        top.append(score)
    scored = []
    for doc_id, scores in best.items():
        scores.sort(reverse=True)
        scored.append((doc_id, scores[0] + (second * scores[1] if len(scores) > 1 else 0.0)))
    scored.sort(key=lambda ds: (-ds[1], ds[0]))
    return scored


def rank_documents(index: Index, question: str, k: int, filters: Filters | None = None,
                   candidates: int = CANDIDATES, bm25_weight: float | None = None) -> list[SimilarDocument]:
    """The k documents that best match the question, best first, each with its best chunk.

    Three rankings of documents, fused by weighted reciprocal rank: BM25 over whole documents, documents by
    their best BM25 chunk, and documents by their best chunk vector. `bm25_weight` is the two BM25 rankings'
    share (default: settings.similar_bm25_weight for Dutch questions, bm25_weight_english for English ones).
    """
    settings = index.settings
    if bm25_weight is None:
        bm25_weight = settings.bm25_weight_english if is_english(question) else settings.similar_bm25_weight
    text = strip_boilerplate(question) or question
    doc_ids = _filtered_doc_ids(index, filters or Filters())
    if doc_ids is not None and not doc_ids:
        return []
    mask = index.mask(doc_ids=doc_ids) if doc_ids is not None else None
    tokens = index.analyzer.query_tokens(text)
    subject = subject_line(text)
    if subject:
        tokens += index.analyzer.tokens(subject) * (SUBJECT_WEIGHT - 1)
    bm25 = [(index.chunk(i), s) for i, s in index.search_bm25(tokens, candidates, mask)]
    whole = index.documents_bm25.search(tokens, candidates, doc_ids)
    vectors: list[tuple[Chunk, float]] = []
    if bm25_weight < 1.0:  # at 1.0 the vectors could not change the order: no need to embed the question
        where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        vector = index.embedder.embed_query(re.sub(r"\s+", " ", text)[:2000])
        vectors = [(index.chunk(i), s) for i, s in index.search_vectors(vector, candidates, where)]
    weights = [bm25_weight * DOCUMENT_SHARE, bm25_weight * (1.0 - DOCUMENT_SHARE), 1.0 - bm25_weight]
    documents = fuse_rankings([[d for d, _ in whole], [d for d, _ in aggregate(bm25)],
                               [d for d, _ in aggregate(vectors)]], weights, settings.rrf_k)
    # The passage shown for a document: its chunk best placed in the fused chunk ranking.
    chunk_scores = fuse_rankings([[c.id for c, _ in bm25], [c.id for c, _ in vectors]],
                                 [max(bm25_weight, 1e-9), 1.0 - bm25_weight], settings.rrf_k)
    best_chunk: dict[str, Chunk] = {}
    for chunk_id, _ in sorted(chunk_scores.items(), key=lambda cs: (-cs[1], cs[0])):
        chunk = index.chunk(chunk_id)
        best_chunk.setdefault(chunk.doc_id, chunk)
    top = sum(weights) / (settings.rrf_k + 1)  # first in every ranking
    ranked = sorted(documents.items(), key=lambda ds: (-ds[1], ds[0]))
    stems = set(tokens)
    out: list[SimilarDocument] = []
    for doc_id, score in ranked:
        chunk = best_chunk.get(doc_id) or index.first_chunk(doc_id)
        if chunk is None:
            continue
        rank = len(out) + 1
        out.append(SimilarDocument(doc_id, chunk.title, score / top, Passage(chunk, score / top, rank), rank,
                                   highlight_spans(index, chunk.text, stems)))
        if len(out) == k:
            break
    return out


def subject_line(question: str) -> str:
    """The question's first line when more text follows it and it is short enough to be a subject line."""
    first, _, rest = question.strip().partition("\n")
    first = first.strip()
    return first if rest.strip() and len(first) <= MAX_SUBJECT_CHARS else ""


def highlight_spans(index: Index, text: str, stems: set[str]) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of `text` whose stem (or a compound part's) is among the question's."""
    analyzer = index.analyzer
    # Not the point labels "1", "2" of the question: every numbered answer has them too.
    stems = {s for s in stems if not (s.isdigit() and len(s) < 3)}
    spans = []
    for match in re.finditer(r"\w+", text):
        found = words(match.group(0))
        if found and set(analyzer.tokens(found[0])) & stems:
            spans.append((match.start(), match.end()))
    return tuple(spans)


def question_points(question: str) -> list[tuple[str, str]]:
    """What a written question asks, point by point: (label, text). Numbered items when it has two or
    more ("1. ... 2. ..."), else its sentences that end in "?", else the whole question."""
    marks = [m for m in _POINT.finditer(question)]
    numbered = _consecutive(marks)
    if len(numbered) >= 2:
        points = []
        for m, nxt in zip(numbered, [*numbered[1:], None]):
            body = question[m.end():nxt.start() if nxt else len(question)].strip()
            if body:
                points.append((m.group(1), body))
        return points
    asked = [s.strip() for s in _QUESTION_END.split(question) if s.strip().endswith("?")]
    if len(asked) >= 2:
        return [(str(i), s) for i, s in enumerate(asked, 1)]
    return [("", question.strip())]


def _consecutive(marks: list[re.Match[str]]) -> list[re.Match[str]]:
    """The marks numbered 1, 2, 3, ... in order; a "3." inside a sentence that breaks the run is skipped."""
    out: list[re.Match[str]] = []
    for m in marks:
        if int(m.group(1)) == len(out) + 1:
            out.append(m)
    return out


def draft_outline(index: Index, question: str, documents: Sequence[SimilarDocument]
                  ) -> tuple[tuple[DraftLine, ...], tuple[Passage, ...]]:
    """For each point of the question, the sentence of the best documents that covers most of it, cited [n].
    A point no sentence covers gets no line: every line says where it comes from."""
    passages = _draft_passages(index, question, documents)
    units = [u for p in passages for u in split_units(p)]
    analyzer = index.analyzer
    for unit in units:
        unit.stems = set(analyzer.tokens(unit.text))
    lines: list[DraftLine] = []
    used: set[int] = set()
    numbers: dict[str, int] = {}
    for label, point in question_points(strip_boilerplate(question) or question):
        weights = {s: index.idf(s) for s in set(analyzer.tokens(point))}
        total = sum(weights.values())
        if not total:
            continue
        best: tuple[float, int] | None = None
        for i, unit in enumerate(units):
            if i in used:
                continue
            covered = sum(w for s, w in weights.items() if s in unit.stems) / total
            if covered >= DRAFT_COVERAGE and (best is None or covered > best[0]):
                best = (covered, i)
        if best is None:
            continue
        used.add(best[1])
        unit = units[best[1]]
        n = numbers.setdefault(unit.passage.chunk.id, len(numbers) + 1)
        lines.append(DraftLine(label, _shorten(point), _sentence(unit), n))
        if len(lines) >= MAX_DRAFT_LINES:
            break
    by_id = {p.chunk.id: p for p in passages}
    sources = tuple(Passage(by_id[cid].chunk, by_id[cid].score, n) for cid, n in numbers.items())
    return tuple(lines), sources


def _draft_passages(index: Index, question: str, documents: Sequence[SimilarDocument]) -> list[Passage]:
    """The chunks the draft reads: of each of the best documents, its answer chunks that match the question
    best by BM25 (the question side restates what was asked; the draft is made of what was answered)."""
    tokens = index.analyzer.query_tokens(strip_boilerplate(question) or question)
    out: list[Passage] = []
    for doc in documents[:DRAFT_DOCUMENTS]:
        chosen: list[Chunk] = []
        mask = index.mask(doc_ids=[doc.doc_id])
        for chunk_id, _ in index.search_bm25(tokens, 4 * DRAFT_CHUNKS, mask):
            chunk = index.chunk(chunk_id)
            if chunk.section != "question" and len(chosen) < DRAFT_CHUNKS:
                chosen.append(chunk)
        out.extend(Passage(c, doc.score, doc.rank) for c in chosen)
    return out


def _sentence(unit: Unit) -> str:
    text = unit.text.strip()
    if unit.bullet and unit.lead:
        text = f"{unit.lead} {text}" if unit.lead.endswith(":") else f"{unit.lead}: {text}"
    return text


def _shorten(text: str, limit: int = MAX_POINT_CHARS) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _filtered_doc_ids(index: Index, filters: Filters) -> set[str] | None:
    if not filters:
        return None
    agencies, wanted = set(filters.agencies), set(filters.doc_ids)
    return {c.doc_id for c in index.chunks
            if (not agencies or c.agency in agencies) and (not wanted or c.doc_id in wanted)}


def find_similar(assistant: Assistant, question: str, k: int | None = None, agencies: Sequence[str] = (),
                 doc_ids: Sequence[str] = ()) -> Similar:
    """The earlier documents on a question's subject, best first, and a draft answer outline citing them."""
    question = check_question(question, assistant.settings.max_question_chars)
    k = assistant.settings.k if k is None else k
    if not 1 <= k <= 50:
        raise InputError(f"k must be between 1 and 50, not {k}")
    filters = resolve_filters(assistant.index, agencies, doc_ids)
    documents = rank_documents(assistant.index, question, k, filters)
    draft, sources = draft_outline(assistant.index, question, documents)
    return Similar(question, tuple(documents), draft, sources)
