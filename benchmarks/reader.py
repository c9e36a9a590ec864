"""The reader against a naive baseline on the same retrieved passages, on the archive set and the seed set.

    python benchmarks/reader.py [--archive-index DIR] [--cv]

The archive set's index is the one ../shared/eval/archive.sh builds (/tmp/archive-dev-index by default; run
that script once first). The seed set is asked of the default index (the shipped corpus). The naive baseline
picks the sentence with the most idf-weighted stem overlap from the first three passages, adds the next
sentence, and never declines. The shipped model was fit on the archive set, so its row there is in-sample;
`--cv` adds the reader's cross-validated row (every question answered by a model fit without it), the figure to
quote. Fact answers are held to 600 characters, as the scorer holds them.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import fit  # noqa: E402
from assistant.answer.model import Model  # noqa: E402
from assistant.answer.reader import Reader  # noqa: E402
from assistant.answer.units import answer_from, split_units  # noqa: E402
from assistant.types import Answer, Passage  # noqa: E402

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def naive(reader: Reader, question: str, passages: list[Passage]) -> Answer:
    """The sentence with the most idf-weighted stem overlap in the first three passages, and the next one."""
    asked = set(reader.analyzer.query_tokens(question))
    best: tuple[float, int, int] = (-1.0, 0, 0)
    units_of = [split_units(p) for p in passages[:3]]
    for i, units in enumerate(units_of):
        for j, unit in enumerate(units):
            overlap = sum(reader.idf(t) for t in asked & set(reader.analyzer.tokens(unit.text)))
            if overlap > best[0]:
                best = (overlap, i, j)
    _, i, j = best
    chosen = units_of[i][j:j + 2] if units_of and units_of[i] else []
    text = " ".join(u.text for u in chosen) + f" [{passages[i].rank}]." if chosen else ""
    return answer_from(question, passages, text, chosen)


def row(name: str, examples: list[fit.Example], answers: list[Answer], seconds: float) -> str:
    figures = fit.score(examples, answers)
    lengths = [fit._length(a.text) for a in answers if a.answered]
    p50 = statistics.median(lengths) if lengths else 0
    return (f"  {name:22s} answer {figures['answer_accuracy']:.3f}  citation {figures['citation_support']:.3f}  "
            f"abstention {figures['abstention_accuracy']:.3f}  chars_p50 {p50:5.0f}  "
            f"{1000 * seconds / max(len(examples), 1):6.1f} ms/question")


def bench(label: str, questions: Path, index: str, cv: bool) -> None:
    started = time.perf_counter()
    examples = fit.collect(questions, index)
    reader = fit.examples_reader.pop(id(examples))
    print(f"{label}: {len(examples)} questions ({time.perf_counter() - started:.0f} s to retrieve)")
    shipped = Model.load()
    started = time.perf_counter()
    answers = [naive(reader, e.question, e.passages) for e in examples]
    print(row("naive baseline", examples, answers, time.perf_counter() - started))
    started = time.perf_counter()
    full = Reader(reader.analyzer, reader.idf, reader.df, shipped)  # features, scores and the answer, all timed
    answers = [full(e.question, e.passages, e.intent) for e in examples]
    print(row("reader (shipped)", examples, answers, time.perf_counter() - started))
    if cv:
        started = time.perf_counter()
        answers, _ = fit.cross_validate(reader, examples, 5, 13)
        print(row("reader (5-fold CV)", examples, answers, time.perf_counter() - started))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive-index", default="/tmp/archive-dev-index")
    parser.add_argument("--cv", action="store_true", help="add the cross-validated row (about three minutes)")
    args = parser.parse_args()
    bench("archive set", EVAL / "archive-dev.jsonl", args.archive_index, args.cv)
    bench("seed set", EVAL / "dev.jsonl", "-", False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
