"""Asked before? A new written question -> the earlier questions and answers on the same subject, one row per
answer (identical answers sent to several members are one row, `duplicates.py`), and a draft answer with a
section per point of the question, made of their sentences, each line cited [n] (`draft.py`).

Documents are ranked by their best chunks: each retriever (BM25 over stems and compound parts, the
vectors) ranks chunks, a document takes the score of its best chunk in each, plus a share of its second
best (an answer that matches in two places is about the subject, not one passing word), and the two
document rankings are fused by weighted reciprocal rank, as `retrieve.fuse_rankings` does for chunks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .answer.reader import Reader
from .core import Assistant, check_question
from .draft import NO_EARLIER_ANSWER, DraftLine, DraftSection, draft_sections, draft_text, question_points, subject_line
from .duplicates import answer_text, group_copies
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
# Share of BM25 over whole documents among the two BM25 rankings; the rest goes to documents by best chunk.
DOCUMENT_SHARE = 0.7
# A question word highlighted in a passage is one that carries the question: a stem in at most this share of the
# chunks. On dekamer 2017 Q1 (8,630 chunks) "werken", "moeten" and "bepalen" are in 16%, 5.4% and 6.3% of them;
# a subject's words less: "reizigers" 3.1%, "station" 2.2%, "perrons" 0.5%, "loopbrug" 0.1%.
RARE_SHARE = 0.04
RARE_AT_MOST = 10  # ... and in a small index, in at most this many chunks (5% of 127 chunks would be 6)
# A compound's part shorter than this ("daar" of "daarnaast" and "daarvoor") marks nothing.
MIN_PART = 5
# Documents ranked before grouping copies, so that k rows remain when some documents are copies.
POOL = 50

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
    copies: tuple[SimilarDocument, ...] = ()  # other documents that received the same answer, best placed first

    @property
    def agency(self) -> str:
        return self.passage.chunk.agency

    @property
    def date(self) -> str:
        return str(self.passage.chunk.metadata.get("date", ""))

    @property
    def member(self) -> str:
        """Who asked, where the archive says."""
        return str(self.passage.chunk.metadata.get("author", ""))

    def to_json(self) -> dict[str, Any]:
        chunk = self.passage.chunk
        return {"rank": self.rank, "doc_id": self.doc_id, "title": self.title, "score": round(self.score, 4),
                "date": self.date, "agency": self.agency, "passage": chunk.text, "chunk_id": chunk.id,
                "section": chunk.section, "item": chunk.item, "highlights": [list(s) for s in self.highlights],
                "copies": [{"doc_id": c.doc_id, "title": c.title, "date": c.date, "agency": c.agency,
                            "member": c.member} for c in self.copies]}


@dataclass(frozen=True)
class Similar:
    """What `similar` finds for one question: rows best first, and a draft, a section per point, citing
    `sources`."""

    question: str
    documents: tuple[SimilarDocument, ...]
    sections: tuple[DraftSection, ...]
    sources: tuple[Passage, ...]  # passage n is sources[n - 1]; rank == n

    @property
    def draft(self) -> tuple[DraftLine, ...]:
        """Every line of the draft, point after point."""
        return tuple(line for section in self.sections for line in section.lines)

    @property
    def draft_text(self) -> str:
        return draft_text(self.sections)

    def to_json(self) -> dict[str, Any]:
        """The `similar --json` contract: one object per question."""
        return {
            "question": self.question,
            "documents": [d.to_json() for d in self.documents],
            "draft": {
                "text": self.draft_text,
                "sections": [s.to_json() for s in self.sections],
                "sources": [source_json(p) for p in self.sources],
            },
        }


def source_json(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    return {"n": passage.rank, "doc_id": chunk.doc_id, "title": chunk.title,
            "date": str(chunk.metadata.get("date", "")), "agency": chunk.agency, "chunk_id": chunk.id,
            "text": chunk.text}


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
    stems = question_stems(index, text)
    out: list[SimilarDocument] = []
    for doc_id, score in ranked:
        found = best_chunk.get(doc_id) or index.first_chunk(doc_id)
        if found is None:
            continue
        chunk = found
        rank = len(out) + 1
        out.append(SimilarDocument(doc_id, chunk.title, score / top, Passage(chunk, score / top, rank), rank,
                                   highlight_spans(index, chunk.text, stems)))
        if len(out) == k:
            break
    return out


def highlight_spans(index: Index, text: str, stems: set[str]) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of `text` that share a stem with the question's words (a compound's part
    of at least MIN_PART letters counts) where that stem is rare in the index (RARE_SHARE): the words that
    carry the question, not "werken" or "moeten"."""
    analyzer = index.analyzer
    most = max(RARE_AT_MOST, RARE_SHARE * len(index))
    # Not the point labels "1", "2" of the question: every numbered answer has them too. Not a stem the index
    # never counted ("moet": a stop word there).
    stems = {s for s in stems if not (s.isdigit() and len(s) < 3) and 1 <= index.df(s) <= most}
    spans = []
    for match in re.finditer(r"\w+", text):
        found = words(match.group(0))
        tokens = analyzer.tokens(found[0]) if found else []
        if tokens and (tokens[0] in stems or any(t in stems and len(t) >= MIN_PART for t in tokens[1:])):
            spans.append((match.start(), match.end()))
    return tuple(spans)


def question_stems(index: Index, question: str) -> set[str]:
    """The stems of the question's own words (not the synonyms searched for) and of their compounds' parts of at
    least MIN_PART letters: "klanttevredenheid" gives "klant" and "tevreden", "loopbrug" neither "loop" nor "brug"
    (a part of four letters is too often a word of its own: "in de loop van", "daar")."""
    stems: set[str] = set()
    for word in words(question):
        tokens = index.analyzer.tokens(word)
        stems.update(t for i, t in enumerate(tokens) if i == 0 or len(t) >= MIN_PART)
    return stems


def _filtered_doc_ids(index: Index, filters: Filters) -> set[str] | None:
    if not filters:
        return None
    return index.matching_documents(filters.agencies, filters.doc_ids)


def dated_doc_ids(index: Index, since: str = "", until: str = "") -> set[str]:
    """The documents dated from `since` up to and including `until` (YYYY-MM-DD; either empty: open)."""
    for value in (since, until):
        if value and not _DATE.fullmatch(value):
            raise InputError(f"a date is written YYYY-MM-DD, not {value!r}")
    out = set()
    for doc_id in index.document_ids():
        chunk = index.first_chunk(doc_id)
        date = str(chunk.metadata.get("date", "")) if chunk else ""
        if date and (not since or date >= since) and (not until or date[:10] <= until):
            out.add(doc_id)
    return out


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def group_documents(index: Index, ranked: Sequence[SimilarDocument], k: int) -> list[SimilarDocument]:
    """The first k rows of `ranked` with copies of one answer in one row (the best placed leads; the others
    are its `copies`), ranked again from 1."""
    wanted = {d.doc_id for d in ranked}
    chunks: dict[str, list[Chunk]] = {}
    for chunk in index.chunks:
        if chunk.doc_id in wanted:
            chunks.setdefault(chunk.doc_id, []).append(chunk)
    texts = [answer_text(chunks.get(d.doc_id, [])) for d in ranked]
    rows: list[SimilarDocument] = []
    for group in group_copies(texts)[:k]:
        lead = ranked[group[0]]
        rows.append(replace(lead, rank=len(rows) + 1, copies=tuple(ranked[i] for i in group[1:])))
    return rows


def find_similar(assistant: Assistant, question: str, k: int | None = None, agencies: Sequence[str] = (),
                 doc_ids: Sequence[str] = (), since: str = "", until: str = "") -> Similar:
    """The earlier answers on a question's subject, one row per answer, best first, and a draft answer with a
    section per point citing them. `since` and `until` (YYYY-MM-DD, inclusive) bound the documents' dates."""
    question = check_question(question, assistant.settings.max_question_chars)
    k = assistant.settings.k if k is None else k
    if not 1 <= k <= 50:
        raise InputError(f"k must be between 1 and 50, not {k}")
    index = assistant.index
    filters = resolve_filters(index, agencies, doc_ids)
    if since or until:
        dated = dated_doc_ids(index, since, until)
        kept = dated & set(filters.doc_ids) if filters.doc_ids else dated
        if not kept:
            return Similar(question, (), tuple(DraftSection(label, point, ()) for label, point
                                               in question_points(strip_boilerplate(question) or question)), ())
        filters = Filters(filters.agencies, tuple(sorted(kept)))
    ranked = rank_documents(index, question, max(POOL, k), filters)
    documents = group_documents(index, ranked, k)
    reader = assistant.answerer if isinstance(assistant.answerer, Reader) else None
    sections, sources = draft_sections(index, strip_boilerplate(question) or question, documents, reader)
    return Similar(question, tuple(documents), sections, sources)


__all__ = ["NO_EARLIER_ANSWER", "Similar", "SimilarDocument", "find_similar", "highlight_spans", "question_points",
           "rank_documents", "strip_boilerplate", "subject_line"]
