"""Which Snowball stemmer for Dutch: BM25 alone over the dekamer answers, each sampled question's own
answer ranked by its best chunk. Prints hit@1, hit@5 and MRR per stemmer (and without compound splitting),
and for simplemma's Dutch lemmas in the stemmer's place and before it.

    .venv/bin/python benchmarks/stemmer.py [--records ../shared/corpora/dekamer-2017/dekamer-2017-q1.jsonl]
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import bm25s
import numpy as np
import simplemma

from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import record_to_document
from assistant.search.text import Analyzer, words

class Lemmas(Analyzer):
    """simplemma's Dutch lemma in place of the stem ("lemma"), or stemmed ("lemma+dutch")."""

    def __init__(self, then_stem: bool, vocabulary: set[str]) -> None:
        self.then_stem = then_stem
        super().__init__("dutch", vocabulary)

    def _stem_word(self, word: str) -> str:
        lemma = simplemma.lemmatize(word, lang="nl").casefold()
        return super()._stem_word(lemma) if self.then_stem else lemma


DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared/corpora/dekamer-2017/dekamer-2017-q1.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=Path, default=DEFAULT)
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    records = [json.loads(line) for line in args.records.read_text(encoding="utf-8").splitlines() if line.strip()]
    answered = [r for r in records if r.get("answer")]
    docs = [record_to_document({"id": r["id"], "text": r["answer"]}, r["id"]) for r in answered]
    chunks = [c for d in docs for c in split_into_chunks(d, 600, 80)]
    random.seed(7)
    sample = random.sample(answered, args.questions)
    print(f"{len(docs)} answers, {len(chunks)} chunks, {len(sample)} questions")
    print(f"{'stemmer':<22} {'hit@1':>6} {'hit@5':>6} {'MRR':>6} {'s/question':>10}")
    vocabulary = {w for c in chunks for w in words(c.text)}
    variants = (("dutch", True), ("dutch_porter", True), ("dutch, no compounds", False), ("simplemma lemma", True),
                ("simplemma lemma+dutch", True))
    for name, split in variants:
        if name.startswith("simplemma"):
            analyzer: Analyzer = Lemmas(name.endswith("+dutch"), vocabulary)
        else:
            analyzer = Analyzer(name.split(",")[0], vocabulary if split else ())
        bm25 = bm25s.BM25()
        bm25.index([analyzer.tokens(c.text) for c in chunks], show_progress=False)
        owner = np.array([c.doc_id for c in chunks])
        hits1 = hits5 = 0
        rr = 0.0
        start = time.perf_counter()
        for record in sample:
            scores = bm25.get_scores(analyzer.query_tokens(record["question"]))
            ranked: list[str] = []
            for i in np.argsort(-scores):
                if owner[i] not in ranked:
                    ranked.append(owner[i])
                if len(ranked) == 50:
                    break
            rank = ranked.index(record["id"]) + 1 if record["id"] in ranked else 0
            hits1 += rank == 1
            hits5 += 0 < rank <= 5
            rr += 1 / rank if rank else 0.0
        n = len(sample)
        print(f"{name:<22} {hits1 / n:6.3f} {hits5 / n:6.3f} {rr / n:6.3f} {(time.perf_counter() - start) / n:10.4f}")


if __name__ == "__main__":
    main()
