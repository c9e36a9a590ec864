"""Collections: which documents a user may see. A document's collection is its `collection` metadata field.

A document in a group's collection has its id under the collection's name ("kabinet/nota-2026"): an upload into
one group's collection can never replace, or learn of, a public document or another group's with the same id.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ..errors import InputError
from ..types import Document

# The collection every signed-in user sees. A document in it carries no `collection` field, so an index built
# before collections existed is all public, and re-ingesting it changes no hash and embeds nothing again.
PUBLIC_COLLECTION = "openbaar"
COLLECTION_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def check_collection(name: str) -> str:
    """A collection (or group) name: lower-case letters, digits, '-' and '_', at most 64; else an InputError."""
    if not COLLECTION_NAME.fullmatch(name or ""):
        raise InputError(f"ongeldige collectienaam {name!r}: gebruik kleine letters, cijfers, - en _ (bv. kabinet)")
    return name


def collection_of(metadata: Mapping[str, object]) -> str:
    """The collection a document or chunk is in (no field: the public one)."""
    return str(metadata.get("collection") or PUBLIC_COLLECTION)


def in_collection(doc: Document, collection: str) -> Document:
    """The document as stored in `collection`: its id under the collection's name (public ones keep theirs), and
    the collection in its metadata, whatever the file's own metadata said."""
    metadata = {k: v for k, v in doc.metadata.items() if k != "collection"}
    if collection == PUBLIC_COLLECTION:
        return replace(doc, metadata=metadata)
    return replace(doc, id=f"{collection}/{doc.id}", metadata={**metadata, "collection": collection})
