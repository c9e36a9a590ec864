"""kill -9 in the middle of ingesting a thousand documents, run the same ingest again: the index equals the
one a clean run builds. The same chunk ids, no duplicates, no half-ingested document, BM25 and vectors in
step.

The ingest runs in a child process (the worker below) with a deterministic hash embedder, so a run lasts
seconds. It is killed twice at whatever point its progress output shows, and also at the exact points a
crash does most harm: just before and just after a batch of chunks is written, and, re-ingesting changed
documents, just after their old records are deleted.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Each test runs ingests of hundreds of documents in child processes: about 90 s for the module on 2 cores.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = 1000

WORKER = r'''
import hashlib, json, math, re, sys
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.apps.cli import IngestReporter
from assistant.core import Assistant
from assistant.settings import Settings


class SlowHashEmbedder(Embeddings):
    """Words hashed into 16 dimensions, and a 17th from the whole text's hash: the generated answers reuse
    the same few words, and without it one chunk in ten had another's vector. Among many identical vectors
    an HNSW graph (any graph index) cannot promise to reach every one, and "vector search reaches" below
    would measure that, not the ingest."""

    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        vector = [0.0] * 17
        for word in re.findall(r"\w+", text.casefold()):
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % 16] += 1.0 if digest[1] % 2 else -1.0
        vector[16] = int.from_bytes(hashlib.sha256(text.encode()).digest()[:2], "big") / 65535 + 0.1
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


def snapshot(index_dir):
    """Everything that must match between two indexes, read from Chroma and from the rebuilt BM25."""
    index = Assistant.open(Settings(index_dir=index_dir, default_index=False), embedder=SlowHashEmbedder(),
                           create=True).index  # opening writes nothing
    stored = index.store.chunk_collection.get(include=["embeddings", "metadatas"])
    records = index.store.document_collection.get(include=["metadatas"])
    vectors = {i: [round(float(x), 6) for x in v] for i, v in zip(stored["ids"], stored["embeddings"])}
    queries = [vectors[c.id] for c in index.chunks[::200]]
    # Vector search reaches every chunk, with the same scores (HNSW orders equal scores as it likes).
    everything = [index.search_vectors(q, len(index.chunks), None) for q in queries[:1]]
    return {
        "chunk ids": sorted(stored["ids"]),
        "chunk count": index.store.chunk_collection.count(),
        "chunk docs": sorted({str(m["doc_id"]) for m in stored["metadatas"]}),
        "documents": sorted([i, str(m["_hash"])] for i, m in zip(records["ids"], records["metadatas"])),
        "bm25 chunks": [c.id for c in index.chunks],
        "bm25 size": index.lexical.size,
        "vectors": vectors,
        "nearest scores": [[round(s, 4) for _, s in index.search_vectors(q, 20, None)] for q in queries],
        "vector search reaches": sorted({i for hits in everything for i, _ in hits}),
    }


if __name__ == "__main__" and sys.argv[1] == "snapshot":
    print(json.dumps(snapshot(Path(sys.argv[2]))))
elif __name__ == "__main__":
    import os, signal

    index_dir, data, write_batch = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    settings = Settings(index_dir=index_dir, default_index=False, write_batch=write_batch)
    assistant = Assistant.open(settings, embedder=SlowHashEmbedder(), create=True)
    if len(sys.argv) > 4:  # "chunks.add:3:before": kill -9 this process just before the 3rd chunk write
        target, nth, when = sys.argv[4].split(":")
        collection, method = target.split(".")
        real = getattr(assistant.index.store, collection[:-1] + "_collection")
        calls = [0]

        class KillAt:
            def __getattr__(self, name):
                attribute = getattr(real, name)
                if name != method:
                    return attribute

                def call(*args, **kwargs):
                    calls[0] += 1
                    if calls[0] == int(nth) and when == "before":
                        os.kill(os.getpid(), signal.SIGKILL)
                    out = attribute(*args, **kwargs)
                    if calls[0] == int(nth) and when == "after":
                        os.kill(os.getpid(), signal.SIGKILL)
                    return out
                return call

        setattr(assistant.index.store, collection[:-1] + "_collection", KillAt())
    reporter = IngestReporter(sys.stdout, bar=False, interval=0)
    result = assistant.ingest([data], on_file=reporter.file_done, on_progress=reporter.update)
    reporter.close()
    print("summary:", result.summary(), flush=True)
    print(json.dumps(snapshot(index_dir)))  # as a fresh process sees it: the next process to open it
'''

_DONE = re.compile(r"^ingest: (\d+)/\d+ documents")


def make_data(path: Path, documents: int = DOCUMENTS, changed: bool = False) -> Path:
    """Written questions: the question a chunk, the answer one or two; `changed` rewrites every third
    answer."""
    words = ("begroting agentschap gezinnen wachttijd opvang bevraging resultaten minister kinderopvang "
             "laadpalen wegen subsidie personeel klanttevredenheid meting jaar regio").split()
    lines = []
    for n in range(documents):
        paragraphs = [" ".join(words[(n * 7 + i * 3 + j) % len(words)] for j in range(20)).capitalize() + "."
                      for i in range(1 + n % 4)]  # ~190 characters each: three fit in a 600-character chunk
        answer = "\n\n".join(paragraphs) + (" Bijgewerkt in maart." if changed and n % 3 == 0 else "")
        lines.append(json.dumps({"id": f"q{n:04d}", "title": f"Vraag {n}", "question": f"Wat over {words[n % 17]}?",
                                 "answer": answer, "department": f"Minister {n % 5}"}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The exact kill points need fewer documents: the third batch of 48 chunks is reached within 60.
FEW = 150


@dataclass(frozen=True)
class Setup:
    script: Path
    data: Path  # the thousand documents
    few: Path  # the first 150 of them
    changed: Path  # those 150, every third answer changed
    clean_few: Path  # the index a clean run builds from `few`
    clean: dict[str, dict[str, Any]]  # "data", "few", "changed": what clean runs build


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    folder = tmp_path_factory.mktemp("crash")
    script = folder / "worker.py"
    script.write_text(WORKER, encoding="utf-8")
    data = make_data(folder / "vragen.jsonl")
    few = make_data(folder / "few" / "vragen.jsonl", FEW)
    changed = make_data(folder / "changed" / "vragen.jsonl", FEW, changed=True)
    summary, clean = finish(start(script, folder / "clean", data))
    assert summary.startswith(f"summary: 1 files: {DOCUMENTS} documents added, 0 updated, 0 unchanged, 0 failed")
    return Setup(script, data, few, changed, folder / "clean-few", {
        "data": clean, "few": finish(start(script, folder / "clean-few", few))[1],
        "changed": finish(start(script, folder / "clean-changed", changed))[1]})


def start(script: Path, index_dir: Path, data: Path, kill_at: str = "", write_batch: int = 48) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ANONYMIZED_TELEMETRY": "False"}
    args = [sys.executable, str(script), str(index_dir), str(data), str(write_batch)] + ([kill_at] if kill_at else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def kill_when(process: subprocess.Popen[str], documents: int) -> int:
    """kill -9 the ingest once its progress shows `documents` done; how many it had shown."""
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        match = _DONE.match(line)
        if match and int(match.group(1)) >= documents:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return int(match.group(1))
    process.wait()
    raise AssertionError(f"the ingest ended before {documents} documents: {process.stderr.read()}")


def finish(process: subprocess.Popen[str]) -> tuple[str, dict[str, Any]]:
    """Wait for an ingest to end: its summary and the index it left."""
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    *_, summary, snap = out.splitlines()
    return summary, json.loads(snap)


def killed(process: subprocess.Popen[str]) -> None:
    process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL


def snapshot(script: Path, index_dir: Path) -> dict[str, Any]:
    """The index as a fresh process sees it (this one's Chroma client would keep a stale view of a store
    that other processes changed)."""
    process = subprocess.run([sys.executable, str(script), "snapshot", str(index_dir)], capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT, timeout=300)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def per_document(snap: dict[str, Any]) -> dict[str, list[str]]:
    chunks: dict[str, list[str]] = {}
    for chunk_id in snap["chunk ids"]:
        chunks.setdefault(chunk_id.split("#")[0], []).append(chunk_id)
    return chunks


def assert_no_half_document(after_kill: dict[str, Any], *versions: dict[str, Any]) -> None:
    """Every document with a record has exactly the chunks of the version its hash names, and only those
    chunks are searchable."""
    stored = per_document(after_kill)
    searchable: set[str] = set()
    for doc_id, digest in after_kill["documents"]:
        version = next(v for v in versions if [doc_id, digest] in v["documents"])
        assert stored.get(doc_id) == per_document(version)[doc_id], doc_id
        searchable.update(stored[doc_id])
    assert set(after_kill["bm25 chunks"]) == searchable


def assert_same_index(resumed: dict[str, Any], clean: dict[str, Any]) -> None:
    for key in clean:
        assert resumed[key] == clean[key], key
    assert len(set(resumed["chunk ids"])) == resumed["chunk count"] == resumed["bm25 size"]


def test_a_clean_run_indexes_every_chunk_once(setup: Setup) -> None:
    clean = setup.clean["data"]
    assert len(clean["chunk ids"]) == clean["chunk count"] == clean["bm25 size"] > 2 * DOCUMENTS
    assert clean["vector search reaches"] == clean["chunk ids"] == sorted(clean["bm25 chunks"])
    assert len(clean["documents"]) == DOCUMENTS


def test_kill_9_mid_ingest_then_the_same_ingest_again_equals_a_clean_run(tmp_path: Path, setup: Setup) -> None:
    clean = setup.clean["data"]
    index_dir = tmp_path / "killed"
    first = kill_when(start(setup.script, index_dir, setup.data), 250)
    after_kill = snapshot(setup.script, index_dir)
    assert first <= len(after_kill["documents"]) < DOCUMENTS  # killed mid-way
    assert_no_half_document(after_kill, clean)

    assert kill_when(start(setup.script, index_dir, setup.data), 600) >= 600  # and once more, further on
    summary, resumed = finish(start(setup.script, index_dir, setup.data))
    added, unchanged = map(int, re.search(r"(\d+) documents added, 0 updated, (\d+) unchanged, 0 failed",
                                          summary).groups())  # type: ignore[union-attr]
    assert added + unchanged == DOCUMENTS and 0 < added < DOCUMENTS
    assert_same_index(resumed, clean)


@pytest.mark.parametrize("kill_at", ["chunks.add:3:before", "chunks.add:3:after"])
def test_kill_9_around_a_chunk_write_then_resume(tmp_path: Path, setup: Setup, kill_at: str) -> None:
    index_dir = tmp_path / "killed"
    killed(start(setup.script, index_dir, setup.few, kill_at))
    after_kill = snapshot(setup.script, index_dir)
    assert_no_half_document(after_kill, setup.clean["few"])
    assert 0 < len(after_kill["documents"]) < FEW
    if kill_at.endswith("after"):  # the third batch's chunks are stored, its records are not: unseen
        assert len(after_kill["chunk ids"]) > len(after_kill["bm25 chunks"])
    assert_same_index(finish(start(setup.script, index_dir, setup.few))[1], setup.clean["few"])


def test_kill_9_while_replacing_changed_documents_then_resume(tmp_path: Path, setup: Setup) -> None:
    index_dir = tmp_path / "killed"
    shutil.copytree(setup.clean_few, index_dir)
    # The second batch of changed documents: old records deleted, new chunks written, new records not.
    killed(start(setup.script, index_dir, setup.changed, "chunks.add:2:after"))
    after_kill = snapshot(setup.script, index_dir)
    assert_no_half_document(after_kill, setup.clean["few"], setup.clean["changed"])
    assert len(after_kill["documents"]) < FEW  # the batch being replaced is out until the re-run
    summary, resumed = finish(start(setup.script, index_dir, setup.changed))
    assert re.search(r"\d+ documents added, \d+ updated, \d+ unchanged, 0 failed", summary)
    assert_same_index(resumed, setup.clean["changed"])
