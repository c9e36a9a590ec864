"""What a search is limited to: agencies and documents, as a user names them and as the index knows them."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from .text import fold

if TYPE_CHECKING:
    from .index import Index


@dataclass(frozen=True)
class Filters:
    """Agencies (full or short names) and document ids the search is limited to; empty means all."""

    agencies: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.agencies or self.doc_ids)

    def describe(self) -> str:
        parts = []
        if self.agencies:
            parts.append("agentschap: " + ", ".join(self.agencies))
        if self.doc_ids:
            parts.append("document: " + ", ".join(self.doc_ids))
        return "; ".join(parts)


def resolve_filters(index: Index, agencies: Iterable[str] = (), doc_ids: Iterable[str] = ()) -> Filters:
    """Map what a user typed ("AgII", "kind en gezin") to the index's agency names; unknown names are an
    InputError that lists the known ones."""
    known = index.agencies()
    lookup = {fold(name): full for full, short in known.items() for name in (full, short)}
    resolved = []
    for name in agencies:
        full = lookup.get(fold(name.strip()))
        if full is None:
            names = ", ".join(f"{short} ({full})" if short != full else full for full, short in sorted(known.items()))
            raise InputError(f"unknown agency {name!r}; the index has: {names or 'none'}")
        if full not in resolved:
            resolved.append(full)
    ids = list(dict.fromkeys(d.strip() for d in doc_ids if d.strip()))
    missing = sorted(set(ids) - set(index.document_ids()))
    if missing:
        raise InputError(f"unknown document id {', '.join(missing)}")
    return Filters(tuple(resolved), tuple(ids))


def filtered_doc_ids(index: Index, filters: Filters) -> set[str] | None:
    """The documents the filters leave (perhaps none), or None when nothing is filtered."""
    if not filters:
        return None
    return index.matching_documents(filters.agencies, filters.doc_ids)
