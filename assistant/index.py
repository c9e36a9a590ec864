"""Chunks -> Chroma (vectors) + BM25 (words), kept in step.

Chroma is the one store: collection "chunks" holds every chunk with its vector and metadata,
collection "documents" each document's full text (what the chat shows around a cited passage) and
a hash of it (what makes re-ingesting an unchanged document a no-op). The BM25 index is derived from
the chunks collection whenever the index is opened or changed, so the two can never disagree. The
chunks collection's metadata records the settings that shaped the index; opening it with others is
an IndexMismatchError, never silently mixed vectors.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np
from langchain_core.embeddings import Embeddings

from .chunk import split_into_chunks
from .errors import IndexMismatchError, IndexMissingError
from .settings import Settings
from .text import Analyzer
from .types import Chunk, Document, Section

log = logging.getLogger(__name__)

CHUNKS = "chunks"
DOCUMENTS = "documents"
FORMAT = 1  # bump when the stored layout changes
_CHUNK_FIELDS = {"doc_id", "title", "section", "item", "start", "end"}


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0  # chunks written


def open_client(index_dir: Path, create: bool) -> chromadb.ClientAPI:
    store = index_dir / "chroma"
    if not create and not (store / "chroma.sqlite3").exists():
        raise IndexMissingError(
            f"no index in {index_dir}; build one with `python -m assistant ingest PATH... --index {index_dir}`"
        )
    store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store), settings=chromadb.Settings(anonymized_telemetry=False))


class Index:
    """The chunks of an index in memory (for BM25, filters and the answerer) over its Chroma store."""

    def __init__(self, client: chromadb.ClientAPI, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.analyzer = Analyzer(settings.stemmer)
        signature = {"format": FORMAT, **settings.index_signature()}
        self._chunks = client.get_or_create_collection(
            CHUNKS, metadata={"signature": json.dumps(signature, sort_keys=True)},
            embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
        )
        found = json.loads(str((self._chunks.metadata or {}).get("signature", "{}")))
        if found != signature:
            changed = ", ".join(f"{k}: index has {found.get(k)!r}, settings say {v!r}"
                                for k, v in signature.items() if found.get(k) != v)
            raise IndexMismatchError(
                f"the index was built with other settings ({changed}); use the settings it was built "
                "with, or another --index folder for the new ones"
            )
        # Documents carry no vector worth searching: a 1-dimensional placeholder keeps Chroma content.
        self._documents = client.get_or_create_collection(
            DOCUMENTS, embedding_function=None, configuration={"hnsw": {"space": "l2"}},
        )
        self.chunks: list[Chunk] = []
        self._position: dict[str, int] = {}
        self._bm25: bm25s.BM25 | None = None
        self.document_frequency: Counter[str] = Counter()
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the chunks from Chroma and rebuild BM25 from them."""
        got = self._chunks.get(include=["documents", "metadatas"])
        chunks = [_to_chunk(i, t or "", m or {}) for i, t, m in
                  zip(got["ids"], got["documents"] or [], got["metadatas"] or [])]
        chunks.sort(key=lambda c: (c.doc_id, c.start, c.id))
        self.chunks = chunks
        self._position = {c.id: i for i, c in enumerate(chunks)}
        tokens = [self.analyzer.tokens(c.indexed_text) for c in chunks]
        self.document_frequency = Counter(t for toks in tokens for t in set(toks))
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
            self._bm25 = bm25
        else:
            self._bm25 = None

    def __len__(self) -> int:
        return len(self.chunks)

    def chunk(self, chunk_id: str) -> Chunk:
        return self.chunks[self._position[chunk_id]]

    def document_ids(self) -> list[str]:
        return sorted({c.doc_id for c in self.chunks})

    def document(self, doc_id: str) -> Document | None:
        got = self._documents.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = dict((got["metadatas"] or [{}])[0] or {})
        sections = tuple(Section(*s) for s in json.loads(str(meta.pop("_sections", "[]"))))
        meta.pop("_hash", None)
        title = str(meta.pop("_title", ""))
        return Document(id=doc_id, text=(got["documents"] or [""])[0] or "", title=title,
                        metadata=meta, sections=sections)

    def agencies(self) -> dict[str, str]:
        """Full agency name -> short form, for every agency in the index."""
        return {c.agency: c.agency_short for c in self.chunks if c.agency}

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency: rare words weigh more."""
        n, df = max(len(self.chunks), 1), self.document_frequency.get(token, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def search_bm25(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top chunk ids by BM25 over the query's stems (chunks outside the mask score 0 and are dropped)."""
        if self._bm25 is None or not tokens:
            return []
        scores = self._bm25.get_scores(list(tokens), weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i].id, float(scores[i])) for i in top if scores[i] > 0]

    def search_vectors(self, vector: Sequence[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """Top chunk ids by cosine similarity."""
        if not self.chunks:
            return []
        got = self._chunks.query(query_embeddings=[list(vector)], n_results=min(k, len(self.chunks)),
                                 where=where, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], (got["distances"] or [[]])[0])]

    def mask(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> np.ndarray | None:
        agencies, doc_ids = set(agencies), set(doc_ids)
        if not agencies and not doc_ids:
            return None
        return np.array([(not agencies or c.agency in agencies) and (not doc_ids or c.doc_id in doc_ids)
                         for c in self.chunks], dtype=np.float32)

    # -- writing -------------------------------------------------------------------------------

    def add_documents(self, documents: Iterable[Document]) -> IngestReport:
        """Add new documents, replace changed ones, skip unchanged ones; BM25 follows."""
        added = updated = unchanged = written = 0
        for doc in documents:
            digest = document_hash(doc, self.settings)
            old = self._documents.get(ids=[doc.id], include=["metadatas"])
            if old["ids"] and (old["metadatas"] or [{}])[0].get("_hash") == digest:
                unchanged += 1
                continue
            chunks = split_into_chunks(doc, self.settings.chunk_size, self.settings.chunk_overlap)
            written += self._write(doc, chunks, digest)
            if old["ids"]:
                updated += 1
            else:
                added += 1
        if added or updated:
            self.refresh()
        return IngestReport(added, updated, unchanged, written)

    def remove_documents(self, doc_ids: Iterable[str]) -> int:
        removed = 0
        for doc_id in doc_ids:
            if self._documents.get(ids=[doc_id], include=[])["ids"]:
                self._chunks.delete(where={"doc_id": doc_id})
                self._documents.delete(ids=[doc_id])
                removed += 1
        if removed:
            self.refresh()
        return removed

    def _write(self, doc: Document, chunks: list[Chunk], digest: str) -> int:
        stale = set(self._chunks.get(where={"doc_id": doc.id}, include=[])["ids"]) - {c.id for c in chunks}
        if stale:
            self._chunks.delete(ids=sorted(stale))
        size = self.settings.batch_size * 8
        for i in range(0, len(chunks), size):
            batch = chunks[i:i + size]
            vectors = self.embedder.embed_documents([c.indexed_text for c in batch])
            self._chunks.upsert(ids=[c.id for c in batch], embeddings=vectors,
                                documents=[c.text for c in batch],
                                metadatas=[_chunk_metadata(c) for c in batch])
        # Written last: a document whose hash is stored has all its chunks.
        meta = {**doc.metadata, "_hash": digest, "_title": doc.title,
                "_sections": json.dumps([[s.name, s.start, s.end] for s in doc.sections])}
        self._documents.upsert(ids=[doc.id], embeddings=[[0.0]], documents=[doc.text], metadatas=[meta])
        return len(chunks)


def document_hash(doc: Document, settings: Settings) -> str:
    payload = json.dumps([doc.id, doc.title, doc.text, sorted(doc.metadata.items()),
                          settings.chunk_size, settings.chunk_overlap], ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    meta = {k: v for k, v in chunk.metadata.items() if not k.startswith("_")}
    meta.update(doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, item=chunk.item,
                start=chunk.start, end=chunk.end)
    return meta


def _to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    meta = dict(meta)
    fields = {k: meta.pop(k) for k in _CHUNK_FIELDS if k in meta}
    return Chunk(id=chunk_id, doc_id=str(fields.get("doc_id", "")), text=text,
                 start=int(fields.get("start", 0)), end=int(fields.get("end", 0)),
                 title=str(fields.get("title", "")), section=str(fields.get("section", "text")),
                 item=str(fields.get("item", "")), metadata=meta)
