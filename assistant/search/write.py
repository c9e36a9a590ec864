"""Documents -> chunks -> vectors -> the store, in batches, in the order that keeps a crash harmless.

Only a document whose hash changed is chunked and written; a chunk stored as it is now keeps its vector. Each
batch's records are written after its chunks and the write generation after the records (repair.py, sync.py).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from ..ingest.chunk import split_into_chunks
from ..ingest.sink import IngestReport, Outcome
from ..settings import Settings
from ..types import Chunk, Document
from .store import Store, batched, chunk_metadata

# Documents whose stored hashes are looked up in one call.
LOOKUP_BATCH = 256


@dataclass(frozen=True)
class _Pending:
    doc: Document
    chunks: list[Chunk]
    digest: str
    stored: bool  # the index holds an older version


def write_documents(store: Store, embedder: Embeddings, settings: Settings, documents: Iterable[Document],
                    on_written: Callable[[list[Outcome]], None] | None = None) -> IngestReport:
    """Add new documents, replace changed ones, skip unchanged ones.

    Documents are read from the iterable as they come; their chunks are embedded and written
    `settings.write_batch` at a time, and `on_written` hears of each batch once it is stored.
    """
    counts: Counter[str] = Counter()
    pending: list[_Pending] = []

    def flush() -> None:
        if pending:
            outcomes = _write(store, embedder, pending)
            counts.update(o.status for o in outcomes)
            counts["chunks"] += sum(o.chunks for o in outcomes)
            pending.clear()
            if on_written:
                on_written(outcomes)

    for group in batched(iter(documents), LOOKUP_BATCH):
        stored = store.stored_hashes([doc.id for doc in group])
        skipped: list[Outcome] = []
        for doc in group:
            digest = document_hash(doc, settings)
            if stored.get(doc.id) == digest:
                skipped.append(Outcome(doc.id, doc.source, "unchanged"))
                continue
            if any(p.doc.id == doc.id for p in pending):
                flush()  # the same id twice: the later one replaces the earlier, as in two runs
            chunks = split_into_chunks(doc, settings.chunk_size, settings.chunk_overlap)
            pending.append(_Pending(doc, chunks, digest, doc.id in stored))
            if sum(len(p.chunks) for p in pending) >= settings.write_batch:
                flush()
        if skipped:
            counts["unchanged"] += len(skipped)
            if on_written:
                on_written(skipped)
    flush()
    return IngestReport(counts["added"], counts["updated"], counts["unchanged"], counts["chunks"])


def _write(store: Store, embedder: Embeddings, pending: list[_Pending]) -> list[Outcome]:
    chunks = [c for p in pending for c in p.chunks]
    now = {c.id: (c.text, chunk_metadata(c)) for c in chunks}
    stored = store.stored_chunks([p.doc.id for p in pending])
    kept = {i for i, text, meta in stored if now.get(i) == (text, meta)}
    # A chunk stored as it is now keeps its vector: not embedded again, not written again. Any other stored
    # chunk of these documents is deleted, and changed ones are added anew, never updated in place: an
    # HNSW update re-links the graph around the node and can leave another node with no way in, so
    # that no vector search reaches it any more (seen once in a dozen re-ingests of changed documents).
    new = [c for c in chunks if c.id not in kept]
    # The slow part first, before the store changes: the window in which a crash leaves work undone is
    # the few writes below, and what it leaves is repaired on the next run (repair.py).
    vectors = embedder.embed_documents([c.indexed_text for c in new]) if new else []
    replaced = [p.doc.id for p in pending if p.stored]
    if replaced:
        store.delete_records(replaced)
    store.delete_chunks(i for i, _, _ in stored if i not in kept)
    store.add_chunks(new, vectors)
    # Written last: a document whose record is stored has all its chunks.
    store.write_records([p.doc for p in pending], [p.digest for p in pending])
    store.generation.advance()  # after the records: a reader that sees the new generation sees whole documents
    return [Outcome(p.doc.id, p.doc.source, "updated" if p.stored else "added", len(p.chunks)) for p in pending]


def document_hash(doc: Document, settings: Settings) -> str:
    payload = json.dumps([doc.id, doc.title, doc.text, sorted(doc.metadata.items()),
                          settings.chunk_size, settings.chunk_overlap], ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()
