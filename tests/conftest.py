"""Shared fixtures: a tiny deterministic embedder, the real bundled model (loaded once), and assistants
over a fresh Chroma index in a temporary folder."""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.core import Assistant
from assistant.settings import BUNDLED_MODEL, Settings

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


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Embeddings:
    """The bundled all-MiniLM-L6-v2, loaded once per session (about 10 s)."""
    from assistant.embed import load_embedder

    return load_embedder(BUNDLED_MODEL)


def open_assistant(index_dir: Path, embedder: Embeddings, paths: Iterable[Path] = (), **settings: object) -> Assistant:
    """An assistant over a new (or existing) index in `index_dir`, with `paths` ingested."""
    assistant = Assistant.open(Settings(index_dir=index_dir, default_index=False, **settings),  # type: ignore[arg-type]
                               embedder=embedder, create=True)
    paths = list(paths)
    if paths:
        assistant.ingest(paths)
    return assistant


@pytest.fixture
def build_assistant(tmp_path: Path, fake_embedder: HashEmbedder) -> BuildAssistant:
    """build_assistant(paths, embedder=None, index_dir=None, **settings): an assistant over an index in
    tmp_path/index (or index_dir), with `paths` ingested; the fake embedder unless one is given."""

    def build(paths: Iterable[Path] = (), embedder: Embeddings | None = None, index_dir: Path | None = None,
              **settings: object) -> Assistant:
        return open_assistant(index_dir or tmp_path / "index", embedder or fake_embedder, paths, **settings)

    return build


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory: pytest.TempPathFactory, real_embedder: Embeddings) -> Assistant:
    """The real model over the shipped corpus, built once per session in a temporary folder."""
    return open_assistant(tmp_path_factory.mktemp("corpus-index"), real_embedder, [CORPUS])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the real model (directly or through another fixture) are `slow`: `-m "not slow"` skips them."""
    for item in items:
        if {"real_embedder", "corpus_assistant"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
