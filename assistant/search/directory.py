"""The chunks of an index looked up by id, by document and by agency: what filters, the answerer and the chat
ask of it."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..types import Chunk


class Directory:
    """The chunks in the order BM25 scores them, each document's first chunk, the agencies."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self._position = {c.id: i for i, c in enumerate(chunks)}
        self._first: dict[str, int] = {}
        for i, chunk in enumerate(chunks):
            self._first.setdefault(chunk.doc_id, i)
        self._agency_names: dict[str, str] | None = None
        self._codes: tuple[dict[str, int], np.ndarray, dict[str, int], np.ndarray] | None = None
        self._documents_of: dict[str, set[str]] | None = None

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._position

    def chunk(self, chunk_id: str) -> Chunk:
        return self.chunks[self._position[chunk_id]]

    def first_chunk(self, doc_id: str) -> Chunk | None:
        """The document's first chunk in reading order, or None for an unknown document."""
        i = self._first.get(doc_id)
        return None if i is None else self.chunks[i]

    def document_ids(self) -> list[str]:
        return sorted(self._first)

    def agencies(self) -> dict[str, str]:
        """Full agency name -> short form, for every agency in the index."""
        # Worked out once, from each document's first chunk (the agency is the document's): every question
        # asks (resolve_filters), and over all 100k chunks of a large index the loop took 0.7 s.
        if self._agency_names is None:
            names: dict[str, str] = {}
            for chunk in map(self.chunks.__getitem__, self._first.values()):
                # A document that names no short form must not hide the short form others give.
                if chunk.agency and (chunk.agency not in names or names[chunk.agency] == chunk.agency):
                    names[chunk.agency] = chunk.agency_short
            self._agency_names = names
        return dict(self._agency_names)

    def matching(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> set[str]:
        """The documents of these agencies among these ids (either empty: any)."""
        agencies, wanted = set(agencies), set(doc_ids)
        if self._documents_of is None:
            # Worked out once: a list across agencies filters by each agency in turn, and going over all 100k chunks
            # of a large index for each of 19 agencies took a second.
            self._documents_of = {}
            for chunk in self.chunks:
                self._documents_of.setdefault(chunk.agency, set()).add(chunk.doc_id)
        found = set().union(*(self._documents_of.get(a, set()) for a in agencies)) if agencies else set(self._first)
        return found & wanted if wanted else found

    def mask(self, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> np.ndarray | None:
        """1 for each chunk of these agencies and documents, 0 for the others; None when both are empty."""
        agencies, doc_ids = set(agencies), set(doc_ids)
        if not agencies and not doc_ids:
            return None
        if self._codes is None:  # each chunk's agency and document as numbers, once, for np.isin
            agency_code: dict[str, int] = {}
            doc_code: dict[str, int] = {}
            by_agency = np.array([agency_code.setdefault(c.agency, len(agency_code)) for c in self.chunks],
                                 dtype=np.int64)
            by_doc = np.array([doc_code.setdefault(c.doc_id, len(doc_code)) for c in self.chunks], dtype=np.int64)
            self._codes = (agency_code, by_agency, doc_code, by_doc)
        agency_code, by_agency, doc_code, by_doc = self._codes
        keep = np.ones(len(self.chunks), dtype=bool)
        if agencies:
            keep &= np.isin(by_agency, [agency_code[a] for a in agencies if a in agency_code])
        if doc_ids:
            keep &= np.isin(by_doc, [doc_code[d] for d in doc_ids if d in doc_code])
        return keep.astype(np.float32)
