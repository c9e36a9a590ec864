"""The in-memory side of an index (its chunks, BM25 over chunks and over whole documents, stem frequencies,
vocabulary) saved next to the Chroma store,
so a process opening a large index reads it back instead of tokenising every chunk again.

At 100k chunks, rebuilding took ~75 s of a cold start (tokenising, compound splitting, bm25s indexing) and
reading the chunks back from Chroma another few; the cached state loads in a few seconds. The file is named by
a hash of what the store holds: the write generation and the ids of every document record and chunk. Any
write changes those, so a stale file is never read; it is replaced by the next refresh.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .lexical import State

log = logging.getLogger(__name__)

VERSION = 4  # bump when the cached state or the analysis that made it changes
FOLDER = "bm25-cache"


def state_key(generation: str, recorded: Iterable[str], chunk_ids: Iterable[str], signature: str) -> str:
    digest = hashlib.sha256(f"{VERSION}\n{signature}\n{generation}\n".encode())
    for ids in (recorded, chunk_ids):
        digest.update("\n".join(sorted(ids)).encode())
        digest.update(b"\n--\n")
    return digest.hexdigest()[:24]


def has_state(index_dir: Path) -> bool:
    """Whether a state was saved for this store (only large ones get one)."""
    return any((index_dir / FOLDER).glob("*.pkl"))


def load_state(index_dir: Path, key: str) -> State | None:
    path = index_dir / FOLDER / f"{key}.pkl"
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            state = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("ignoring the unreadable BM25 cache %s: %s", path, exc)
        return None
    return state if isinstance(state, State) else None


def save_state(index_dir: Path, key: str, state: State) -> None:
    """Write the state under its key and remove older ones; a failure to write only costs the next start time."""
    folder = index_dir / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{key}.pkl")
        for old in folder.glob("*.pkl"):
            if old.name != f"{key}.pkl":
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not write the BM25 cache in %s: %s", folder, exc)
