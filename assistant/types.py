"""The data that flows between the stages: Document -> Chunk -> Passage -> Answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Metadata = dict[str, str | int | float | bool]
TABLE = "table"  # the chunk metadata key that marks a table (Chunk.is_table)


def agency_label(full: str, short: str) -> str:
    """How an agency is named to a reader: "Agentschap Integratie en Inburgering (AgII)", or the full name alone
    when there is no other short form."""
    return f"{full} ({short})" if short and short != full else full


class _Agency:
    """The agency of a document or chunk, read from its metadata."""

    metadata: Metadata

    @property
    def agency(self) -> str:
        """Who answered: the agency, or for archives that name no agency, the department."""
        return str(self.metadata.get("agency") or self.metadata.get("department") or "")

    @property
    def agency_short(self) -> str:
        return str(self.metadata.get("agency_short") or self.agency)

    @property
    def agency_label(self) -> str:
        return agency_label(self.agency, self.agency_short)


@dataclass(frozen=True)
class Section:
    """A named span of a document's text: the question or the answer."""

    name: str  # "question", "answer" or "text" when the document has no such structure
    start: int
    end: int


@dataclass(frozen=True)
class Document(_Agency):
    """One source document; `text` is what offsets point into and what the chat shows."""

    id: str
    text: str
    title: str = ""
    metadata: Metadata = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    source: str = ""  # path or record origin, for messages


@dataclass(frozen=True)
class Chunk(_Agency):
    """A passage of a document, with its place in the source text."""

    id: str
    doc_id: str
    text: str  # the source text of [start, end) with white space folded and line-broken words rejoined
    start: int
    end: int
    title: str = ""
    section: str = "text"
    item: str = ""  # the answer's item label ("1-2", "4b", "8a") where there is one
    metadata: Metadata = field(default_factory=dict)
    asks: str = ""  # an answer item's own sub-questions ("4. b) Hoeveel respondenten ..."), searched, not shown

    @property
    def is_table(self) -> bool:
        """A table the chunker kept whole, line by line (metadata "table", as Chroma stores it)."""
        return bool(self.metadata.get(TABLE))

    @property
    def indexed_text(self) -> str:
        """What is embedded and BM25-indexed: the title first, so the chunk is findable out of context, and after
        the text the sub-questions it answers, which say in the asker's words what a terse answer item is about
        ("2. Via de gemeenten." answers "2. Hoe worden de premies uitbetaald?"). They come last, so that where the
        embedding model cuts a long input it cuts them, not the answer."""
        return "\n".join(part for part in (self.title, self.text, self.asks) if part)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: 1-based rank in the answer's passage list and its fused score."""

    chunk: Chunk
    score: float
    rank: int = 0


@dataclass(frozen=True)
class Citation:
    """Reference [n] in an answer points at passage n (1-based, as numbered in `Answer.passages`)."""

    n: int
    passage: Passage


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    raw: str = ""  # what the answerer produced before citations were checked
    searched: str = ""  # the question as it was searched (after follow-up resolution)
    notices: tuple[str, ...] = ()  # what the reader should know: filters applied, question cut
    comparison: tuple[dict[str, Any], ...] = ()  # one row per agency for comparisons

    def to_json(self) -> dict[str, Any]:
        """The `ask --json` contract of ../shared/eval/README.md."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "citations": [
                {"n": c.n, **_passage_fields(c.passage)} for c in self.citations
            ],
            "passages": [
                {"rank": p.rank, **_passage_fields(p), "score": round(p.score, 4)} for p in self.passages
            ],
        }


def _passage_fields(passage: Passage) -> dict[str, Any]:
    chunk = passage.chunk
    return {
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "text": chunk.text,
        "agency": chunk.agency,
        "section": chunk.section,
        "item": chunk.item,
        "chunk_id": chunk.id,
        "start": chunk.start,
        "end": chunk.end,
    }
