"""Retrieval quality on real text nobody here wrote: the Belgian Chamber's written questions of 2017 Q1.

The answers are ingested as JSON Lines records {"id", "text": answer, "department", "date"} (answered
records only; neither the title nor the question is indexed: the title is the question's own subject line,
so indexing it would let the question find its answer by copying). Then 300 sampled records' question text
is searched with `similar.rank_documents` (documents ranked by their best chunks) and the rank of the
record's own answer is counted: hit@1, hit@5, MRR (over the first 50 documents), and the time a question.

Strict: only the record's own answer counts. Grouped: an answer to the identical question text that the same
member sent to several ministers counts too (about one question in ten is such a copy).

    .venv/bin/python benchmarks/dekamer.py                      # the default configuration (torch)
    .venv/bin/python benchmarks/dekamer.py --embedding-backend onnx
    .venv/bin/python benchmarks/dekamer.py --since 2017-03-01 --embedding-model models/tuned-...   # tuned: March only
    .venv/bin/python benchmarks/dekamer.py --tuned models/tuned-...   # base and tuned side by side, on March
    .venv/bin/python benchmarks/dekamer.py --ask-path                 # documents as `ask` retrieves them

The index is built once in --index (default /tmp/dekamer-index-<configuration>) and reused: the first run
embeds ~8,600 chunks (about 6 min with torch on 2 idle cores).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from assistant.search.retrieve import retrieve  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.similar import rank_documents  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "dekamer-2017" / "dekamer-2017-q1.jsonl"
SAMPLE = 300
SEED = 7
DEPTH = 50  # documents ranked a question; MRR counts a hit below this as 0


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    group: frozenset[str]  # ids of the answers to the same text by the same member, its own included


@dataclass(frozen=True)
class Figures:
    hit1: float
    hit5: float
    mrr: float

    def line(self) -> str:
        return f"hit@1 {self.hit1:.3f}  hit@5 {self.hit5:.3f}  MRR {self.mrr:.3f}"


def read_records(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def answered(records: Sequence[dict[str, object]], since: str = "", until: str = "") -> list[dict[str, object]]:
    return [r for r in records if isinstance(r.get("answer"), str) and str(r["answer"]).strip()
            and (not since or str(r["date"]) >= since) and (not until or str(r["date"]) < until)]


def write_answer_records(records: Sequence[dict[str, object]], path: Path) -> Path:
    """The records as the index sees them: the answer as text, department and date as metadata."""
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps({"id": r["id"], "text": r["answer"], "department": r["department"],
                                "date": r["date"]}, ensure_ascii=False) + "\n")
    return path


def questions(records: Sequence[dict[str, object]], sample: int = SAMPLE, seed: int = SEED) -> list[Question]:
    """`sample` records drawn with random.seed(seed), random.sample, each with its group of identical copies."""
    groups: dict[tuple[str, str], set[str]] = {}
    for r in records:
        groups.setdefault(_group_key(r), set()).add(str(r["id"]))
    random.seed(seed)
    drawn = random.sample(list(records), min(sample, len(records)))
    return [Question(str(r["id"]), str(r["question"]), frozenset(groups[_group_key(r)])) for r in drawn]


def _group_key(record: dict[str, object]) -> tuple[str, str]:
    return str(record.get("author", "")), " ".join(str(record["question"]).split())


def score(ranked: Sequence[Sequence[str]], asked: Sequence[Question], grouped: bool) -> Figures:
    hit1 = hit5 = rr = 0.0
    for ids, q in zip(ranked, asked):
        wanted = q.group if grouped else {q.id}
        rank = next((i for i, doc_id in enumerate(ids, 1) if doc_id in wanted), None)
        if rank is not None:
            hit1 += rank == 1
            hit5 += rank <= 5
            rr += 1.0 / rank
    n = max(len(asked), 1)
    return Figures(hit1 / n, hit5 / n, rr / n)


def run(assistant: Assistant, asked: Sequence[Question],
        ranker: Callable[[Assistant, str], list[str]] | None = None) -> tuple[list[list[str]], list[float]]:
    """Each question's ranked document ids, and the seconds each took."""
    ranker = ranker or (lambda a, text: [d.doc_id for d in rank_documents(a.index, text, DEPTH)])
    ranked, seconds = [], []
    for q in asked:
        started = time.perf_counter()
        ranked.append(ranker(assistant, q.text))
        seconds.append(time.perf_counter() - started)
    return ranked, seconds


def open_index(settings: Settings, records: Sequence[dict[str, object]]) -> Assistant:
    assistant = Assistant.open(settings, create=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_answer_records(records, Path(tmp) / "dekamer-answers.jsonl")
        started = time.perf_counter()
        result = assistant.ingest([source])
        if result.report.added or result.report.updated:
            print(f"ingest: {result.summary()} ({time.perf_counter() - started:.0f} s)", flush=True)
    return assistant


def default_index_dir(settings: Settings, since: str, until: str) -> Path:
    key = json.dumps([settings.index_signature(), since, until], sort_keys=True)
    return Path(tempfile.gettempdir()) / f"dekamer-index-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--index", type=Path, help="index folder (default: one in the temp folder per configuration)")
    parser.add_argument("--embedding-model", help="bundled name or a model folder (e.g. a tune-embeddings result)")
    parser.add_argument("--embedding-backend", choices=["torch", "onnx"])
    parser.add_argument("--since", default="", help="only records dated on or after (both index and questions)")
    parser.add_argument("--until", default="", help="only records dated before")
    parser.add_argument("--sample", type=int, default=SAMPLE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--bm25-weight", type=float, help="share of BM25 in the fusion (default: the setting)")
    parser.add_argument("--tuned", metavar="MODEL_DIR",
                        help="compare the base model with this tuned one (made by tune-embeddings --until 2017-03-01) "
                             "on the records since --since (default 2017-03-01), at each of --weights")
    parser.add_argument("--weights", default="1.0,0.8,0.5,0.0", help="BM25 weights for --tuned")
    parser.add_argument("--ask-path", action="store_true",
                        help="rank documents by the passages `ask` answers from (20 chunks, BM25 and vectors at the "
                             "bm25_weight setting) instead of by `similar`")
    args = parser.parse_args(argv)
    if args.tuned:
        return compare_tuned(args)

    settings = Settings.from_env(embedding_model=args.embedding_model, embedding_backend=args.embedding_backend)
    records = answered(read_records(args.corpus), args.since, args.until)
    index_dir = args.index or default_index_dir(settings, args.since, args.until)
    settings = settings.with_(index_dir=index_dir, default_index=False)
    started = time.perf_counter()
    assistant = open_index(settings, records)
    loaded = time.perf_counter() - started
    asked = questions(records, args.sample, args.seed)
    weight = args.bm25_weight
    ranker = ask_path_ranker(weight) if args.ask_path else weighted_ranker(weight)
    ranked, seconds = run(assistant, asked, ranker)
    copies = sum(len(q.group) > 1 for q in asked)
    print(f"dekamer {args.since or 'start'}..{args.until or 'end'}: {len(records)} answers, {len(assistant.index)} "
          f"chunks; {len(asked)} questions (seed {args.seed}), {copies} with copies to other ministers")
    default_weight = settings.bm25_weight if args.ask_path else settings.similar_bm25_weight
    print(f"configuration: {'ask path' if args.ask_path else 'similar'}, model {settings.embedding_model}, backend "
          f"{settings.embedding_backend}, bm25 weight {weight if weight is not None else default_weight}, rank-fusion "
          f"constant {settings.rrf_k}; index {index_dir} (opened in {loaded:.1f} s)")
    print(f"strict : {score(ranked, asked, grouped=False).line()}")
    print(f"grouped: {score(ranked, asked, grouped=True).line()}")
    print(f"time a question: {timing(seconds)}")
    return 0


def weighted_ranker(weight: float | None) -> Callable[[Assistant, str], list[str]]:
    def ranker(a: Assistant, text: str) -> list[str]:
        return [d.doc_id for d in rank_documents(a.index, text, DEPTH, bm25_weight=weight)]
    return ranker


def ask_path_ranker(weight: float | None) -> Callable[[Assistant, str], list[str]]:
    """Documents in the order of their first passage among the 20 that `ask` retrieves."""
    def ranker(a: Assistant, text: str) -> list[str]:
        return list(dict.fromkeys(p.chunk.doc_id for p in retrieve(a.index, text, 20, bm25_weight=weight)))
    return ranker


def timing(seconds: Sequence[float]) -> str:
    ordered = sorted(seconds)
    return (f"mean {statistics.mean(seconds):.3f} s, p50 {ordered[len(ordered) // 2]:.3f} s, "
            f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.3f} s (load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores)")


def compare_tuned(args: argparse.Namespace) -> int:
    """Base and tuned model on the same records and questions (by default March: the tuned model was trained on
    January-February), each at every BM25 weight: a table of strict and grouped figures."""
    since = args.since or "2017-03-01"
    records = answered(read_records(args.corpus), since, args.until)
    asked = questions(records, args.sample, args.seed)
    weights = [float(w) for w in args.weights.split(",")]
    print(f"dekamer {since}..{args.until or 'end'}: {len(records)} answers; {len(asked)} questions (seed {args.seed})")
    print("| model | bm25 weight | strict hit@1 / hit@5 / MRR | grouped hit@1 / hit@5 / MRR | time a question p50 |")
    print("|---|---:|---|---|---:|")
    for name, model in (("base", None), ("tuned", args.tuned)):
        settings = Settings.from_env(embedding_model=model, embedding_backend=args.embedding_backend)
        settings = settings.with_(index_dir=default_index_dir(settings, since, args.until), default_index=False)
        assistant = open_index(settings, records)
        for weight in weights:
            ranked, seconds = run(assistant, asked, weighted_ranker(weight))
            strict, grouped = score(ranked, asked, grouped=False), score(ranked, asked, grouped=True)
            print(f"| {name} | {weight:.1f} | {strict.hit1:.3f} / {strict.hit5:.3f} / {strict.mrr:.3f} | "
                  f"{grouped.hit1:.3f} / {grouped.hit5:.3f} / {grouped.mrr:.3f} | "
                  f"{sorted(seconds)[len(seconds) // 2]:.3f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
