"""Question -> ranked Passages: BM25 and vectors, fused by weighted reciprocal rank; filters by agency
and document. The fusion maths are pure functions."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from ..types import Passage
from .filters import Filters, filtered_doc_ids, resolve_filters
from .index import Index
from .text import is_english

__all__ = ["Filters", "HybridRetriever", "filtered_doc_ids", "fuse_rankings", "per_agency", "rerank",
           "resolve_filters", "retrieve"]

# A passage from the question side of a written question restates what was asked; the answer side
# says what is so. Question chunks keep this share of their fused score, so they rank below an
# answer that matches as well but still come up when nothing in the answers does.
QUESTION_SECTION_WEIGHT = 0.5


def fuse_rankings(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion: score(id) = sum of weight / (k + rank), rank from 1.

    The constant k damps the head of each list. The assistant passes settings.rrf_k, 10: rank 1 gives 1/11
    and rank 5 gives 1/15, so a retriever's clear first hit still counts a third more than its fifth. The usual
    60 (1/61 against 1/65, within 7%) let the vectors outvote BM25's clear first passage (settings.py).
    """
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


# How much more than its share of `candidates` an agency the one vector search of a list looks for: agencies are
# unequal in size, and a small one's chunks may all lie beyond the large ones' best.
VECTOR_SHARE = 2


def retrieve(index: Index, question: str, k: int, filters: Filters = Filters(), candidates: int | None = None,
             bm25_weight: float | None = None, vector: Sequence[float] | None = None,
             vector_hits: list[tuple[str, float]] | None = None) -> list[Passage]:
    """The k best passages for a question, best first, ranks from 1 and scores in [0, 1]. `vector_hits`, when
    given, are the vector search's best chunks within the filter, best first (per_agency finds them for all
    agencies at once)."""
    settings = index.settings
    candidates = max(candidates or settings.candidates, k)
    if bm25_weight is None:
        bm25_weight = settings.bm25_weight_english if is_english(question) else settings.bm25_weight
    weight = bm25_weight
    doc_ids = filtered_doc_ids(index, filters)
    if doc_ids is not None and not doc_ids:
        return []
    mask = index.mask(doc_ids=doc_ids) if doc_ids is not None else None
    bm25 = index.search_bm25(index.analyzer.query_tokens(question), candidates, mask)
    where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
    if vector_hits is not None:
        vectors = vector_hits[:candidates]
    else:
        if vector is None:
            vector = index.embedder.embed_query(_vector_text(question))
        vectors = index.search_vectors(vector, candidates, where)
    fused = fuse_rankings([[i for i, _ in bm25], [i for i, _ in vectors]], [weight, 1.0 - weight],
                          settings.rrf_k)
    best = (weight + (1.0 - weight)) / (settings.rrf_k + 1)  # rank 1 in both lists
    scored = [(index.chunk(i), s / best) for i, s in fused.items()]
    scored = [(c, s * (QUESTION_SECTION_WEIGHT if c.section == "question" else 1.0)) for c, s in scored]
    scored.sort(key=lambda cs: (-cs[1], cs[0].doc_id, cs[0].start))
    return [Passage(chunk=c, score=s, rank=r) for r, (c, s) in enumerate(scored[:k], 1)]


def rerank(passages: Iterable[Passage]) -> list[Passage]:
    """Number passages 1..n in the order given."""
    return [Passage(chunk=p.chunk, score=p.score, rank=r) for r, p in enumerate(passages, 1)]


def per_agency(index: Index, question: str, per: int, filters: Filters = Filters()) -> dict[str, list[Passage]]:
    """The best passages of each agency in the index (or in the filter), for comparisons."""
    agencies = filters.agencies or tuple(sorted(index.agencies()))
    vector = index.embedder.embed_query(_vector_text(question))  # once, not once an agency
    candidates = max(index.settings.candidates, per)
    # One vector search for all agencies, its hits grouped by agency: an agency's best chunks in it are, in order,
    # those a search within the agency finds. An agency with fewer than `candidates` of them is searched on its own.
    # At 100k chunks and 19 agencies, a list took about 1 s in 19 filtered searches.
    by_agency: dict[str, list[tuple[str, float]]] = {}
    if not filters.doc_ids and len(agencies) > 1:
        for chunk_id, score in index.search_vectors(vector, candidates * len(agencies) * VECTOR_SHARE, None):
            by_agency.setdefault(index.chunk(chunk_id).agency, []).append((chunk_id, score))
    out: dict[str, list[Passage]] = {}
    for agency in agencies:
        hits = by_agency.get(agency, [])
        found = retrieve(index, question, per, Filters((agency,), filters.doc_ids), candidates=candidates,
                         vector=vector, vector_hits=hits if len(hits) >= candidates else None)
        if found:
            out[agency] = found
    return out


def _vector_text(question: str) -> str:
    # The model reads 256 tokens; a long written question's opening says what it is about.
    return re.sub(r"\s+", " ", question)[:2000]



class HybridRetriever(BaseRetriever):
    """The hybrid search as a langchain retriever: `invoke(question)` gives langchain Documents whose
    metadata carry the chunk's doc_id, title, agency, section, item, offsets, rank and score."""

    index: Any
    k: int = 5
    filters: Filters = Filters()

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        return [
            LCDocument(
                page_content=p.chunk.text, id=p.chunk.id,
                metadata={**p.chunk.metadata, "doc_id": p.chunk.doc_id, "title": p.chunk.title,
                          "agency": p.chunk.agency, "section": p.chunk.section, "item": p.chunk.item,
                          "start": p.chunk.start, "end": p.chunk.end, "rank": p.rank, "score": p.score},
            )
            for p in retrieve(self.index, query, self.k, self.filters)
        ]
