"""What the ingest pipeline hands documents to, and what it hears back.

The pipeline knows the index only by this interface (search/index.py implements it), so imports run one way:
the search layer uses the chunker below it, and nothing here imports the search layer.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from ..types import Document

Status = Literal["added", "updated", "unchanged"]


@dataclass(frozen=True)
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0  # chunks written


@dataclass(frozen=True)
class Outcome:
    """What became of one document given to `DocumentSink.add_documents`."""

    doc_id: str
    source: str
    status: Status
    chunks: int = 0  # chunks written


class DocumentSink(Protocol):
    """Where ingested documents go: the index."""

    def add_documents(self, documents: Iterable[Document],
                      on_written: Callable[[list[Outcome]], None] | None = None) -> IngestReport:
        """Add new documents, replace changed ones, skip unchanged ones; `on_written` hears of each batch."""
        ...

    def remove_documents(self, doc_ids: Iterable[str]) -> int:
        """Take documents out; returns how many were there."""
        ...

    def sources(self) -> dict[str, str]:
        """Document id -> the file it was read from (absolute path)."""
        ...

    def document(self, doc_id: str) -> Document | None:
        """The stored document with this id (its metadata tells its collection), or None."""
        ...
