"""An index as one user sees it: only the documents of the collections they may see, filtered before anything
is ranked, listed or shown.

`CollectionView` has the reading side of `search.index.Index` and hands everything else to the index it wraps.
Retrieval, `similar`, the filters' lists, the passage viewer and the health counts all read the index through
these methods, so a scoped `Assistant` (see `scoped`) is isolated in all of them without a change of their own:

- BM25 (chunks): the collection mask multiplies the caller's mask, so hidden chunks score 0 before the top k;
- BM25 (whole documents): the caller's document set is cut to the visible documents before the top k;
- vectors: a Chroma `where` on the chunks' `collection` field, so the store ranks only visible chunks;
- `chunks`, `agencies()`, `document_ids()`, `document()`, `first_chunk()`, `chunk()` and `len()`: visible ones only.

What is shared: the BM25 statistics (a word's idf counts hidden chunks too) and the analyzer's vocabulary.
Neither is shown; they move scores a little, never a hidden passage into view.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..core import Assistant
from ..ingest.collection import PUBLIC_COLLECTION, collection_of
from ..search.index import Index
from ..types import Chunk, Document
from .users import User, UsersFile


@dataclass(frozen=True)
class _Visible:
    chunks: list[Chunk]
    doc_ids: frozenset[str]
    mask: np.ndarray  # over the wrapped index's chunks: 1 visible, 0 hidden
    hidden_collections: tuple[str, ...]  # in the index and not visible
    agencies: dict[str, str]  # full name -> short form, of the visible documents


class CollectionView:
    """`index` restricted to the documents in `collections`."""

    def __init__(self, index: Index, collections: Iterable[str]) -> None:
        self.index = index
        self.collections = frozenset(collections)
        self._lock = threading.Lock()
        self._source: list[Chunk] | None = None
        self._visible: _Visible | None = None

    def __getattr__(self, name: str) -> Any:  # settings, embedder, analyzer, idf, df, sync, refresh, writing
        return getattr(self.index, name)

    def _current(self) -> _Visible:
        """Worked out again after every refresh of the index (its chunk list is then a new list)."""
        with self._lock:
            chunks = self.index.chunks
            if self._visible is None or self._source is not chunks:
                keep = [collection_of(c.metadata) in self.collections for c in chunks]
                visible = [c for c, kept in zip(chunks, keep) if kept]
                present = {collection_of(c.metadata) for c in chunks}
                doc_ids = frozenset(c.doc_id for c in visible)
                self._visible = _Visible(visible, doc_ids, np.array(keep, dtype=np.float32),
                                         tuple(sorted(present - self.collections)), self._agencies(doc_ids))
                self._source = chunks
            return self._visible

    # -- what is listed and shown --------------------------------------------------------------

    @property
    def chunks(self) -> list[Chunk]:
        return self._current().chunks

    def __len__(self) -> int:
        return len(self._current().chunks)

    def document_ids(self) -> list[str]:
        return sorted(self._current().doc_ids)

    def agencies(self) -> dict[str, str]:
        return dict(self._current().agencies)

    def _agencies(self, visible: frozenset[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for doc_id in sorted(visible):
            chunk = self.index.first_chunk(doc_id)
            if chunk is None or not chunk.agency:
                continue
            if chunk.agency not in names or names[chunk.agency] == chunk.agency:  # as Index.agencies()
                names[chunk.agency] = chunk.agency_short
        return names

    def first_chunk(self, doc_id: str) -> Chunk | None:
        return self.index.first_chunk(doc_id) if doc_id in self._current().doc_ids else None

    def chunk(self, chunk_id: str) -> Chunk:
        chunk = self.index.chunk(chunk_id)
        if chunk.doc_id not in self._current().doc_ids:
            raise KeyError(chunk_id)
        return chunk

    def document(self, doc_id: str) -> Document | None:
        return self.index.document(doc_id) if doc_id in self._current().doc_ids else None

    # -- search ----------------------------------------------------------------------------------

    def search_bm25(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        visible = self._current()
        if visible.hidden_collections:
            mask = visible.mask if mask is None else mask * visible.mask
        return self.index.search_bm25(tokens, k, mask)

    def search_vectors(self, vector: Sequence[float], k: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        hidden = self._current().hidden_collections
        if hidden:
            # A public chunk has no `collection` field; Chroma's $nin matches it (tests/test_auth_scope.py).
            own = {"collection": {"$nin": list(hidden)}}
            if PUBLIC_COLLECTION not in self.collections:  # a view without the public chunks: $nin would keep them
                own = {"collection": {"$in": sorted(self.collections)}}
            where = own if where is None else {"$and": [where, own]}
        return self.index.search_vectors(vector, k, where)

    @property
    def documents_bm25(self) -> _DocumentsView:
        return _DocumentsView(self.index.documents_bm25, self._current())


class _DocumentsView:
    def __init__(self, documents: Any, visible: _Visible) -> None:
        self.documents, self.visible = documents, visible

    def search(self, tokens: Sequence[str], k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        if self.visible.hidden_collections:
            doc_ids = set(self.visible.doc_ids) if doc_ids is None else set(doc_ids) & self.visible.doc_ids
        return self.documents.search(tokens, k, doc_ids)  # type: ignore[no-any-return]


def scoped(assistant: Assistant, collections: Iterable[str]) -> Assistant:
    """The same assistant (models, answerer, lock-free) reading the index through a CollectionView."""
    return replace(assistant, index=CollectionView(assistant.index, collections))  # type: ignore[arg-type]


class Scopes:
    """Per signed-in user, the assistant scoped to their collections; one CollectionView per set of collections,
    shared by every user with the same groups (its visible set is worked out once per index refresh)."""

    def __init__(self, assistant: Assistant, users: UsersFile) -> None:
        self.assistant, self.users = assistant, users
        self._views: dict[frozenset[str], Assistant] = {}
        self._lock = threading.Lock()

    def for_user(self, user: User) -> Assistant:
        with self._lock:
            found = self._views.get(user.collections)
            if found is None:
                found = self._views[user.collections] = scoped(self.assistant, user.collections)
            return found

    def user(self, name: str | None) -> User | None:
        return self.users.get(name) if name else None
