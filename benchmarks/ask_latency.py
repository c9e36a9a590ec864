"""Time from question to answer once models and index are loaded: p50 / p95 over a question file.

    .venv/bin/python benchmarks/ask_latency.py [--questions ../shared/eval/dev.jsonl] [--rounds 3] [--index DIR]

The question file is JSON Lines with a "question" field, or plain text with one question a line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.settings import Settings

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared/eval/dev.jsonl"


def read_questions(path: Path) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line)["question"] if line.lstrip().startswith("{") else line for line in lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--index", type=Path)
    args = parser.parse_args()
    questions = read_questions(args.questions)
    start = time.perf_counter()
    assistant = Assistant.open(Settings.from_env(index_dir=args.index))
    loaded = time.perf_counter() - start
    assistant.ask(questions[0])  # first call warms caches
    times = []
    for _ in range(args.rounds):
        for question in questions:
            t = time.perf_counter()
            assistant.ask(question)
            times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"load {loaded:.1f} s; {len(times)} asks over {len(assistant.index)} chunks: "
          f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
