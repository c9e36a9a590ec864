"""Cross-process sync: one record whose value changes with every write.

A reader remembers the value it last read the chunks at; when the stored value differs, another process (a
colleague's ingest into the same Chroma server) changed the index, and the reader reads it again
(`Index.sync`: one small read, cheap enough before every question).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

GENERATION = "generation"


class Generation:
    """The write generation in the store's "state" collection."""

    def __init__(self, collection: Any, calls: Callable[[], AbstractContextManager[None]]) -> None:
        self._collection = collection
        self._calls = calls

    def stored(self) -> str:
        """The current value; empty for an index never written."""
        with self._calls():
            got = self._collection.get(ids=[GENERATION], include=["metadatas"])
        return str(((got["metadatas"] or [{}])[0] or {}).get("value", "")) if got["ids"] else ""

    def advance(self) -> None:
        """Called after every write, once the written documents are whole."""
        with self._calls():
            self._collection.upsert(ids=[GENERATION], embeddings=[[0.0]], metadatas=[{"value": uuid.uuid4().hex}])
