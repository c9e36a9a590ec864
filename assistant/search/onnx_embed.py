"""The embedding model run by ONNX Runtime, int8-quantised: about 2.5x the torch rate on the CPU, vectors
within cosine 0.99 of torch's.

At first use the model's own weights are exported with torch.onnx (the TorchScript exporter: no optimum,
which cannot be installed beside sentence-transformers 6), quantised and cached in a folder named by a
hash of the weights, so a changed model is exported again and an unchanged one never is. Only the
MatMul weights are quantised, per output channel: onnxruntime's defaults (every op, one scale per tensor)
gave vectors at cosine 0.89 to torch's, which moves rankings; per channel they stay at 0.99.
Activations are quantised at run time with one scale per batch, so a text's vector moves slightly
(cosine > 0.98) with its batch-mates; a query is always embedded alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from ..errors import ModelNotFoundError

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the export or quantisation below changes: cached models are rebuilt
OPSET = 17
MODEL_FILE = "model.int8.onnx"
_WEIGHT_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json")


def cache_key(model_dir: Path) -> str:
    """A hash of the model's weights and config and of how they are exported: the cache folder's name."""
    digest = hashlib.sha256(f"export {EXPORT_VERSION} opset {OPSET}".encode())
    for name in _WEIGHT_FILES:
        path = model_dir / name
        if path.exists():
            digest.update(name.encode())
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def quantized_model(model_dir: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file for the model in `model_dir`, exported into `cache_dir` on first use."""
    target = cache_dir / cache_key(model_dir)
    if (target / MODEL_FILE).exists():
        return target / MODEL_FILE
    log.info("exporting %s to ONNX (int8) in %s; once per model", model_dir, target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Built in a temporary folder and renamed: a cut-off export leaves no half-written model behind.
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_dir))
    try:
        _export(model_dir, work / "model.onnx")
        _quantize(work / "model.onnx", work / MODEL_FILE)
        (work / "model.onnx").unlink()
        (work / "source.json").write_text(json.dumps({"model": str(model_dir), "export": EXPORT_VERSION}))
        try:
            work.rename(target)
        except OSError:  # another process exported it meanwhile
            if not (target / MODEL_FILE).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / MODEL_FILE


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr
    base = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class LastHidden(torch.nn.Module):
        # Keyword arguments: BertModel.forward's positional order changed between transformers versions.
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about shapes, which the dynamic axes cover
        torch.onnx.export(
            LastHidden(base), (sample, sample, torch.zeros_like(sample)), str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={n: axes for n in ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
            opset_version=OPSET, dynamo=False,
        )


def _quantize(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # quantize_dynamic logs "Please consider to run pre-processing before quantization" on the root logger:
    # advice for convolutional image models, not for this one. Kept off the user's stderr.
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(str(source), str(out), per_channel=True, op_types_to_quantize=["MatMul"],
                         weight_type=QuantType.QInt8)
    finally:
        logging.disable(previous)


class OnnxEmbeddings(Embeddings):
    """Mean-pooled, normalised sentence vectors from an ONNX model, as sentence-transformers computes them."""

    def __init__(self, model_dir: Path, onnx_file: Path, batch_size: int = 32, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer_file = model_dir / "tokenizer.json"
        if not tokenizer_file.exists():
            raise ModelNotFoundError(f"no tokenizer.json in {model_dir}; the ONNX backend needs a fast tokenizer")
        self.max_tokens = _max_seq_length(model_dir)
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text. Texts are batched by length, so a batch pads little."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out: np.ndarray | None = None
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            if out is None:
                out = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
            out[batch] = pooled
        assert out is not None
        return out


def load_onnx_embedder(model_dir: Path, cache_dir: Path, batch_size: int = 32) -> OnnxEmbeddings:
    """The model in `model_dir` through ONNX Runtime, exported and quantised into `cache_dir` at first use."""
    return OnnxEmbeddings(model_dir, quantized_model(model_dir, cache_dir), batch_size)


def _max_seq_length(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256
