"""Collections: which documents a user may see. A document's collection is its `collection` metadata field."""
from __future__ import annotations

import re
from collections.abc import Mapping

from ..errors import InputError

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
