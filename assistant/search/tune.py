"""tune-embeddings: fine-tune the embedding model on an archive's own question -> answer pairs, on the CPU.

Contrastive with in-batch negatives (the loss sentence-transformers calls MultipleNegativesRankingLoss):
in a batch of 16 pairs, each question must find its own answer passage among the 16, so every other
answer is a negative for free. The positive is the chunk of the answer (cut as the index cuts it) that
shares the most stems with the question: what the index will hold, not the answer's first 256 tokens.
A question sent word for word to several ministers is kept once, or its copies' answers would be
negatives of each other.

A tuned model is better on its archive and can be worse on other text: it is an option per index (point
`--embedding-model` at the folder), never the default.
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ingest.chunk import split_into_chunks
from ..types import Document
from .text import Analyzer

log = logging.getLogger(__name__)

SCALE = 20.0  # cosine similarities times 20 before the softmax: sentence-transformers' default for this loss
LEARNING_RATE = 2e-5
WARMUP = 0.1  # share of the steps over which the learning rate rises from 0
SEED = 7


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str


@dataclass(frozen=True)
class TuneReport:
    out: Path
    pairs: int
    epochs: int
    steps: int
    seconds: float
    first_loss: float
    last_loss: float

    def summary(self) -> str:
        return (f"tuned on {self.pairs} question -> answer pairs, {self.epochs} epoch(s), {self.steps} steps in "
                f"{self.seconds / 60:.1f} min; loss {self.first_loss:.3f} -> {self.last_loss:.3f}; model in {self.out} "
                f"(use it with --embedding-model {self.out})")


def read_pairs(records: Path, chunk_size: int = 600, chunk_overlap: int = 80, since: str | None = None,
               until: str | None = None, limit: int | None = None) -> list[Pair]:
    """(question, best answer chunk) for each answered record {"question", "answer", "date"?} dated in
    [since, until); a question text seen before is skipped."""
    analyzer = Analyzer()
    pairs: list[Pair] = []
    seen: set[str] = set()
    for record in _records(records):
        question, answer = record.get("question"), record.get("answer")
        if not isinstance(question, str) or not isinstance(answer, str) or not question.strip() or not answer.strip():
            continue
        date = str(record.get("date", ""))
        if (since and date < since) or (until and date >= until):
            continue
        key = " ".join(question.split())
        if key in seen:
            continue
        seen.add(key)
        doc = Document(id=str(record.get("id", len(pairs))), text=answer.strip())
        chunks = split_into_chunks(doc, chunk_size, chunk_overlap)
        if not chunks:
            continue
        wanted = set(analyzer.tokens(question))
        best = max(chunks, key=lambda c: (len(wanted & set(analyzer.tokens(c.text))), -c.start))
        pairs.append(Pair(question.strip(), best.indexed_text))
        if limit and len(pairs) >= limit:
            break
    if not pairs:
        raise InputError(f"{records} holds no answered records with \"question\" and \"answer\" in that period")
    return pairs


def _records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
                    if isinstance(record, dict):
                        yield record
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def tune_embeddings(records: Path, out: Path, base: str, epochs: int = 1, batch_size: int = 16,
                    since: str | None = None, until: str | None = None, limit: int | None = None,
                    on_progress: Callable[[str], None] | None = None) -> TuneReport:
    """Fine-tune the model `base` (bundled name or folder) on the pairs of `records`; save it in `out`."""
    if epochs < 1 or batch_size < 2:
        raise InputError("epochs must be at least 1 and batch size at least 2 (the other pairs are the negatives)")
    pairs = read_pairs(records, since=since, until=until, limit=limit)
    import torch
    from sentence_transformers import SentenceTransformer

    from .embed import model_path

    torch.manual_seed(SEED)
    model = SentenceTransformer(str(model_path(base)), device="cpu", local_files_only=True)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    steps = epochs * math.ceil(len(pairs) / batch_size)
    warmup = max(1, int(WARMUP * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))))
    rng = random.Random(SEED)
    losses: list[float] = []
    started = time.monotonic()
    step = 0
    for epoch in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            batch = [pairs[i] for i in order[start:start + batch_size]]
            if len(batch) < 2:
                continue
            questions = _embed(model, [p.question for p in batch])
            passages = _embed(model, [p.passage for p in batch])
            scores = SCALE * questions @ passages.T  # row i: question i against every passage of the batch
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
            step += 1
            if on_progress and (step % 10 == 0 or step == steps):
                elapsed = time.monotonic() - started
                on_progress(f"tune: epoch {epoch + 1}/{epochs}, step {step}/{steps}, loss {loss:.3f}, "
                            f"{elapsed / step * (steps - step) / 60:.1f} min left")
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    (out / "tuned.json").write_text(json.dumps({
        "base": base, "records": str(records), "since": since, "until": until, "pairs": len(pairs),
        "epochs": epochs, "batch_size": batch_size, "learning_rate": LEARNING_RATE, "scale": SCALE,
    }, indent=1))
    window = max(1, len(losses) // 10)  # the first and the last tenth of the steps, averaged
    return TuneReport(out, len(pairs), epochs, step, time.monotonic() - started,
                      sum(losses[:window]) / window, sum(losses[-window:]) / window)


def _embed(model: Any, texts: list[str]) -> Any:
    import torch

    features = model.tokenize(texts)
    vectors = model(features)["sentence_embedding"]
    return torch.nn.functional.normalize(vectors, dim=-1)
