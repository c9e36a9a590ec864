"""Ingest speed on real parliamentary questions: documents/s, chunks/s, and the pipeline's overhead as the
ratio of the whole ingest's chunks/s to the raw encode rate of the same chunk texts with the same model in
the same run (1.0 = the pipeline costs nothing beyond the model; target >= 0.8); peak memory.

    .venv/bin/python benchmarks/ingest.py                      # the 1,939 records of dekamer-2017-q1
    .venv/bin/python benchmarks/ingest.py --limit 300          # the first 300 (a quick look)

The index is built in a temporary folder; the model is loaded (and warmed up) before the clock starts.
The raw encode runs half before the ingest and half after, so a machine that gets busier or quieter during
the run does not tilt the ratio; the time the ingest itself spent in the model is printed too.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "corpora" / "dekamer-2017" / "dekamer-2017-q1.jsonl"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


class EncodeTimer:
    """The embedder, counting the seconds spent in it."""

    def __init__(self, embedder: Any) -> None:
        self.embedder, self.seconds = embedder, 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.embedder.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


def timed(function: Callable[[list[str]], object], texts: list[str]) -> float:
    started = time.perf_counter()
    function(texts)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="a JSON Lines file of records")
    parser.add_argument("--limit", type=int, help="only the first N records")
    parser.add_argument("--model", default=None, help="embedding model (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--backend", choices=["torch", "onnx"], help="embedding backend (default: the setting)")
    args = parser.parse_args()

    from assistant.core import Assistant
    from assistant.ingest.chunk import split_into_chunks
    from assistant.ingest.load import load_file
    from assistant.search.embed import load_embedder
    from assistant.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if args.limit:
            data = Path(tmp) / data.name
            with args.data.open(encoding="utf-8") as source:
                data.write_text("".join(line for _, line in zip(range(args.limit), source)), encoding="utf-8")
        settings = Settings.from_env(index_dir=Path(tmp) / "index", default_index=False,
                                     embedding_model=args.model, embedding_backend=args.backend)
        started = time.perf_counter()
        embedder = load_embedder(settings.embedding_model, settings.batch_size, settings.embedding_backend,
                                 settings.onnx_cache_dir)
        embedder.embed_documents(["Een korte zin om het model op te warmen."] * settings.batch_size)
        print(f"model {settings.embedding_model} ({settings.embedding_backend}): "
              f"loaded in {time.perf_counter() - started:.1f} s; "
              f"memory {peak_mb():.0f} MB", flush=True)
        # The chunk texts the ingest will embed, made the same way (chunking is pure and quick).
        texts = [c.indexed_text for doc in load_file(data) for c in
                 split_into_chunks(doc, settings.chunk_size, settings.chunk_overlap)]
        half = len(texts) // 2
        raw_seconds = timed(embedder.embed_documents, texts[:half])

        timer = EncodeTimer(embedder)
        assistant = Assistant.open(settings, embedder=timer, create=True)
        before = peak_mb()
        started = time.perf_counter()
        result = assistant.ingest([data])
        seconds = time.perf_counter() - started
        after = peak_mb()
        chunks = result.report.chunks
        documents = result.report.added + result.report.updated
        if result.failures:
            print(f"{len(result.failures)} failures, the first: {result.failures[0].reason}")

        raw_seconds += timed(embedder.embed_documents, texts[half:])
        raw = len(texts) / raw_seconds

    rate = chunks / seconds
    print(f"{data.name}: {documents} documents, {chunks} chunks "
          f"({sum(map(len, texts)) / max(len(texts), 1):.0f} characters a chunk on average)")
    print(f"ingest: {seconds:.1f} s, {documents / seconds:.1f} documents/s, {rate:.1f} chunks/s")
    print(f"raw encode of the same {len(texts)} chunk texts: {raw:.1f} chunks/s")
    print(f"ratio ingest / raw encode: {rate / raw:.2f} (target >= 0.8)")
    print(f"time in the model during the ingest: {timer.seconds:.1f} s of {seconds:.1f} s "
          f"({timer.seconds / seconds:.0%}; the rest is reading, chunking, Chroma and BM25)")
    print(f"peak memory: {after:.0f} MB ({after - before:+.0f} MB during the ingest, model loaded before)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
