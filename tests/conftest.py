"""Shared fixtures: a tiny deterministic embedder, the real bundled model (loaded once), and assistants
over a fresh Chroma index in a temporary folder."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from support import CORPUS, DATA, ROOT, BuildAssistant, HashEmbedder, open_assistant  # noqa: F401

from assistant.core import Assistant
from assistant.settings import BUNDLED_MODEL


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Embeddings:
    """The bundled all-MiniLM-L6-v2, loaded once per session (about 10 s)."""
    from assistant.search.embed import load_embedder

    return load_embedder(BUNDLED_MODEL)


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


# Fixtures that load the real model or export it to ONNX (test_onnx_embed.py).
SLOW_FIXTURES = {"real_embedder", "corpus_assistant", "onnx_cache", "onnx_embedder"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the real model or its ONNX export (directly or through another fixture) are `slow`:
    `-m "not slow"` skips them."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
