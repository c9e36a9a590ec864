"""The index's Chroma store: every read and write of its collections, and how chunks and documents are
stored there.

Collection "chunks" holds every chunk with its vector and metadata, collection "documents" each document's
full text (what the chat shows around a cited passage) and a hash of it (what makes re-ingesting an unchanged
document a no-op), collection "state" the write generation (sync.py). The chunks collection's metadata records
the settings that shaped the index; opening it with others is an IndexMismatchError, never silently mixed
vectors.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import islice
from typing import Any, cast

import chromadb
import numpy as np

from ..errors import IndexMismatchError
from ..ingest.chunk import CHUNKER_VERSION
from ..settings import Settings
from ..types import Chunk, Document, Metadata, Section
from .chroma import CHUNKS, server_down_message, server_errors
from .sync import Generation

DOCUMENTS = "documents"
STATE = "state"
FORMAT = 1  # bump when the stored layout changes
# Rows a `get` reads at once: Chroma reads the metadata of all the rows it returns in one SQL statement, and
# at 100k chunks that statement has more variables than SQLite allows ("too many SQL variables").
GET_PAGE = 10_000
CHUNK_FIELDS = {"doc_id", "title", "section", "item", "start", "end", "asks"}  # a Chunk's own, the rest is metadata

# How many neighbours the vector search keeps in view. Chroma's default, 100, gave a different top 40 in 10 of 40
# questions from one process to the next on the archive set (1,809 chunks), and so different answers; at 500 all
# but two of its 150 questions get the exact cosine top 40 in every run (two English ones still vary, not tracked
# down; docs/benchmarks.md), so an index of up to EXACT_MAX_CHUNKS is searched exactly (exact.py).
# benchmarks/scale.py measures the cost at 100k chunks.
SEARCH_EF = 500


class Store:
    """The chunks, document records and write generation of one index in Chroma."""

    def __init__(self, client: chromadb.ClientAPI, settings: Settings) -> None:
        self._down = server_down_message(settings.chroma_url) if settings.chroma_url else ""
        signature = {"format": FORMAT, "chunker": CHUNKER_VERSION, **settings.index_signature()}
        self.signature = json.dumps(signature, sort_keys=True)  # also names the BM25 cache (bm25_cache.py)
        with self.calls():
            self.chunk_collection = client.get_or_create_collection(
                CHUNKS, metadata={"signature": self.signature},
                embedding_function=None, configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}},
            )
            hnsw = (self.chunk_collection.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search") != SEARCH_EF:  # an index built before SEARCH_EF was set
                self.chunk_collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            found = json.loads(str((self.chunk_collection.metadata or {}).get("signature", "{}")))
            if found != signature:
                changed = ", ".join(f"{k}: index has {found.get(k)!r}, settings say {v!r}"
                                    for k, v in signature.items() if found.get(k) != v)
                where = f"the Chroma server at {settings.chroma_url}" if settings.chroma_url else settings.index_dir
                raise IndexMismatchError(
                    f"the index in {where} was built with other settings ({changed}); use the settings it was "
                    "built with, another --index folder for the new ones, or delete the folder and ingest again "
                    "(the default index/ is built again on its own, from the documents it holds)", changed
                )
            # Documents carry no vector worth searching: a 1-dimensional placeholder keeps Chroma content.
            self.document_collection = client.get_or_create_collection(
                DOCUMENTS, embedding_function=None, configuration={"hnsw": {"space": "l2"}},
            )
            self.generation = Generation(client.get_or_create_collection(STATE, embedding_function=None),
                                         self.calls)
            self.max_batch = int(client.get_max_batch_size())  # Chroma's limit on ids per call

    def calls(self) -> AbstractContextManager[None]:
        """Run Chroma calls under this: a Chroma server gone away is a ServerUnavailableError."""
        return server_errors(self._down)

    # -- reading -------------------------------------------------------------------------------

    def record_ids(self) -> set[str]:
        """The documents that have a record (and so all their chunks)."""
        with self.calls():
            return set(self.document_collection.get(include=[])["ids"])

    def chunk_ids(self) -> list[str]:
        with self.calls():
            return _get_all(self.chunk_collection, [])["ids"]

    def read_chunks(self) -> list[Chunk]:
        """Every stored chunk, in the store's order, left-overs of a cut-off ingest included."""
        with self.calls():
            got = _get_all(self.chunk_collection, ["documents", "metadatas"])
        return [to_chunk(i, t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def read_vectors(self, chunk_ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of these chunks, one row each, in the order given."""
        rows: dict[str, Any] = {}
        with self.calls():
            for i in range(0, len(chunk_ids), GET_PAGE):
                got = self.chunk_collection.get(ids=list(chunk_ids[i:i + GET_PAGE]), include=["embeddings"])
                embeddings = got["embeddings"]
                rows.update(zip(got["ids"], embeddings if embeddings is not None else []))
        missing = [i for i in chunk_ids if i not in rows]
        if missing:
            raise KeyError(f"no vector stored for {len(missing)} chunks, e.g. {missing[0]}")
        return np.array([rows[i] for i in chunk_ids], dtype=np.float32).reshape(len(chunk_ids), -1)

    def document(self, doc_id: str) -> Document | None:
        with self.calls():
            got = self.document_collection.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return to_document(doc_id, (got["documents"] or [""])[0] or "", (got["metadatas"] or [{}])[0])

    def present(self, doc_ids: list[str]) -> list[str]:
        """Those of `doc_ids` that have a record."""
        with self.calls():
            return list(self.document_collection.get(ids=doc_ids, include=[])["ids"]) if doc_ids else []

    def stored_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        with self.calls():
            got = self.document_collection.get(ids=doc_ids, include=["metadatas"])
        return {i: str((m or {}).get("_hash", "")) for i, m in zip(got["ids"], got["metadatas"] or [])}

    def sources(self) -> dict[str, str]:
        """Document id -> the file it was read from."""
        with self.calls():
            got = self.document_collection.get(include=["metadatas"])
        return {i: str((m or {}).get("_source", "")) for i, m in zip(got["ids"], got["metadatas"] or [])}

    def stored_chunks(self, doc_ids: list[str]) -> list[tuple[str, str | None, dict[str, Any]]]:
        """(id, text, metadata) of every stored chunk of these documents."""
        with self.calls():
            got = self.chunk_collection.get(where=_of_documents(doc_ids), include=["documents", "metadatas"])
        return [(i, t, dict(m or {}))
                for i, t, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [])]

    def query(self, vector: Sequence[float], n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """The n nearest chunk ids with their cosine similarity."""
        with self.calls():
            got = self.chunk_collection.query(query_embeddings=_vectors([list(vector)]), n_results=n, where=where,
                                              include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], (got["distances"] or [[]])[0])]

    # -- writing -------------------------------------------------------------------------------

    def add_chunks(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        size = self.max_batch
        with self.calls():
            for i in range(0, len(chunks), size):
                batch = chunks[i:i + size]
                self.chunk_collection.add(ids=[c.id for c in batch], embeddings=_vectors(vectors[i:i + size]),
                                          documents=[c.text for c in batch],
                                          metadatas=[chunk_metadata(c) for c in batch])

    def delete_chunks(self, chunk_ids: Iterable[str]) -> None:
        with self.calls():
            for batch in batched(iter(chunk_ids), self.max_batch):
                self.chunk_collection.delete(ids=batch)

    def write_records(self, documents: Sequence[Document], digests: Sequence[str]) -> None:
        """Store the documents' records, each with the hash of what its chunks were cut from."""
        with self.calls():
            self.document_collection.upsert(
                ids=[d.id for d in documents], embeddings=_vectors([[0.0]] * len(documents)),
                documents=[d.text for d in documents],
                metadatas=[document_metadata(d, h) for d, h in zip(documents, digests)],
            )

    def delete_records(self, doc_ids: list[str]) -> None:
        with self.calls():
            self.document_collection.delete(ids=doc_ids)

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Records and chunks; the record first: a crash between the two leaves record-less chunks, which
        the next repair removes."""
        with self.calls():
            for batch in batched(iter(doc_ids), self.max_batch):
                self.document_collection.delete(ids=batch)
                self.chunk_collection.delete(where=_of_documents(batch))


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """What Chroma stores beside a chunk's text: its metadata and its place in the document."""
    meta = {k: v for k, v in chunk.metadata.items() if not k.startswith("_")}
    meta.update(doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, item=chunk.item,
                start=chunk.start, end=chunk.end)
    if chunk.asks:
        meta["asks"] = chunk.asks
    return meta


def to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    """The chunk that `chunk_metadata` stored."""
    meta = dict(meta)
    fields = {k: meta.pop(k) for k in CHUNK_FIELDS if k in meta}
    return Chunk(id=chunk_id, doc_id=str(fields.get("doc_id", "")), text=text,
                 start=int(fields.get("start", 0)), end=int(fields.get("end", 0)),
                 title=str(fields.get("title", "")), section=str(fields.get("section", "text")),
                 item=str(fields.get("item", "")), metadata=meta, asks=str(fields.get("asks", "")))


def to_document(doc_id: str, text: str, stored: Any) -> Document:
    """A document as its record stores it: the whole text, title, metadata and sections."""
    meta = cast(Metadata, dict(stored or {}))
    sections = tuple(Section(*s) for s in json.loads(str(meta.pop("_sections", "[]"))))
    meta.pop("_hash", None)
    title = str(meta.pop("_title", ""))
    source = str(meta.pop("_source", ""))
    return Document(id=doc_id, text=text, title=title, metadata=meta, sections=sections, source=source)


def stored_documents(client: chromadb.ClientAPI) -> list[Document]:
    """Every document an index holds, read from its records whatever settings built its chunks."""
    names = {c.name for c in client.list_collections()}
    if DOCUMENTS not in names:
        return []
    got = _get_all(client.get_collection(DOCUMENTS), ["documents", "metadatas"])
    return [to_document(i, t or "", m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]


def document_metadata(doc: Document, digest: str) -> dict[str, Any]:
    return {**doc.metadata, "_hash": digest, "_title": doc.title, "_source": doc.source,
            "_sections": json.dumps([[s.name, s.start, s.end] for s in doc.sections])}


def batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch


def _of_documents(doc_ids: list[str]) -> Any:
    """Chroma's filter for the chunks of these documents (its type for filters is narrower than its use)."""
    return {"doc_id": {"$in": doc_ids}}


def _vectors(rows: Sequence[Sequence[float]]) -> Any:
    """Vectors as Chroma takes them: its type names lists of numpy arrays; plain lists serve as well."""
    return list(rows)


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
