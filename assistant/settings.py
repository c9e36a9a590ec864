"""Settings: one dataclass, read from the environment once, at the edge (cli.py, app.py)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import Stemmer

from .checks import check_k
from .errors import SettingsError

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = "all-MiniLM-L6-v2"
ENV_PREFIX = "ASSISTANT_"
EMBEDDING_BACKENDS = ("torch", "onnx")


@dataclass(frozen=True)
class Settings:
    """What shapes the index and the answers. Fields that shape the index are in `index_signature`."""

    index_dir: Path = ROOT / "index"  # the on-disk store; the default one is built from corpus_dir on first use
    corpus_dir: Path = ROOT / "corpus"  # the shipped documents
    embedding_model: str = BUNDLED_MODEL  # the bundled model's name, or a folder with a sentence-transformers model
    # "onnx" (the default): the model int8-quantised under ONNX Runtime, exported once into onnx_cache_dir
    # (about 13 s), vectors at cosine 0.99 to torch's; a process starts in 3 s instead of 12 (no torch import)
    # and embeds 1.5x faster. "torch": sentence-transformers itself. The dev set scores the same with both.
    embedding_backend: str = "onnx"
    onnx_cache_dir: Path = ROOT / "models" / "onnx"  # exported ONNX models, one folder per model weights hash
    chunk_size: int = 600  # characters of source text per chunk; the model reads ~256 tokens, ~700 chars of Dutch
    chunk_overlap: int = 80  # characters shared by neighbouring chunks cut from one long paragraph
    stemmer: str = "dutch"  # PyStemmer algorithm for BM25 and for matching question words to sentences
    k: int = 5  # passages returned per question
    candidates: int = 40  # passages each retriever hands to the rank fusion
    bm25_weight: float = 0.8  # share of BM25 in the rank fusion for Dutch questions; the rest goes to the vectors
    bm25_weight_english: float = 0.5  # the same for English questions: the bundled model reads English best
    # BM25's share against the vectors when `similar` ranks documents for a Dutch question. The bundled model
    # reads English: on dekamer 2017 Q1 its vectors lowered every figure at every weight tried (0.5 to 0.97),
    # so the default matches Dutch on words alone. Lower it for an index with a model tuned on its archive.
    similar_bm25_weight: float = 1.0
    # Rank-fusion constant: 1/(10+rank). With the usual 60, BM25's clear first passage and its fifth scored within
    # 7% of each other and the vectors decided; on dekamer the ask path's grouped hit@5 went 0.797 -> 0.817 and
    # MRR 0.659 -> 0.702 with 10 (documents for `similar`: 0.853 / 0.753 -> 0.857 / 0.752).
    rrf_k: int = 10
    # The judge's chance below which the reader declines a fact question; 0: the one fitted with the model (0.48).
    # Lower answers more and answers wrongly more: on the archive set, out of fold, 0.58 gave answer 0.673 /
    # abstention 0.925 and 0.38 gave 0.755 / 0.825 (README, "How an answer is made").
    reader_threshold: float = 0.0
    max_question_chars: int = 20_000  # real written questions run to several thousand characters
    batch_size: int = 32  # chunks embedded per model call
    write_batch: int = 512  # chunks embedded and stored together in an ingest; a crash redoes at most these
    max_file_mb: int = 32  # larger files are refused with a message (a 32 MB PDF is a scan, not text)
    default_index: bool = field(default=True, compare=False)  # build index_dir from corpus_dir when missing
    # A shared Chroma server ("http://HOST:PORT") instead of the store in index_dir; empty: the embedded store.
    chroma_url: str = ""
    # The generative model, "openai:MODEL" or "ollama:MODEL"; empty: the extractive answerer, offline.
    llm: str = ""
    llm_base_url: str = ""  # an OpenAI-compatible server (vLLM, llama.cpp, LM Studio) or Ollama's address
    llm_timeout: float = 60.0  # seconds one model reply may take before the extractive answer is given instead
    llm_retries: int = 1  # further tries after a timeout or a server error (the client backs off between them)
    # Sign-in for `serve`: users, groups and token hashes (`python -m assistant users add`). When the file exists
    # (or --users / ASSISTANT_USERS_FILE names one), every route needs a session or a token.
    users_file: Path = ROOT / "users.json"
    audit_db: Path = ROOT / "audit.sqlite3"  # the audit log and the answers' feedback (SQLite), written by `serve`
    audit_retention_days: int = 365  # audit and feedback rows older than this many days are deleted

    def __post_init__(self) -> None:
        for name in ("index_dir", "corpus_dir", "onnx_cache_dir"):
            if not isinstance(getattr(self, name), Path):
                raise SettingsError(f"{name} must be a folder path, not {getattr(self, name)!r}")
        if not 0.0 <= self.reader_threshold < 1.0:
            raise SettingsError(f"reader_threshold must be at least 0 and below 1, not {self.reader_threshold!r}")
        if not self.embedding_model.strip():
            raise SettingsError("embedding_model must name a model or a folder holding one, "
                                f"not {self.embedding_model!r}")
        if self.stemmer not in Stemmer.algorithms():
            raise SettingsError(f"stemmer must be a Snowball algorithm such as dutch or dutch_porter, "
                                f"not {self.stemmer!r}")
        if self.chunk_size < 100:
            raise SettingsError(f"chunk_size must be at least 100 characters, not {self.chunk_size}")
        if not 0 <= self.chunk_overlap < self.chunk_size // 2:
            raise SettingsError(
                f"chunk_overlap must be between 0 and half of chunk_size ({self.chunk_size // 2}), "
                f"not {self.chunk_overlap}"
            )
        if self.embedding_backend not in EMBEDDING_BACKENDS:
            raise SettingsError(f"embedding_backend must be one of {', '.join(EMBEDDING_BACKENDS)}, "
                                f"not {self.embedding_backend!r}")
        for name in ("bm25_weight", "bm25_weight_english", "similar_bm25_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise SettingsError(f"{name} must be between 0 and 1, not {getattr(self, name)}")
        if self.chroma_url:
            parse_chroma_url(self.chroma_url)
        if self.llm:
            parse_llm(self.llm)
        if self.llm_base_url and not re.fullmatch(r"https?://\S+", self.llm_base_url):
            raise SettingsError(f"llm_base_url must look like http://HOST:PORT/PATH, not {self.llm_base_url!r}")
        if self.llm_timeout <= 0:
            raise SettingsError(f"llm_timeout must be more than 0 seconds, not {self.llm_timeout}")
        if self.llm_retries < 0:
            raise SettingsError(f"llm_retries must be 0 or more, not {self.llm_retries}")
        check_k(self.k, SettingsError)
        for name in ("candidates", "rrf_k", "max_question_chars", "batch_size", "write_batch", "max_file_mb",
                     "audit_retention_days"):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name} must be at least 1, not {getattr(self, name)}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ASSISTANT_<FIELD> variables, then explicit overrides (CLI flags)."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or f.name == "default_index":
                continue
            values[f.name] = _convert(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(str(values["index_dir"]))
            values.setdefault("default_index", False)
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def index_signature(self) -> dict[str, object]:
        """What an index was built with; opening it with other values would mix incomparable vectors."""
        # Not the embedding backend: torch and ONNX run the same model (vectors at cosine 0.99), so an index
        # built with one is searched with the other (benchmarks/dekamer.py: hit@5 moves by less than 0.01).
        return {
            "embedding_model": self.embedding_model,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "stemmer": self.stemmer,
        }


LLM_PROVIDERS = ("openai", "ollama")


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """"http://HOST:PORT" -> (host, port, ssl); anything else is a SettingsError."""
    found = re.fullmatch(r"(https?)://([^/:\s]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?/?", url.strip())
    if not found:
        raise SettingsError(f"chroma_url must look like http://HOST:PORT, not {url!r}")
    scheme, host, port = found.groups()
    ssl = scheme == "https"
    number = int(port) if port else (443 if ssl else 8000)  # 8000: the port `chroma run` listens on
    if not 0 < number < 65536:
        raise SettingsError(f"chroma_url has port {number}; a port is between 1 and 65535")
    return host.strip("[]"), number, ssl


def parse_llm(spec: str) -> tuple[str, str]:
    """"openai:MODEL" or "ollama:MODEL" -> (provider, model); anything else is a SettingsError."""
    provider, _, model = spec.partition(":")
    if provider not in LLM_PROVIDERS or not model.strip():
        raise SettingsError(f"llm must be openai:MODEL or ollama:MODEL (e.g. openai:gpt-4o-mini), not {spec!r}")
    return provider, model.strip()


def _convert(name: str, raw: str, kind: type[Any]) -> object:
    try:
        if kind is Path or issubclass(kind, Path):
            return Path(raw)
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}") from exc
