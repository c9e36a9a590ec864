"""The assistant's operations, called by the CLI and the chat alike: open or build an index, ingest
files, ask a question."""
from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from chromadb.api import ClientAPI
from chromadb.api.client import SharedSystemClient
from langchain_core.embeddings import Embeddings

from .answer.citations import cited_numbers, renumber
from .answer.model import Model
from .answer.units import Answerer
from .answer.reader import Reader
from .answer.question import analyze_question
from .checks import check_k
from .errors import AssistantError, IndexMismatchError, InputError
from .ingest.collection import PUBLIC_COLLECTION
from .ingest.pipeline import Failure, FileResult, IngestResult, Progress, ingest_paths
from .search.index import Index, open_client
from .search.store import stored_documents
from .search.retrieve import per_agency, rerank, resolve_filters, retrieve
from .settings import Settings
from .types import Answer, Citation, Passage

log = logging.getLogger(__name__)

# Passages an agency contributes to a comparison or a list across agencies. The list model, refit on what they give
# and cross-validated, names every agency asked for in 0.606 of the questions with 8, 0.517 with 3, 0.611 with 12.
PER_AGENCY = 8


@dataclass
class Assistant:
    """An open index with its models loaded once; `ask` answers, `ingest` adds documents."""

    settings: Settings
    index: Index
    answerer: Answerer = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.answerer is None:
            model = Model.load()
            if self.settings.reader_threshold:
                model = replace(model, threshold=self.settings.reader_threshold)
            self.answerer = Reader(self.index.analyzer, self.index.idf, self.index.df, model)
            if self.settings.llm:  # the model writes, checked against the passages; the reader is its fallback
                from .answer.generative import GenerativeAnswerer

                self.answerer = GenerativeAnswerer.from_settings(self.settings, fallback=self.answerer)

    @classmethod
    def open(cls, settings: Settings, embedder: Embeddings | None = None, answerer: Answerer | None = None,
             create: bool = False) -> Assistant:
        """Open the index of `settings`; the default index is built from the corpus on first use."""
        if settings.chroma_url:  # a shared server: no folder to check, and nobody's corpus is built on it unasked
            client = open_client(settings.index_dir, create=create, chroma_url=settings.chroma_url)
            index = Index(client, settings, embedder or _load_embedder(settings))
            return cls(settings, index, answerer)  # type: ignore[arg-type]
        index_dir = settings.index_dir
        exists = (index_dir / "chroma" / "chroma.sqlite3").exists()
        if not exists and not create and not settings.default_index:
            if index_dir.exists() and not index_dir.is_dir():
                raise InputError(f"{index_dir} is a file, not an index folder")
            open_client(index_dir, create=False)  # raises IndexMissingError with what to do
        embedder = embedder or _load_embedder(settings)
        client = open_client(index_dir, create=True)
        try:
            index = Index(client, settings, embedder)
        except IndexMismatchError as exc:
            if not (exists and settings.default_index):
                raise  # someone's own index: rebuilding it unasked could take hours
            index = Index(rebuild(index_dir, client, settings, embedder, exc.changed), settings, embedder)
        assistant = cls(settings, index, answerer)  # type: ignore[arg-type]
        if not exists and settings.default_index and not create:
            log.info("no index in %s yet: building it from %s", index_dir, settings.corpus_dir)
            assistant.ingest([settings.corpus_dir])
        return assistant

    # -- ingest ----------------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], on_file: Callable[[FileResult], None] | None = None,
               on_progress: Callable[[Progress], None] | None = None, prune: bool = False,
               collection: str = PUBLIC_COLLECTION) -> IngestResult:
        """Read, chunk, embed and store every file under `paths` in `collection`; a file that cannot be read is
        reported in the result (and to `on_file` as it happens), not fatal. Searchable as soon as this returns."""
        return ingest_paths(self.index, paths, max_file_bytes=self.settings.max_file_mb * 1_000_000,
                            prune=prune, on_file=on_file, on_progress=on_progress, collection=collection)

    def remove(self, doc_ids: Sequence[str]) -> int:
        """Take documents out of the index by id; returns how many were there."""
        return self.index.remove_documents(doc_ids)

    # -- ask -------------------------------------------------------------------------------------

    def ask(self, question: str, k: int | None = None, agencies: Sequence[str] = (),
            doc_ids: Sequence[str] = ()) -> Answer:
        """Retrieve and answer one question; an unusable question is an InputError."""
        question = check_question(question, self.settings.max_question_chars)
        k = self.settings.k if k is None else k
        check_k(k)
        self.index.sync()  # another process (on a shared Chroma server) may have changed the index
        filters = resolve_filters(self.index, agencies, doc_ids)
        intent = analyze_question(question)
        if intent.kind in ("compare", "list"):
            passages = _interleave(per_agency(self.index, question, PER_AGENCY, filters), k)
        else:
            passages = retrieve(self.index, question, k, filters)
        answer = cited_first(self.answerer(question, passages, intent))
        notices = list(answer.notices)
        if filters:
            notices.append(f"Filter toegepast: {filters.describe()}.")
        return replace(answer, searched=question, notices=tuple(notices))


def rebuild(index_dir: Path, client: ClientAPI, settings: Settings, embedder: Embeddings, why: str) -> ClientAPI:
    """The default index, built by other settings (an older chunker, another model), built again from the documents
    it holds, those added in the chat too. The new index is built in a folder beside it and takes its place once
    complete: an interruption leaves the old one as it was."""
    documents = stored_documents(client)
    log.warning("%s was built with other settings (%s): building it again from its %d documents", index_dir, why,
                len(documents))
    fresh = index_dir.with_name(f"{index_dir.name}.rebuilding")
    shutil.rmtree(fresh, ignore_errors=True)
    Index(open_client(fresh, create=True), settings.with_(index_dir=fresh), embedder).add_documents(iter(documents))
    # Chroma keeps one client a folder for the process: forget both, as the folders change places.
    SharedSystemClient.clear_system_cache()
    previous = index_dir.with_name(f"{index_dir.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    index_dir.rename(previous)
    fresh.rename(index_dir)
    shutil.rmtree(previous)
    return open_client(index_dir, create=False)


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
    """Round-robin over the agencies' best passages, so every agency is among the first. A comparison
    shows all of them (PER_AGENCY an agency), so k is a minimum here."""
    ordered = sorted(groups.values(), key=lambda ps: -ps[0].score)
    merged: list[Passage] = []
    for depth in range(max((len(ps) for ps in ordered), default=0)):
        merged.extend(ps[depth] for ps in ordered if depth < len(ps))
    return rerank(merged[:max(k, len(merged))])


def cited_first(answer: Answer) -> Answer:
    """Number the cited passages first, in the order the answer cites them, then the others by rank,
    and rewrite the answer's [n] to match: the reader's [1] is the first source, not the fifth."""
    lines = [cited_numbers(line) for line in answer.text.split("\n")]
    # A comparison cites per line: every line's first source comes before any line's second one.
    order = [line[depth] for depth in range(max(map(len, lines), default=0)) for line in lines if depth < len(line)]
    by_rank = {p.rank: p for p in answer.passages}
    cited = [n for n in dict.fromkeys(order) if n in by_rank]
    new_order = cited + [p.rank for p in answer.passages if p.rank not in cited]
    mapping = {old: new for new, old in enumerate(new_order, 1)}
    if all(old == new for old, new in mapping.items()):
        return answer
    passages = tuple(replace(by_rank[old], rank=new) for new, old in enumerate(new_order, 1))
    new_by_rank = {p.rank: p for p in passages}
    citations = tuple(Citation(mapping[c.n], new_by_rank[mapping[c.n]]) for c in answer.citations)
    rows = tuple({**row, "method": renumber(str(row["method"]), mapping),
                  "key_figure": renumber(str(row["key_figure"]), mapping),
                  "citations": sorted(mapping[n] for n in row["citations"])} for row in answer.comparison)
    return replace(answer, text=renumber(answer.text, mapping), passages=passages,
                   citations=tuple(sorted(citations, key=lambda c: c.n)), comparison=rows)


def _load_embedder(settings: Settings) -> Embeddings:
    from .search.embed import load_embedder

    return load_embedder(settings.embedding_model, settings.batch_size, settings.embedding_backend,
                         settings.onnx_cache_dir)


__all__ = ["Assistant", "AssistantError", "Failure", "FileResult", "IngestResult", "Progress", "check_question"]
