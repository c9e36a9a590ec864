"""Exact cosine search in memory for an index small enough to hold its vectors: the same top k in every process.

Chroma's HNSW search is approximate. On the archive development set (1,809 chunks) it returned another vector
top 40 for two of 150 questions in some processes and not in others, even at ef_search 500, and so another
answer (docs/benchmarks.md). Up to EXACT_MAX_CHUNKS chunks the vectors are read from Chroma once per write
generation and searched with one matrix product; a larger index uses Chroma's HNSW.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..types import Chunk
from .store import CHUNK_FIELDS

# 20,000 chunks of 384 floats are 30 MB and a matrix product of a few milliseconds; above it, HNSW.
EXACT_MAX_CHUNKS = 20_000


class Unsupported(ValueError):
    """A Chroma filter this module cannot evaluate: the caller asks Chroma instead."""


def predicate(where: dict[str, Any] | None) -> Callable[[Chunk], bool]:
    """Chroma's `where` as a test of a chunk's fields and metadata, for the operators the assistant uses ($in,
    $nin, $eq, $ne, $and, $or); any other raises Unsupported. A field a chunk lacks matches $nin and $ne, as in
    Chroma. Built once per search: the lists of $in and $nin become sets, not scanned once a chunk."""
    if not where:
        return lambda chunk: True
    if len(where) != 1:
        parts = [predicate({key: value}) for key, value in where.items()]
        return lambda chunk: all(test(chunk) for test in parts)
    (key, condition), = where.items()
    if key in ("$and", "$or"):
        parts = [predicate(part) for part in condition]
        combine = all if key == "$and" else any
        return lambda chunk: combine(test(chunk) for test in parts)
    if not isinstance(condition, dict):
        return lambda chunk: _field(chunk, key) == condition
    (op, target), = condition.items()
    if op in ("$in", "$nin"):
        members = frozenset(target)
        inside = op == "$in"
        return lambda chunk: (_field(chunk, key) in members) == inside
    if op in ("$eq", "$ne"):
        equal = op == "$eq"
        return lambda chunk: (_field(chunk, key) == target) == equal
    raise Unsupported(f"filter operator {op}")


def _field(chunk: Chunk, key: str) -> Any:
    return getattr(chunk, key) if key in CHUNK_FIELDS else chunk.metadata.get(key)


class ExactVectors:
    """The vectors of an index's chunks, in the order of `chunks`, normalised to unit length."""

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.chunks = list(chunks)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True) if len(vectors) else np.ones((0, 1))
        norms[norms == 0] = 1.0
        self.matrix = (vectors / norms).astype(np.float32)

    def search(self, vector: Sequence[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """The k chunks nearest to `vector` (cosine similarity, best first; ties by the chunks' order)."""
        if not self.chunks or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        similarity = self.matrix @ query
        allowed = np.arange(len(self.chunks))
        if where:
            test = predicate(where)
            allowed = np.array([i for i, c in enumerate(self.chunks) if test(c)], dtype=int)
            if not len(allowed):
                return []
        order = allowed[np.argsort(-similarity[allowed], kind="stable")[:k]]
        return [(self.chunks[i].id, float(similarity[i])) for i in order]
