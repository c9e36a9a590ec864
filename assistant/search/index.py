"""Chunks -> Chroma (vectors) + BM25 (words), kept in step: the index the rest of the assistant uses.

`Index` is a facade over small parts, each with one concern:
- store.py: the Chroma collections (chunks with their vectors, document records, the write generation);
- write.py: documents -> chunks -> vectors -> the store, in the order that keeps a crash harmless;
- lexical.py: BM25 over chunks and whole documents, rebuilt from the store on every read
  (bm25_cache.py saves a large index's);
- directory.py: chunks by id, documents' first chunks, the agencies and the document filter;
- sync.py: how a reader sees that another process wrote; repair.py: what a cut-off ingest leaves.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import chromadb
import numpy as np
from langchain_core.embeddings import Embeddings

from ..ingest.sink import IngestReport, Outcome
from ..settings import Settings
from ..types import Chunk, Document
from .bm25_cache import has_state, load_state, save_state, state_key
from .chroma import open_client
from .directory import Directory
from .exact import EXACT_MAX_CHUNKS, ExactVectors, Unsupported
from .lexical import DocumentBM25, Lexical, State, build_state
from .repair import Repair
from .store import Store
from .text import Analyzer
from .write import document_hash, write_documents

__all__ = ["Index", "IngestReport", "Outcome", "DocumentBM25", "document_hash", "open_client"]

log = logging.getLogger(__name__)

CACHE_MIN_CHUNKS = 5_000  # smaller indexes rebuild BM25 on open: about a second, and no file to keep


class Index:
    """The chunks of an index in memory (for BM25, filters and the answerer) over its Chroma store."""

    def __init__(self, client: chromadb.ClientAPI, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.analyzer = Analyzer(settings.stemmer)
        self.store = Store(client, settings)
        self.repairs = Repair(self.store, sole_writer=not settings.chroma_url)
        self.generation = ""  # the store's write generation when the chunks were last read
        self.directory = Directory([])
        self.lexical = Lexical(build_state([], [], self.analyzer))
        self._exact: ExactVectors | None = None  # read on the first vector search after a refresh
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the chunks from Chroma and rebuild BM25 from them."""
        # The generation before the data: a write that lands while this reads changes it, and the next
        # `sync` reads again.
        self.generation = self.store.generation.stored()
        # Records before chunks: a record read here had all its chunks written before it.
        recorded = self.store.record_ids()
        # A large embedded store's chunks and BM25 come from the cache its last refresh wrote (bm25_cache.py).
        # A small one has none (see the save below): no need to read every id twice to name it.
        cache_dir = None if self.settings.chroma_url else self.settings.index_dir
        key = ""
        if cache_dir is not None and has_state(cache_dir):  # not count(): 0.7 s at 100k chunks
            key = state_key(self.generation, recorded, self.store.chunk_ids(), self.store.signature)
            state = load_state(cache_dir, key)
            if state is not None:
                self.analyzer.set_vocabulary(state.vocabulary)
                self._use(state)
                return
        stored = self.store.read_chunks()
        # The rest are left-overs of a cut-off ingest: unseen here, deleted by the next write (repair.py).
        chunks = self.repairs.separate(stored, recorded)
        state = build_state(chunks, self.repairs.orphans, self.analyzer)
        self._use(state)
        # Saved only for an index large enough for the rebuild to be felt (~1 s at 5,000 chunks), and only when
        # no write landed while this read: the ids are those the key read above, or (no cache yet) the
        # generation is still the one read first.
        if cache_dir is not None and len(state.chunks) >= CACHE_MIN_CHUNKS:
            read = state_key(self.generation, recorded, [c.id for c in stored], self.store.signature)
            if read == key if key else self.store.generation.stored() == self.generation:
                save_state(cache_dir, read, state)

    def _use(self, state: State) -> None:
        self.repairs.orphans = state.orphans
        self.directory = Directory(state.chunks)
        self.lexical = Lexical(state)
        self._exact = None

    def sync(self) -> bool:
        """Refresh when another process wrote to the store since the last refresh; True when it did.
        One small read: cheap enough before every question."""
        if self.store.generation.stored() == self.generation:
            return False
        log.info("the index changed elsewhere: reloading its chunks and rebuilding BM25")
        self.refresh()
        return True

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of a recorded document, by document and offset (BM25's order)."""
        return self.directory.chunks

    @property
    def document_frequency(self) -> Counter[str]:
        return self.lexical.document_frequency

    @property
    def documents_bm25(self) -> DocumentBM25:
        return self.lexical.documents

    def __len__(self) -> int:
        return len(self.chunks)

    def first_chunk(self, doc_id: str) -> Chunk | None:
        """The document's first chunk in reading order, or None for an unknown document."""
        return self.directory.first_chunk(doc_id)

    def chunk(self, chunk_id: str) -> Chunk:
        return self.directory.chunk(chunk_id)

    def document_ids(self) -> list[str]:
        return self.directory.document_ids()

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def agencies(self) -> dict[str, str]:
        """Full agency name -> short form, for every agency in the index."""
        return self.directory.agencies()

    def matching_documents(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> set[str]:
        """The documents of these agencies among these ids (either empty: any)."""
        return self.directory.matching(agencies, doc_ids)

    def df(self, token: str) -> int:
        """In how many chunks a stem occurs."""
        return self.lexical.df(token)

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency: rare words weigh more."""
        return self.lexical.idf(token)

    def search_bm25(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top chunk ids by BM25 over the query's stems (chunks outside the mask score 0 and are dropped)."""
        return self.lexical.search(tokens, k, mask)

    def search_vectors(self, vector: Sequence[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """Top chunk ids by cosine similarity."""
        if not self.chunks:
            return []
        if len(self.chunks) <= EXACT_MAX_CHUNKS:  # exact, and the same in every process (exact.py)
            if self._exact is None:
                self._exact = ExactVectors(self.chunks, self.store.read_vectors([c.id for c in self.chunks]))
            try:
                return self._exact.search(vector, min(k, len(self.chunks)), where)
            except Unsupported:
                pass
        found = self.store.query(vector, min(k, len(self.chunks)), where)
        # An id unknown here is a left-over of a cut-off ingest (repair.py).
        return [(i, score) for i, score in found if i in self.directory]

    def mask(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> np.ndarray | None:
        return self.directory.mask(agencies, doc_ids)

    # -- writing -------------------------------------------------------------------------------

    def add_documents(self, documents: Iterable[Document],
                      on_written: Callable[[list[Outcome]], None] | None = None) -> IngestReport:
        """Add new documents, replace changed ones, skip unchanged ones; BM25 follows.

        Documents are read from the iterable as they come; their chunks are embedded and written
        `settings.write_batch` at a time, and `on_written` hears of each batch once it is stored.
        """
        self.repairs.before_write()
        written = False

        def heard(outcomes: list[Outcome]) -> None:
            nonlocal written
            written = written or any(o.status != "unchanged" for o in outcomes)
            if on_written:
                on_written(outcomes)

        try:
            return write_documents(self.store, self.embedder, self.settings, documents, heard)
        finally:
            if written:
                self.refresh()

    def remove_documents(self, doc_ids: Iterable[str]) -> int:
        """Take documents and their chunks out; returns how many were there."""
        self.repairs.before_write()
        present = self.store.present(list(dict.fromkeys(doc_ids)))
        self.store.delete_documents(present)
        if present:
            self.store.generation.advance()
            self.refresh()
        return len(present)

    def sources(self) -> dict[str, str]:
        """Document id -> the file it was read from (absolute path), for pruning removed files."""
        return self.store.sources()

    def repair(self) -> int:
        """Delete the chunks of documents whose ingest was cut off (they have no record), as the last
        `refresh` found them; returns how many."""
        return self.repairs.run()
