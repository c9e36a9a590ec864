"""Crash repair.

A document's record (with its hash) is written only after all its chunks, and an updated document's old record
is deleted before its chunks change. So a document with a record has all its chunks, whatever moment a crash
(or kill -9) hits; chunks without a record are left-overs of a cut-off ingest: readers ignore them, the next
write deletes them, and the re-run ingests those documents again, as new.
"""
from __future__ import annotations

import logging
from collections.abc import Collection

from ..types import Chunk
from .store import Store

log = logging.getLogger(__name__)


class Repair:
    """The left-overs the last read found, deleted before the next write."""

    def __init__(self, store: Store, sole_writer: bool) -> None:
        self.store = store
        # Only an embedded store has a single writer. On a shared server another process's document may be
        # mid-write (chunks stored, record not yet): not ours to delete. There a re-ingested document's
        # left-overs still go, as stale chunks of that document (write.py).
        self.sole_writer = sole_writer
        self.orphans: list[str] = []

    def separate(self, chunks: list[Chunk], recorded: Collection[str]) -> list[Chunk]:
        """The chunks of recorded documents; the others are remembered as left-overs."""
        self.orphans = [c.id for c in chunks if c.doc_id not in recorded]
        return [c for c in chunks if c.doc_id in recorded]

    def run(self) -> int:
        """Delete the left-overs; returns how many."""
        orphans, self.orphans = self.orphans, []
        self.store.delete_chunks(orphans)
        if orphans:
            log.warning("removed %d chunks left by an ingest that was cut off", len(orphans))
        return len(orphans)

    def before_write(self) -> None:
        if self.sole_writer:
            self.run()
