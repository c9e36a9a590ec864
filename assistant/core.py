"""The assistant's operations, called by the CLI and the chat alike: open or build an index, ingest
files, ask a question."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from langchain_core.embeddings import Embeddings

from .answer import Answerer, ExtractiveAnswerer
from .errors import AssistantError, InputError, LoadError
from .index import Index, IngestReport, open_client
from .load import find_files, load_file
from .question import analyze_question
from .retrieve import Filters, per_agency, rerank, resolve_filters, retrieve
from .settings import Settings
from .types import Answer, Document, Passage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


@dataclass(frozen=True)
class IngestResult:
    report: IngestReport
    failures: tuple[Failure, ...] = ()
    files: int = 0


@dataclass
class Assistant:
    """An open index with its models loaded once; `ask` answers, `ingest` adds documents."""

    settings: Settings
    index: Index
    answerer: Answerer = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.answerer is None:
            self.answerer = ExtractiveAnswerer(self.index.analyzer, self.index.idf)

    @classmethod
    def open(cls, settings: Settings, embedder: Embeddings | None = None, answerer: Answerer | None = None,
             create: bool = False) -> Assistant:
        """Open the index of `settings`; the default index is built from the corpus on first use."""
        index_dir = settings.index_dir
        exists = (index_dir / "chroma" / "chroma.sqlite3").exists()
        if not exists and not create and not settings.default_index:
            if index_dir.exists() and not index_dir.is_dir():
                raise InputError(f"{index_dir} is a file, not an index folder")
            open_client(index_dir, create=False)  # raises IndexMissingError with what to do
        embedder = embedder or _load_embedder(settings)
        client = open_client(index_dir, create=True)
        assistant = cls(settings, Index(client, settings, embedder), answerer)  # type: ignore[arg-type]
        if not exists and settings.default_index and not create:
            log.info("no index in %s yet: building it from %s", index_dir, settings.corpus_dir)
            assistant.ingest([settings.corpus_dir])
        return assistant

    # -- ingest ----------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], on_file: Callable[[Path, str], None] | None = None) -> IngestResult:
        """Load, chunk, embed and store every readable file; unreadable ones are reported, not fatal."""
        files = find_files(list(paths))
        failures: list[Failure] = []
        documents: list[Document] = []
        seen: dict[str, str] = {}
        for path in files:
            try:
                docs = load_file(path)
            except LoadError as exc:
                failures.append(Failure(str(path), str(exc)))
                if on_file:
                    on_file(path, f"mislukt: {exc}")
                continue
            for doc in docs:
                if doc.id in seen and seen[doc.id] != doc.source:
                    failures.append(Failure(str(path), f"document id {doc.id!r} also in {seen[doc.id]}; skipped"))
                    continue
                seen[doc.id] = doc.source
                documents.append(doc)
            if on_file:
                on_file(path, f"{len(docs)} document(en)")
        report = self.index.add_documents(documents)
        return IngestResult(report, tuple(failures), len(files))

    def remove(self, doc_ids: Sequence[str]) -> int:
        return self.index.remove_documents(doc_ids)

    # -- ask -------------------------------------------------------------------------------------

    def ask(self, question: str, k: int | None = None, agencies: Sequence[str] = (),
            doc_ids: Sequence[str] = ()) -> Answer:
        """Retrieve and answer one question; an unusable question is an InputError."""
        question = check_question(question, self.settings.max_question_chars)
        k = k or self.settings.k
        if k < 1 or k > 50:
            raise InputError(f"k must be between 1 and 50, not {k}")
        filters = resolve_filters(self.index, agencies, doc_ids)
        intent = analyze_question(question)
        if intent.kind in ("compare", "list"):
            passages = _interleave(per_agency(self.index, question, 2, filters), k)
        else:
            passages = retrieve(self.index, question, k, filters)
        answer = self.answerer(question, passages, intent)
        notices = list(answer.notices)
        if filters:
            notices.append(f"Filter toegepast: {filters.describe()}.")
        return replace(answer, searched=question, notices=tuple(notices))


def check_question(question: str, limit: int) -> str:
    """The question without surrounding white space; empty or over the limit is an InputError."""
    if question is None or not question.strip():
        raise InputError("de vraag is leeg: stel een vraag")
    question = question.strip()
    if len(question) > limit:
        raise InputError(
            f"de vraag is {len(question):,} tekens lang; de limiet is {limit:,} tekens: kort ze in".replace(",", ".")
        )
    return question


def _interleave(groups: dict[str, list[Passage]], k: int) -> list[Passage]:
    """Round-robin over the agencies' best passages, so every agency is among the first; at least one
    passage per agency even when k is smaller."""
    ordered = sorted(groups.values(), key=lambda ps: -ps[0].score)
    merged: list[Passage] = []
    for depth in range(max((len(ps) for ps in ordered), default=0)):
        merged.extend(ps[depth] for ps in ordered if depth < len(ps))
    return rerank(merged[:max(k, len(ordered))])


def _load_embedder(settings: Settings) -> Embeddings:
    from .embed import load_embedder

    return load_embedder(settings.embedding_model, settings.batch_size)


__all__ = ["Assistant", "AssistantError", "Failure", "IngestResult", "check_question"]
