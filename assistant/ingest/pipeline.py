"""The ingest pipeline: find the files, read each into documents, hand those to the index as they come, and
account for every file: what it added, updated or left unchanged, or why it could not be read.

A file that cannot be read (or a bad record in a JSON Lines file) is a failure of its own; the other files
go on. Callers follow along with `on_file` (a file is done: its FileResult) and `on_progress` (counts so
far); the CLI draws its progress bar from them, the chat its upload status.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import LoadError
from ..types import Document
from .collection import PUBLIC_COLLECTION, check_collection, collection_of, in_collection
from .load import SourceFile, count_records, find_files, read_documents
from .sink import DocumentSink, IngestReport, Outcome

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Failure:
    path: str
    reason: str  # one line naming the file (and the line, for a record) and what is wrong


@dataclass(frozen=True)
class FileResult:
    """What one file gave: documents added, updated, unchanged; chunks written; what could not be read."""

    path: Path
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: tuple[str, ...] = ()

    @property
    def documents(self) -> int:
        return self.added + self.updated + self.unchanged

    @property
    def failed(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Progress:
    files_done: int
    files: int
    documents_done: int
    documents: int  # expected: one a file, a line a record in JSON Lines
    chunks: int  # written so far
    seconds: float  # since the start


@dataclass(frozen=True)
class IngestResult:
    report: IngestReport
    failures: tuple[Failure, ...] = ()
    files: int = 0
    results: tuple[FileResult, ...] = ()  # one per file, in the order the files were read
    removed: int = 0  # documents pruned because their file or record is gone
    seconds: float = 0.0

    def summary(self) -> str:
        r = self.report
        pruned = f", {self.removed} removed" if self.removed else ""
        return (f"{self.files} files: {r.added} documents added, {r.updated} updated, {r.unchanged} unchanged, "
                f"{len(self.failures)} failed{pruned}; {r.chunks} chunks written in {self.seconds:.1f} s")


@dataclass
class _FileState:
    source: SourceFile
    pending: int = 0  # documents handed to the index and not yet stored
    read: bool = False  # every document of the file has been handed over
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)
    done: bool = False

    def result(self) -> FileResult:
        return FileResult(self.source.path, self.added, self.updated, self.unchanged, self.chunks,
                          tuple(self.errors))


def ingest_paths(
    index: DocumentSink,
    paths: Iterable[Path],
    max_file_bytes: int | None = None,
    prune: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    collection: str = PUBLIC_COLLECTION,
) -> IngestResult:
    """Ingest every file under `paths` into `collection`; with `prune`, also remove the documents that came from a
    file under `paths` and are no longer there (a deleted file, or a record gone from a JSON Lines file)."""
    return _Run(index, paths, max_file_bytes, on_file, on_progress, check_collection(collection)).run(prune)


class _Run:
    def __init__(self, index: DocumentSink, paths: Iterable[Path], max_file_bytes: int | None,
                 on_file: Callable[[FileResult], None] | None,
                 on_progress: Callable[[Progress], None] | None, collection: str = PUBLIC_COLLECTION) -> None:
        self.index = index
        self.collection = collection
        self.paths = list(paths)
        self.files = find_files(self.paths)
        self.max_file_bytes = max_file_bytes
        self.on_file = on_file
        self.on_progress = on_progress
        self.states = {str(f.path.resolve()): _FileState(f) for f in self.files}
        self.expected = sum(count_records(f.path) for f in self.files)
        self.seen: dict[str, str] = {}  # document id -> where it was read
        self.failures: list[Failure] = []
        self.documents_done = self.files_done = self.chunks = 0
        self.started = time.monotonic()

    def run(self, prune: bool) -> IngestResult:
        self._progress()
        report = self.index.add_documents(self._documents(), self._stored)
        removed = self._prune() if prune else 0
        return IngestResult(report, tuple(self.failures), len(self.files),
                            tuple(s.result() for s in self.states.values()), removed,
                            time.monotonic() - self.started)

    def _documents(self) -> Iterator[Document]:
        for key, state in self.states.items():
            path = state.source.path
            try:
                for item in read_documents(path, state.source.default_id, self.max_file_bytes):
                    if isinstance(item, LoadError):
                        self._fail(state, str(item))
                        continue
                    item = in_collection(item, self.collection)
                    if item.id in self.seen:
                        self._fail(state, f"{item.source}: document id {item.id!r} also in "
                                          f"{self.seen[item.id]}; skipped")
                        continue
                    self.seen[item.id] = item.source
                    state.pending += 1
                    # The index keeps the absolute path: it is how --prune knows where a document came from.
                    yield replace(item, source=key)
            except LoadError as exc:
                self._fail(state, str(exc))
            state.read = True
            self._finish(state)

    def _stored(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            state = self.states[outcome.source]
            state.pending -= 1
            setattr(state, outcome.status, getattr(state, outcome.status) + 1)
            state.chunks += outcome.chunks
            self.chunks += outcome.chunks
            self.documents_done += 1
            self._finish(state)
        self._progress()

    def _fail(self, state: _FileState, reason: str) -> None:
        log.debug("failed: %s", reason)
        state.errors.append(reason)
        self.failures.append(Failure(str(state.source.path), reason))
        self.documents_done += 1

    def _finish(self, state: _FileState) -> None:
        if state.read and state.pending == 0 and not state.done:
            state.done = True
            self.files_done += 1
            if self.on_file:
                self.on_file(state.result())
            self._progress()

    def _progress(self) -> None:
        if self.on_progress:
            self.on_progress(Progress(self.files_done, len(self.files), self.documents_done,
                                      max(self.expected, self.documents_done), self.chunks,
                                      time.monotonic() - self.started))

    def _prune(self) -> int:
        """Remove what came from under the given paths and was not read this time; a file that failed
        keeps its documents (it may be back next time, and nothing is lost meanwhile)."""
        roots = [p.resolve() for p in self.paths]
        failed = {key for key, s in self.states.items() if s.errors}
        gone = [doc_id for doc_id, source in self.index.sources().items()
                if doc_id not in self.seen and source and source not in failed
                and any(_is_within(Path(source), root) for root in roots) and self._ours(doc_id)]
        if gone:
            log.info("pruning %d documents whose files are gone: %s", len(gone), ", ".join(gone[:10]))
        return self.index.remove_documents(gone)


    def _ours(self, doc_id: str) -> bool:
        """In this ingest's collection: pruning one collection leaves the others' documents alone."""
        document = self.index.document(doc_id)
        return document is not None and collection_of(document.metadata) == self.collection


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
