"""Chunks -> Chroma (vectors) + BM25 (words), kept in step.

Chroma is the one store: collection "chunks" holds every chunk with its vector and metadata,
collection "documents" each document's full text (what the chat shows around a cited passage) and
a hash of it (what makes re-ingesting an unchanged document a no-op). The BM25 index is derived from
the chunks collection whenever the index is opened or changed, so the two can never disagree. The
chunks collection's metadata records the settings that shaped the index; opening it with others is
an IndexMismatchError, never silently mixed vectors.

Crash safety: a document's record (with its hash) is written only after all its chunks, and an updated
document's old record is deleted before its chunks change. So a document with a record has all its
chunks, whatever moment a crash (or kill -9) hits; chunks without a record are left-overs of a cut-off
ingest: readers ignore them and the next write (`repair`) deletes them, and the re-run ingests those
documents again, as new.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import httpx
import numpy as np
from langchain_core.embeddings import Embeddings

from ..errors import IndexMismatchError, IndexMissingError, ServerUnavailableError
from ..ingest.chunk import CHUNKER_VERSION, split_into_chunks
from ..settings import Settings, parse_chroma_url
from ..types import Chunk, Document, Section
from .bm25_cache import State, has_state, load_state, save_state, state_key
from .text import Analyzer, words

log = logging.getLogger(__name__)
# bm25s sets its logger to DEBUG when imported, which prints a line on every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

CHUNKS = "chunks"
DOCUMENTS = "documents"
# One record whose value changes with every write: how a reader sees that another process (a colleague's
# ingest into the same Chroma server) changed the index, and rebuilds its BM25 (`sync`).
STATE = "state"
GENERATION = "generation"
FORMAT = 1  # bump when the stored layout changes
CACHE_MIN_CHUNKS = 5_000  # smaller indexes rebuild BM25 on open: about a second, and no file to keep
_CHUNK_FIELDS = {"doc_id", "title", "section", "item", "start", "end"}


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0  # chunks written


@dataclass(frozen=True)
class Outcome:
    """What became of one document given to `Index.add_documents`."""

    doc_id: str
    source: str
    status: str  # "added", "updated" or "unchanged"
    chunks: int = 0  # chunks written


@dataclass(frozen=True)
class _Pending:
    doc: Document
    chunks: list[Chunk]
    digest: str
    stored: bool  # the index holds an older version


# Documents whose stored hashes are looked up in one call.
LOOKUP_BATCH = 256
# Seconds one call to a Chroma server may take: an upsert of 512 chunks takes about one.
SERVER_TIMEOUT = 120.0


def open_client(index_dir: Path, create: bool, chroma_url: str = "") -> chromadb.ClientAPI:
    """The embedded store in index_dir, or with `chroma_url` a Chroma server (the same collections)."""
    if chroma_url:
        return _open_server(chroma_url, create)
    store = index_dir / "chroma"
    if not create and not (store / "chroma.sqlite3").exists():
        raise IndexMissingError(
            f"no index in {index_dir}; build one with `python -m assistant ingest PATH... --index {index_dir}`"
        )
    store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store), settings=chromadb.Settings(anonymized_telemetry=False))


def _open_server(url: str, create: bool) -> chromadb.ClientAPI:
    host, port, ssl = parse_chroma_url(url)
    down = (f"the Chroma server at {url} does not answer; start it (`chroma run --path DIR --host {host} "
            f"--port {port}`) or give the right --chroma-url")
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl,
                                     settings=chromadb.Settings(anonymized_telemetry=False))
        _translate_server_errors(client, down)
        names = {c.name for c in client.list_collections()}
    except (ValueError, httpx.HTTPError) as exc:  # chromadb says "Could not connect" with a ValueError
        raise ServerUnavailableError(down) from exc
    if not create and CHUNKS not in names:
        raise IndexMissingError(
            f"no index on the Chroma server at {url}; build one with "
            f"`python -m assistant ingest PATH... --chroma-url {url}`"
        )
    return client


class _ServerErrors(httpx.BaseTransport):
    """Turns a dropped connection to the Chroma server, at any call, into a ServerUnavailableError:
    one readable line in the CLI, a 503 in the API, a message in the chat, instead of a traceback."""

    def __init__(self, inner: httpx.BaseTransport, message: str) -> None:
        self.inner, self.message = inner, message

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self.inner.handle_request(request)
        except httpx.TransportError as exc:
            raise ServerUnavailableError(f"{self.message} ({exc.__class__.__name__})") from exc

    def close(self) -> None:
        self.inner.close()


def _translate_server_errors(client: chromadb.ClientAPI, message: str) -> None:
    # chromadb keeps its httpx session private; clients of one server share it, so wrap it once.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client) and not isinstance(session._transport, _ServerErrors):
        session._transport = _ServerErrors(session._transport, message)
        # chromadb waits for ever; a hung server should not hang every question.
        session.timeout = httpx.Timeout(SERVER_TIMEOUT, connect=5.0)


class Index:
    """The chunks of an index in memory (for BM25, filters and the answerer) over its Chroma store."""

    def __init__(self, client: chromadb.ClientAPI, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.analyzer = Analyzer(settings.stemmer)
        signature = {"format": FORMAT, "chunker": CHUNKER_VERSION, **settings.index_signature()}
        self._signature = json.dumps(signature, sort_keys=True)  # also names the BM25 cache (bm25_cache.py)
        self._chunks = client.get_or_create_collection(
            CHUNKS, metadata={"signature": json.dumps(signature, sort_keys=True)},
            embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
        )
        found = json.loads(str((self._chunks.metadata or {}).get("signature", "{}")))
        if found != signature:
            changed = ", ".join(f"{k}: index has {found.get(k)!r}, settings say {v!r}"
                                for k, v in signature.items() if found.get(k) != v)
            where = f"the Chroma server at {settings.chroma_url}" if settings.chroma_url else settings.index_dir
            raise IndexMismatchError(
                f"the index in {where} was built with other settings ({changed}); use the "
                "settings it was built with, another --index folder for the new ones, or delete the folder "
                "and ingest again (the default index/ is rebuilt from corpus/ on its own)"
            )
        # Documents carry no vector worth searching: a 1-dimensional placeholder keeps Chroma content.
        self._documents = client.get_or_create_collection(
            DOCUMENTS, embedding_function=None, configuration={"hnsw": {"space": "l2"}},
        )
        self._state = client.get_or_create_collection(STATE, embedding_function=None)
        self.generation = ""  # the state's value when the chunks were last read
        self._max_write = client.get_max_batch_size()  # Chroma's limit on ids per call
        self._orphans: list[str] = []
        self.chunks: list[Chunk] = []
        self._position: dict[str, int] = {}
        self._bm25: bm25s.BM25 | None = None
        self.documents_bm25 = DocumentBM25([], [])
        self._first: dict[str, int] = {}
        self._agency_names: dict[str, str] | None = None
        self.document_frequency: Counter[str] = Counter()
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the chunks from Chroma and rebuild BM25 from them."""
        # The generation before the data: a write that lands while this reads changes it, and the next
        # `sync` reads again.
        self.generation = self._stored_generation()
        # Records before chunks: a record read here had all its chunks written before it.
        recorded = set(self._documents.get(include=[])["ids"])
        # A large embedded store's chunks and BM25 come from the cache its last refresh wrote (bm25_cache.py).
        # A small one has none (see the save below): no need to read every id twice to name it.
        cache_dir = None if self.settings.chroma_url else self.settings.index_dir
        key = ""
        if cache_dir is not None and has_state(cache_dir):  # not count(): 0.7 s at 100k chunks
            key = state_key(self.generation, recorded, _get_all(self._chunks, [])["ids"], self._signature)
            state = load_state(cache_dir, key)
            if state is not None:
                self._use(state)
                return
        got = _get_all(self._chunks, ["documents", "metadatas"])
        chunks = [_to_chunk(i, t or "", m or {}) for i, t, m in
                  zip(got["ids"], got["documents"] or [], got["metadatas"] or [])]
        # The rest are left-overs of a cut-off ingest: unseen here, deleted by the next write (`repair`).
        orphans = [c.id for c in chunks if c.doc_id not in recorded]
        chunks = [c for c in chunks if c.doc_id in recorded]
        chunks.sort(key=lambda c: (c.doc_id, c.start, c.id))
        vocabulary = sorted({w for c in chunks for w in words(c.indexed_text)})
        self.analyzer.set_vocabulary(vocabulary)
        tokens = [self.analyzer.tokens(c.indexed_text) for c in chunks]
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(tokens, show_progress=False)
        state = State(chunks, orphans, vocabulary, Counter(t for toks in tokens for t in set(toks)), bm25,
                      DocumentBM25.from_chunks(chunks, tokens, self.analyzer))
        self._use(state, set_vocabulary=False)
        # Saved only for an index large enough for the rebuild to be felt (~1 s at 5,000 chunks), and only when
        # no write landed while this read: the ids are those the key read above, or (no cache yet) the
        # generation is still the one read first.
        if cache_dir is not None and len(chunks) >= CACHE_MIN_CHUNKS:
            read = state_key(self.generation, recorded, got["ids"], self._signature)
            if read == key if key else self._stored_generation() == self.generation:
                save_state(cache_dir, read, state)

    def _use(self, state: State, set_vocabulary: bool = True) -> None:
        self._agency_names = None
        self._orphans = state.orphans
        self.chunks = state.chunks
        self._position = {c.id: i for i, c in enumerate(state.chunks)}
        if set_vocabulary:
            self.analyzer.set_vocabulary(state.vocabulary)
        self.document_frequency = state.document_frequency
        self._bm25 = state.bm25
        self.documents_bm25: DocumentBM25 = state.documents
        self._first = {}
        for i, chunk in enumerate(state.chunks):
            self._first.setdefault(chunk.doc_id, i)

    def sync(self) -> bool:
        """Refresh when another process wrote to the store since the last refresh; True when it did.
        One small read: cheap enough before every question."""
        if self._stored_generation() == self.generation:
            return False
        log.info("the index changed elsewhere: reloading its chunks and rebuilding BM25")
        self.refresh()
        return True

    def _stored_generation(self) -> str:
        got = self._state.get(ids=[GENERATION], include=["metadatas"])
        return str(((got["metadatas"] or [{}])[0] or {}).get("value", "")) if got["ids"] else ""

    def _new_generation(self) -> None:
        self._state.upsert(ids=[GENERATION], embeddings=[[0.0]], metadatas=[{"value": uuid.uuid4().hex}])

    def __len__(self) -> int:
        return len(self.chunks)

    def first_chunk(self, doc_id: str) -> Chunk | None:
        """The document's first chunk in reading order, or None for an unknown document."""
        i = self._first.get(doc_id)
        return None if i is None else self.chunks[i]

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
        source = str(meta.pop("_source", ""))
        return Document(id=doc_id, text=(got["documents"] or [""])[0] or "", title=title,
                        metadata=meta, sections=sections, source=source)

    def agencies(self) -> dict[str, str]:
        """Full agency name -> short form, for every agency in the index."""
        # Worked out once per refresh, from each document's first chunk (the agency is the document's): every
        # question asks (resolve_filters), and over all 100k chunks of a large index the loop took 0.7 s.
        if self._agency_names is None:
            names: dict[str, str] = {}
            for chunk in map(self.chunks.__getitem__, self._first.values()):
                # A document that names no short form must not hide the short form others give.
                if chunk.agency and (chunk.agency not in names or names[chunk.agency] == chunk.agency):
                    names[chunk.agency] = chunk.agency_short
            self._agency_names = names
        return dict(self._agency_names)

    def df(self, token: str) -> int:
        """In how many chunks a stem occurs."""
        return self.document_frequency.get(token, 0)

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency: rare words weigh more."""
        n, df = max(len(self.chunks), 1), self.document_frequency.get(token, 0)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def search_bm25(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top chunk ids by BM25 over the query's stems (chunks outside the mask score 0 and are dropped)."""
        if self._bm25 is None or not tokens:
            return []
        scores = self._bm25.get_scores(list(tokens), weight_mask=mask)
        return [(self.chunks[i].id, float(scores[i])) for i in _top(scores, k)]

    def search_vectors(self, vector: Sequence[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """Top chunk ids by cosine similarity."""
        if not self.chunks:
            return []
        got = self._chunks.query(query_embeddings=[list(vector)], n_results=min(k, len(self.chunks)),
                                 where=where, include=["distances"])
        # An id unknown to self.chunks is a left-over of a cut-off ingest (see the module docstring).
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], (got["distances"] or [[]])[0]) if i in self._position]

    def mask(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> np.ndarray | None:
        agencies, doc_ids = set(agencies), set(doc_ids)
        if not agencies and not doc_ids:
            return None
        return np.array([(not agencies or c.agency in agencies) and (not doc_ids or c.doc_id in doc_ids)
                         for c in self.chunks], dtype=np.float32)

    # -- writing -------------------------------------------------------------------------------

    def add_documents(self, documents: Iterable[Document],
                      on_written: Callable[[list[Outcome]], None] | None = None) -> IngestReport:
        """Add new documents, replace changed ones, skip unchanged ones; BM25 follows.

        Documents are read from the iterable as they come; their chunks are embedded and written
        `settings.write_batch` at a time, and `on_written` hears of each batch once it is stored.
        """
        self._repair_if_sole_writer()
        counts: Counter[str] = Counter()
        pending: list[_Pending] = []

        def flush() -> None:
            if pending:
                outcomes = self._write(pending)
                counts.update(o.status for o in outcomes)
                counts["chunks"] += sum(o.chunks for o in outcomes)
                pending.clear()
                if on_written:
                    on_written(outcomes)

        try:
            for group in _batched(iter(documents), LOOKUP_BATCH):
                stored = self._stored_hashes([doc.id for doc in group])
                skipped: list[Outcome] = []
                for doc in group:
                    digest = document_hash(doc, self.settings)
                    if stored.get(doc.id) == digest:
                        skipped.append(Outcome(doc.id, doc.source, "unchanged"))
                        continue
                    if any(p.doc.id == doc.id for p in pending):
                        flush()  # the same id twice: the later one replaces the earlier, as in two runs
                    chunks = split_into_chunks(doc, self.settings.chunk_size, self.settings.chunk_overlap)
                    pending.append(_Pending(doc, chunks, digest, doc.id in stored))
                    if sum(len(p.chunks) for p in pending) >= self.settings.write_batch:
                        flush()
                if skipped:
                    counts["unchanged"] += len(skipped)
                    if on_written:
                        on_written(skipped)
            flush()
        finally:
            if counts["added"] or counts["updated"]:
                self.refresh()
        return IngestReport(counts["added"], counts["updated"], counts["unchanged"], counts["chunks"])

    def remove_documents(self, doc_ids: Iterable[str]) -> int:
        """Take documents and their chunks out; returns how many were there."""
        self._repair_if_sole_writer()
        wanted = list(dict.fromkeys(doc_ids))
        present = [i for i in self._documents.get(ids=wanted, include=[])["ids"]] if wanted else []
        for batch in _batched(iter(present), self._max_batch()):
            # Record first: a crash between the two deletes leaves record-less chunks, which `repair` removes.
            self._documents.delete(ids=batch)
            self._chunks.delete(where={"doc_id": {"$in": batch}})
        if present:
            self._new_generation()
            self.refresh()
        return len(present)

    def sources(self) -> dict[str, str]:
        """Document id -> the file it was read from (absolute path), for pruning removed files."""
        got = self._documents.get(include=["metadatas"])
        return {i: str((m or {}).get("_source", "")) for i, m in zip(got["ids"], got["metadatas"] or [])}

    def repair(self) -> int:
        """Delete the chunks of documents whose ingest was cut off (they have no record), as the last
        `refresh` found them; returns how many."""
        orphans, self._orphans = self._orphans, []
        for batch in _batched(iter(orphans), self._max_batch()):
            self._chunks.delete(ids=batch)
        if orphans:
            log.warning("removed %d chunks left by an ingest that was cut off", len(orphans))
        return len(orphans)

    def _repair_if_sole_writer(self) -> None:
        # Only an embedded store has a single writer. On a shared server another process's document may be
        # mid-write (chunks stored, record not yet): not ours to delete. There a re-ingested document's
        # left-overs still go, as stale chunks of that document in `_write`.
        if not self.settings.chroma_url:
            self.repair()

    def _write(self, pending: list[_Pending]) -> list[Outcome]:
        chunks = [c for p in pending for c in p.chunks]
        doc_ids = [p.doc.id for p in pending]
        stored = self._chunks.get(where={"doc_id": {"$in": doc_ids}}, include=["documents", "metadatas"])
        now = {c.id: (c.text, _chunk_metadata(c)) for c in chunks}
        kept = {i for i, text, meta in zip(stored["ids"], stored["documents"] or [], stored["metadatas"] or [])
                if now.get(i) == (text, meta)}
        # A chunk stored as it is now keeps its vector: not embedded again, not written again. Any other stored
        # chunk of these documents is deleted, and changed ones are added anew, never updated in place: an
        # HNSW update re-links the graph around the node and can leave another node with no way in, so
        # that no vector search reaches it any more (seen once in a dozen re-ingests of changed documents).
        new = [c for c in chunks if c.id not in kept]
        # The slow part first, before the store changes: the window in which a crash leaves work undone is
        # the few writes below, and what it leaves is repaired on the next run (see the module docstring).
        vectors = self.embedder.embed_documents([c.indexed_text for c in new]) if new else []
        replaced = [p.doc.id for p in pending if p.stored]
        if replaced:
            self._documents.delete(ids=replaced)
        size = self._max_batch()
        for batch in _batched((i for i in stored["ids"] if i not in kept), size):
            self._chunks.delete(ids=batch)
        for i in range(0, len(new), size):
            batch = new[i:i + size]
            self._chunks.add(ids=[c.id for c in batch], embeddings=vectors[i:i + size],
                             documents=[c.text for c in batch], metadatas=[now[c.id][1] for c in batch])
        # Written last: a document whose record is stored has all its chunks.
        records = [p.doc for p in pending]
        self._documents.upsert(
            ids=doc_ids, embeddings=[[0.0]] * len(records), documents=[d.text for d in records],
            metadatas=[_document_metadata(p.doc, p.digest) for p in pending],
        )
        self._new_generation()  # after the records: a reader that sees the new generation sees whole documents
        return [Outcome(p.doc.id, p.doc.source, "updated" if p.stored else "added", len(p.chunks)) for p in pending]

    def _stored_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        got = self._documents.get(ids=doc_ids, include=["metadatas"])
        return {i: str((m or {}).get("_hash", "")) for i, m in zip(got["ids"], got["metadatas"] or [])}

    def _max_batch(self) -> int:
        return int(self._max_write)


class DocumentBM25:
    """BM25 over whole documents (title once, then every chunk's text), built with the chunks' BM25.

    Long answers are cut into many chunks, each matching a part of a long question; over the whole document
    the question's words add up. On dekamer 2017 Q1: grouped hit@5 0.823 -> 0.853, MRR 0.722 -> 0.753 fused
    with the best-chunk ranking (similar.DOCUMENT_SHARE 0.7), against the best chunk alone.
    """

    def __init__(self, doc_ids: list[str], tokens: list[list[str]]) -> None:
        self.doc_ids = doc_ids
        self._bm25: bm25s.BM25 | None = None
        if doc_ids:
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    @classmethod
    def from_chunks(cls, chunks: Sequence[Chunk], tokens: Sequence[list[str]], analyzer: Analyzer) -> DocumentBM25:
        """From the chunks in document order and the tokens of their indexed text (the title's tokens, then
        the text's: the analyzer tokenises word by word), so no text is tokenised twice."""
        documents: dict[str, list[str]] = {}
        title_length: dict[str, int] = {}
        for chunk, toks in zip(chunks, tokens):
            skip = 0
            if chunk.title:
                if chunk.title not in title_length:
                    title_length[chunk.title] = len(analyzer.tokens(chunk.title))
                skip = title_length[chunk.title]
            document = documents.get(chunk.doc_id)
            if document is None:
                documents[chunk.doc_id] = list(toks)
            else:
                document.extend(toks[skip:])
        return cls(list(documents), list(documents.values()))

    def search(self, tokens: Sequence[str], k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        if self._bm25 is None or not tokens:
            return []
        mask = None
        if doc_ids is not None:
            mask = np.array([d in doc_ids for d in self.doc_ids], dtype=np.float32)
        scores = self._bm25.get_scores(list(tokens), weight_mask=mask)
        return [(self.doc_ids[i], float(scores[i])) for i in _top(scores, k)]


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Positions of the k highest positive scores, best first (ties in position order)."""
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [int(i) for i in top if scores[i] > 0]


def document_hash(doc: Document, settings: Settings) -> str:
    payload = json.dumps([doc.id, doc.title, doc.text, sorted(doc.metadata.items()),
                          settings.chunk_size, settings.chunk_overlap], ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _document_metadata(doc: Document, digest: str) -> dict[str, Any]:
    return {**doc.metadata, "_hash": digest, "_title": doc.title, "_source": doc.source,
            "_sections": json.dumps([[s.name, s.start, s.end] for s in doc.sections])}


# Rows a `get` reads at once: Chroma reads the metadata of all the rows it returns in one SQL statement, and
# at 100k chunks that statement has more variables than SQLite allows ("too many SQL variables").
GET_PAGE = 10_000


def _get_all(collection: Any, include: list[str]) -> dict[str, list[Any]]:
    """Every row of a collection, read GET_PAGE rows at a time: ids, and the `include`d fields."""
    out: dict[str, list[Any]] = {"ids": [], **{name: [] for name in include}}
    offset = 0
    while True:
        page = collection.get(include=include, limit=GET_PAGE, offset=offset)
        for name in out:
            out[name].extend(page[name] or [])
        if len(page["ids"]) < GET_PAGE:
            return out
        offset += GET_PAGE


def _batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch


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
