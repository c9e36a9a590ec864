"""The ONNX Runtime backend: exported from the bundled model's own weights once, cached by a hash of them,
vectors within cosine 0.98 of torch's, in the order given whatever the batching."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant.errors import SettingsError
from assistant.search.embed import load_embedder, model_path
from assistant.search.onnx_embed import MODEL_FILE, OnnxEmbeddings, cache_key, load_onnx_embedder, quantized_model
from assistant.settings import BUNDLED_MODEL, Settings

TEXTS = [
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "De noodrem werd geactiveerd; het ging om kwaad opzet.",
    ("Maandelijks worden er op het net ongeveer 400 vertragingsincidenten door problemen met het rollend "
    "materieel geregistreerd. Voor deze incidenten wordt door Infrabel een verslag opgemaakt."),
    "Which software does the agency use for its surveys?",
    "Ja.",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("onnx")
    quantized_model(model_path(BUNDLED_MODEL), cache)
    return cache


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> OnnxEmbeddings:
    return load_onnx_embedder(model_path(BUNDLED_MODEL), onnx_cache, batch_size=2)


def test_vectors_are_within_cosine_0_98_of_torch(onnx_embedder: OnnxEmbeddings, real_embedder: Embeddings) -> None:
    onnx = np.array(onnx_embedder.embed_documents(TEXTS))
    torch = np.array(real_embedder.embed_documents(TEXTS))
    assert onnx.shape == torch.shape == (5, 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    cosines = (onnx * torch).sum(axis=1)
    assert cosines.min() >= 0.98, cosines
    query = np.array(onnx_embedder.embed_query(TEXTS[0]))
    assert float(query @ np.array(real_embedder.embed_query(TEXTS[0]))) >= 0.98


def test_batches_sorted_by_length_keep_the_order_given(onnx_embedder: OnnxEmbeddings) -> None:
    together = onnx_embedder.encode(TEXTS)  # batches of 2, shortest texts first
    alone = np.array([onnx_embedder.encode([t])[0] for t in TEXTS])
    # Activations are quantised per batch (one scale for the batch), so batch-mates move a vector a little.
    similarity = together @ alone.T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3, 4]
    assert np.diag(similarity).min() >= 0.98
    assert onnx_embedder.encode([]).shape == (0, 0)


def test_export_is_cached_by_the_weights(onnx_cache: Path, tmp_path: Path) -> None:
    bundled = model_path(BUNDLED_MODEL)
    (folder,) = [p for p in onnx_cache.iterdir() if p.is_dir()]
    assert folder.name == cache_key(bundled)
    written = (folder / MODEL_FILE).stat().st_mtime_ns
    assert quantized_model(bundled, onnx_cache) == folder / MODEL_FILE
    assert (folder / MODEL_FILE).stat().st_mtime_ns == written  # not exported again
    assert sorted(p.name for p in folder.iterdir()) == [MODEL_FILE, "source.json"]  # no fp32 model left
    changed = tmp_path / "model"
    shutil.copytree(bundled, changed)
    (changed / "config.json").write_text((changed / "config.json").read_text().replace("}", ', "x": 1}', 1))
    assert cache_key(changed) != cache_key(bundled)


def test_load_embedder_chooses_the_backend(onnx_cache: Path) -> None:
    embedder = load_embedder(BUNDLED_MODEL, batch_size=8, backend="onnx", onnx_cache_dir=onnx_cache)
    assert isinstance(embedder, OnnxEmbeddings)
    assert embedder.batch_size == 8


def test_the_backend_is_a_setting_but_not_part_of_the_index_signature() -> None:
    assert Settings(embedding_backend="onnx").index_signature() == Settings().index_signature()
    assert Settings.from_env({"ASSISTANT_EMBEDDING_BACKEND": "onnx"}).embedding_backend == "onnx"
    with pytest.raises(SettingsError) as error:
        Settings(embedding_backend="cuda")
    assert str(error.value) == "embedding_backend must be one of torch, onnx, not 'cuda'"
