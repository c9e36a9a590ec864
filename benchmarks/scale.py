"""Speed and scale on 2 cores: indexes of about 1k, 10k and 100k chunks of real dekamer answers (for 100k, the
records repeated under new ids), then a table: ingest chunks/s, index size on disk, resident memory and load
time of a fresh `ask` process, and p50 / p95 of retrieval alone and of a whole ask (retrieval + answer).

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,100000] [--questions 120]
        [--vectors-from /tmp/dekamer-index-...]   # reuse the vectors of a dekamer.py index: same text, same vector

Repeated records have the same text, so their vectors are the same: they are embedded once and reused (and
with --vectors-from, taken from an index that already holds them). The ingest rate in the table is then
storage + BM25, not the model; the model's own rate (torch and ONNX) is measured apart, on real chunks, in
the line under the table. Each index is measured by a fresh process (`probe`), so memory and load time are
those of a user's `ask`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from langchain_core.embeddings import Embeddings  # noqa: E402

from assistant.ingest.chunk import split_into_chunks  # noqa: E402
from assistant.ingest.load import record_to_document  # noqa: E402
from assistant.settings import Settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "dekamer-2017" / "dekamer-2017-q1.jsonl"
WORK = Path("/tmp/assistant-scale")
FILE_RECORDS = 2000  # records a JSON Lines file: about 4 MB of dekamer answers


class ReusedVectors(Embeddings):
    """Embeds each distinct text once; texts seen before (or given in `known`) get their stored vector. The
    model is loaded (by `load`) only when a text has no stored vector."""

    def __init__(self, load: Callable[[], Embeddings], known: dict[str, list[float]] | None = None) -> None:
        self.load = load
        self.inner: Embeddings | None = None
        self.known = dict(known or {})
        self.embedded = 0  # texts the model had to embed

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        if missing:
            self.inner = self.inner or self.load()
            self.known.update(zip(missing, self.inner.embed_documents(missing)))
            self.embedded += len(missing)
        return [self.known[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError


def answer_records() -> list[dict[str, object]]:
    with CORPUS.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [{"id": r["id"], "text": r["answer"], "department": r["department"], "date": r["date"]}
            for r in rows if isinstance(r.get("answer"), str) and r["answer"].strip()]


def records_for(size: int, records: list[dict[str, object]], settings: Settings) -> list[dict[str, object]]:
    """Records in corpus order, then again under new ids ("<id>~2"), until they make `size` chunks."""
    counts = [len(split_into_chunks(record_to_document(r, "scale"), settings.chunk_size, settings.chunk_overlap))
              for r in records]
    out: list[dict[str, object]] = []
    total, round_ = 0, 1
    while total < size:
        for record, n in zip(records, counts):
            if total >= size:
                break
            out.append(record if round_ == 1 else {**record, "id": f"{record['id']}~{round_}"})
            total += n
        round_ += 1
    return out


def stored_vectors(index_dir: Path) -> dict[str, list[float]]:
    """Chunk text -> vector of an existing index (one with the same model and chunking)."""
    import chromadb

    client = chromadb.PersistentClient(path=str(index_dir / "chroma"),
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    got = client.get_collection("chunks").get(include=["documents", "embeddings"])
    return {t: list(map(float, v)) for t, v in zip(got["documents"] or [], got["embeddings"])}


def build(size: int, settings: Settings, known: dict[str, list[float]]) -> dict[str, object]:
    from assistant.core import Assistant
    from assistant.search.embed import load_embedder

    folder = WORK / f"index-{size}"
    records = records_for(size, answer_records(), settings)
    source = WORK / f"records-{size}"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    for start in range(0, len(records), FILE_RECORDS):  # files under the max_file_mb limit
        part = records[start:start + FILE_RECORDS]
        (source / f"part-{start // FILE_RECORDS:03d}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    embedder = ReusedVectors(lambda: load_embedder(settings.embedding_model, settings.batch_size,
                                                   settings.embedding_backend, settings.onnx_cache_dir), known)
    assistant = Assistant.open(settings.with_(index_dir=folder, default_index=False), embedder=embedder, create=True)
    started = time.perf_counter()
    result = assistant.ingest([source])
    seconds = time.perf_counter() - started
    known.update(embedder.known)
    return {"size": size, "chunks": len(assistant.index), "documents": len(records),
            "ingest_s": seconds, "written": result.report.chunks, "embedded": embedder.embedded,
            "disk_mb": _disk_mb(folder), "index": str(folder)}


def questions(n: int) -> list[str]:
    """The first question sentence of n sampled dekamer questions (seed 7): what an adviser would type."""
    with CORPUS.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    random.seed(7)
    out = []
    for r in random.sample(rows, len(rows)):
        asked = [s.strip() for s in re.split(r"(?<=\?)", str(r["question"])) if s.strip().endswith("?")]
        sentence = re.sub(r"^\W*\d{1,2}[.)]\s*", "", asked[0]) if asked else ""
        if 20 <= len(sentence) <= 300:
            out.append(sentence)
        if len(out) == n:
            break
    return out


def probe(index_dir: Path, n: int, backend: str) -> dict[str, object]:
    """In this (fresh) process: open the index, time retrieval alone and whole asks, report memory."""
    started = time.perf_counter()
    from assistant.core import Assistant
    from assistant.search.retrieve import retrieve

    settings = Settings.from_env(index_dir=index_dir, embedding_backend=backend)
    assistant = Assistant.open(settings)
    load = time.perf_counter() - started
    asked = questions(n)
    assistant.ask(asked[0])  # the first call warms caches; not counted
    retrieval, whole = [], []
    for q in asked:
        t = time.perf_counter()
        retrieve(assistant.index, q, settings.k)
        retrieval.append(time.perf_counter() - t)
        t = time.perf_counter()
        assistant.ask(q)
        whole.append(time.perf_counter() - t)
    return {"load_s": load, "rss_mb": _rss_mb(), "questions": len(asked),
            "retrieve": _percentiles(retrieval), "ask": _percentiles(whole)}


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))]}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def embedding_rates(settings: Settings, texts: list[str]) -> dict[str, float]:
    """Chunks/s of the model alone, torch and ONNX, over the same real chunks."""
    from assistant.search.embed import load_embedder

    rates = {}
    for backend in ("torch", "onnx"):
        embedder = load_embedder(settings.embedding_model, settings.batch_size, backend, settings.onnx_cache_dir)
        embedder.embed_documents(texts[:8])  # warm up
        started = time.perf_counter()
        embedder.embed_documents(texts)
        rates[backend] = len(texts) / (time.perf_counter() - started)
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="all", choices=["all", "probe"])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=120)
    parser.add_argument("--vectors-from", type=Path, help="an index with the same model and chunking (dekamer.py's)")
    parser.add_argument("--index", type=Path, help="probe: the index to measure")
    parser.add_argument("--backend", choices=["torch", "onnx"],
                        help="the model's backend for asks (default: the setting)")
    parser.add_argument("--rebuild", action="store_true", help="build the indexes again")
    parser.add_argument("--embed-sample", type=int, default=256, help="chunks for the model's own rate (0: skip)")
    args = parser.parse_args(argv)
    if args.command == "probe":
        print(json.dumps(probe(args.index, args.questions, args.backend or Settings.from_env().embedding_backend)))
        return 0

    settings = Settings.from_env(embedding_backend=args.backend)
    args.backend = settings.embedding_backend
    WORK.mkdir(parents=True, exist_ok=True)
    known = stored_vectors(args.vectors_from) if args.vectors_from else {}
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        folder = WORK / f"index-{size}"
        if args.rebuild and folder.exists():
            shutil.rmtree(folder)
        built = build(size, settings, known)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
        out = subprocess.run([sys.executable, __file__, "probe", "--index", str(folder), "--questions",
                              str(args.questions), "--backend", args.backend], env=env, capture_output=True,
                             text=True, check=True).stdout
        rows.append({**built, **json.loads(out.strip().splitlines()[-1])})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\nscale (model {settings.embedding_model}, {args.backend} for questions; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print("| chunks | ingest chunks/s | on disk | RSS of ask | load | retrieval p50 / p95 | whole ask p50 / p95 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        rate = r["written"] / r["ingest_s"] if r["written"] else float("nan")
        print(f"| {r['chunks']:,} | {rate:.0f} ({r['embedded']} embedded) | {r['disk_mb']:.0f} MB | "
              f"{r['rss_mb']:.0f} MB | {r['load_s']:.1f} s | {r['retrieve']['p50']:.3f} / {r['retrieve']['p95']:.3f} s "
              f"| {r['ask']['p50']:.3f} / {r['ask']['p95']:.3f} s |")
    if args.embed_sample:
        texts = [c.indexed_text for r in answer_records()[:400]
                 for c in split_into_chunks(record_to_document(r, "x"), settings.chunk_size, settings.chunk_overlap)]
        rates = embedding_rates(settings, texts[:args.embed_sample])
        print(f"\nthe model alone on {args.embed_sample} real chunks: torch {rates['torch']:.1f} chunks/s, ONNX int8 "
              f"{rates['onnx']:.1f} chunks/s ({rates['onnx'] / rates['torch']:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
