"""Helpers the tests share: paths, a tiny deterministic embedder, and an assistant over a fresh index.

Test modules import them from here (`from support import ...`), never from a conftest: there are two
conftest.py files (tests/ and tests/browser/), and which one `import conftest` finds depends on the
order pytest collects them.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import socket
from collections import Counter
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.core import Assistant
from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import parse_text_document
from assistant.search.text import Analyzer, words
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"

BuildAssistant = Callable[..., Assistant]


class HashEmbedder(Embeddings):
    """Words hashed into a 64-dimensional unit vector: same text, same vector; shared words, nearby vectors."""

    dimensions = 64

    def __init__(self) -> None:
        self.calls: list[int] = []  # texts per embed_documents call, so tests can see what was embedded

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in re.findall(r"\w+", text.casefold()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:  # no words: any fixed unit vector will do
            return [1.0] + [0.0] * (self.dimensions - 1)
        return [v / norm for v in vector]


def open_with(settings: Settings, embedder: Embeddings, paths: Iterable[Path] = (), create: bool = True) -> Assistant:
    """An assistant with these settings (an index folder or a Chroma server), with `paths` ingested."""
    assistant = Assistant.open(settings, embedder=embedder, create=create)
    paths = list(paths)
    if paths:
        assistant.ingest(paths)
    return assistant


def open_assistant(index_dir: Path, embedder: Embeddings, paths: Iterable[Path] = (), **settings: object) -> Assistant:
    """An assistant over a new (or existing) index in `index_dir`, with `paths` ingested."""
    return open_with(Settings(index_dir=index_dir, default_index=False, **settings),  # type: ignore[arg-type]
                     embedder, paths)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# An archive of records as the adviser's desk sees one: the same answer sent to two members (r1, r2), another
# answer of the same minister, and one of another minister.
BRIDGE = ("1. De voetgangersbrug aan het station van Mechelen werd in 2016 onderzocht door een studiebureau. Het "
          "rapport besluit dat de voetgangersbrug veilig is. 2. De renovatie van de voetgangersbrug start in het "
          "voorjaar van 2018 en duurt acht maanden.")
DESK_RECORDS = [
    {"id": "r1", "text": BRIDGE, "department": "Minister van Mobiliteit", "date": "2017-01-10", "author": "Peeters"},
    {"id": "r2", "text": BRIDGE, "department": "Minister van Mobiliteit", "date": "2017-01-12", "author": "Janssens"},
    {"id": "r3", "text": "De renovatie van de voetgangersbrug in Lier kost 1,2 miljoen euro en wordt betaald door "
                         "Infrabel.", "department": "Minister van Mobiliteit", "date": "2017-03-02", "author": "Maes"},
    {"id": "r4", "text": "De spoorwegpolitie telde in 2016 in totaal 312 incidenten in de stations.",
     "department": "Minister van Binnenlandse Zaken", "date": "2017-02-01", "author": "Claes"},
]


@contextmanager
def serving(app: object, wait: float = 20.0) -> Iterator[str]:
    """Run an ASGI app with uvicorn on a free loopback port in a thread; yields its base URL, stops it after."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(int(wait / 0.05)):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def write_records(path: Path, records: Iterable[dict[str, object]]) -> Path:
    """`records` as a JSON Lines file at `path`."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


class TextCorpus:
    """Chunks of some documents in text form, with the analyzer, document frequencies and idf an index over
    them would have: what an answerer needs, without an index."""

    def __init__(self, *sources: str) -> None:
        docs = [parse_text_document(s, default_id=f"doc{i}") for i, s in enumerate(sources)]
        self.chunks = [c for d in docs for c in split_into_chunks(d, 600, 80)]
        self.analyzer = Analyzer("dutch", {w for c in self.chunks for w in words(c.indexed_text)})
        self.df = Counter(t for c in self.chunks for t in set(self.analyzer.tokens(c.indexed_text)))

    def idf(self, token: str) -> float:
        n, df = len(self.chunks), self.df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
