"""The adviser's desk on real text: does the draft answer each numbered point from the right earlier passage, and
how many rows does grouping identical answers merge? On ../shared/corpora/dekamer-2017 (2017 Q1).

The answers are indexed as benchmarks/dekamer.py does (the same index folder: answer text, department and date;
no title, no question). Questions: a sample of the records whose question has two or more numbered points and
whose own answer numbers its items the same way (split as the question is, it has the same labels). The own answer is
in the index, as the earlier answer to a question asked again (the copies that ministers send several members
are just that). For each point of each question:
- covered: the draft has a line for it;
- aligned: a line's sentence stands in the own answer's (or an identical copy's) item of the same number.
With and without the department filter an adviser sets, beside `similar`'s document hit@5 and MRR (the own
answer's row among the first 5, and the reciprocal rank of its row).

--duplicates measures the grouping on the whole archive: every pair of answers whose MinHash similarity is at
least 0.3 (datasketch LSH), their similarities in bins (where the threshold goes), how many rows grouping at
duplicates.THRESHOLD merges, and 20 merges printed for a check by eye.

    .venv/bin/python benchmarks/draft.py                 # 150 questions, about a minute
    .venv/bin/python benchmarks/draft.py --no-items      # the reader's ranker alone
    .venv/bin/python benchmarks/draft.py --duplicates
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dekamer import CORPUS, answered, default_index_dir, open_index, read_records, timing  # noqa: E402

from assistant.core import Assistant  # noqa: E402
from assistant import draft  # noqa: E402
from assistant.draft import MIN_COVERAGE, numbered_spans, question_points  # noqa: E402
from assistant.duplicates import THRESHOLD, group_copies, signature, similarity  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.similar import find_similar, strip_boilerplate  # noqa: E402

SAMPLE = 150
SEED = 15


@dataclass(frozen=True)
class Asked:
    id: str
    text: str
    department: str
    points: tuple[str, ...]  # the points' labels: "1", "2", ...


@dataclass
class Tally:
    points: int = 0
    covered: int = 0
    aligned: int = 0
    hit5: int = 0
    reciprocal: float = 0.0
    questions: int = 0

    def line(self) -> str:
        return (f"points covered {self.covered}/{self.points} ({self.covered / self.points:.1%}), aligned with the "
                f"right item {self.aligned}/{self.points} ({self.aligned / self.points:.1%}); documents hit@5 "
                f"{self.hit5 / self.questions:.3f}, MRR {self.reciprocal / self.questions:.3f}")


def items_of(text: str) -> list[tuple[str, int, int]]:
    """The numbered items of an answer, on its text with white space folded (as chunks and draft lines have it)."""
    return numbered_spans(" ".join(text.split()))


def item_of(line: str, answer: str, items: Sequence[tuple[str, int, int]]) -> str:
    """The label of the item of `answer` (white space folded) that holds the sentence `line`, or ""."""
    head = line.split(": ", 1)[-1][:60] if line not in answer else line[:60]  # a bullet under its lead
    at = answer.find(head)
    return next((label for label, start, end in items if start <= at < end), "") if at >= 0 else ""


def eligible(records: Sequence[dict[str, object]]) -> list[Asked]:
    """Records with two or more numbered points whose own answer numbers the same items."""
    out = []
    for r in records:
        text = str(r["question"])
        labels = tuple(label for label, _ in question_points(strip_boilerplate(text) or text))
        if len(labels) >= 2 and labels[0] == "1" and [i[0] for i in items_of(str(r["answer"]))] == list(labels):
            out.append(Asked(str(r["id"]), text, str(r["department"]), labels))
    return out


def measure(assistant: Assistant, asked: Sequence[Asked], answers: dict[str, str], department: bool
            ) -> tuple[Tally, list[float]]:
    tally, seconds = Tally(), []
    for q in asked:
        started = time.perf_counter()
        found = find_similar(assistant, q.text, k=5, agencies=[q.department] if department else [])
        seconds.append(time.perf_counter() - started)
        tally.questions += 1
        own = None
        for row in found.documents:
            if q.id in {row.doc_id, *(c.doc_id for c in row.copies)}:
                own = row
        if own is not None:
            tally.hit5 += own.rank <= 5
            tally.reciprocal += 1.0 / own.rank
        same = {q.id, *(c.doc_id for c in own.copies)} if own else {q.id}
        if own is not None:
            same.add(own.doc_id)
        answer = " ".join(answers[q.id].split())
        items = items_of(answer)
        for section in found.sections:
            tally.points += 1
            tally.covered += bool(section.lines)
            tally.aligned += any(found.sources[line.n - 1].chunk.doc_id in same
                                 and item_of(line.text, answer, items) == section.point for line in section.lines)
    return tally, seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--sample", type=int, default=SAMPLE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--duplicates", action="store_true", help="measure the grouping of identical answers")
    parser.add_argument("--coverage", type=float, help=f"a sentence's share of a point to address it ({MIN_COVERAGE})")
    parser.add_argument("--no-items", action="store_true",
                        help="without the rule that an answer numbered as the question answers point k under item k")
    args = parser.parse_args(argv)
    records = answered(read_records(args.corpus))
    if args.duplicates:
        return measure_duplicates(records, args.seed)
    if args.coverage is not None:
        draft.MIN_COVERAGE = args.coverage
    draft.MATCH_ITEMS = not args.no_items
    settings = Settings.from_env()
    settings = settings.with_(index_dir=default_index_dir(settings, "", ""), default_index=False)
    assistant = open_index(settings, records)
    pool = eligible(records)
    answers = {str(r["id"]): str(r["answer"]) for r in records}
    random.seed(args.seed)
    asked = random.sample(pool, min(args.sample, len(pool)))
    print(f"dekamer: {len(records)} answers, {len(assistant.index)} chunks; {len(pool)} questions with numbered "
          f"points that their own answer numbers alike; {len(asked)} drawn (seed {args.seed}), "
          f"{sum(len(q.points) for q in asked)} points; a sentence addresses a point from coverage "
          f"{draft.MIN_COVERAGE}; items matched to points: {'yes' if draft.MATCH_ITEMS else 'no'}")
    for department in (False, True):
        tally, seconds = measure(assistant, asked, answers, department)
        print(f"{'department known' if department else 'no filter       '}: {tally.line()}")
        print(f"  time a question: {timing(seconds)}")
    return 0


def measure_duplicates(records: Sequence[dict[str, object]], seed: int) -> int:
    from datasketch import MinHashLSH

    texts = {str(r["id"]): str(r["answer"]) for r in records}
    by_id = {str(r["id"]): r for r in records}
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=0.3, num_perm=signature("x").hashvalues.size)
    for doc_id, text in texts.items():
        lsh.insert(doc_id, signature(text))
    pairs = {}
    for doc_id, text in texts.items():
        for other in lsh.query(signature(text)):
            if other > doc_id:
                pairs[(doc_id, other)] = similarity(text, texts[other])
    print(f"{len(texts)} answers; {len(pairs)} pairs at MinHash similarity >= 0.3 "
          f"({time.perf_counter() - started:.1f} s)")
    bins = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01]
    for low, high in zip(bins, bins[1:]):
        inside = [p for p, s in pairs.items() if low <= s < high]
        same_question = sum(_same_question(by_id[a], by_id[b]) for a, b in inside)
        print(f"  [{low:.1f}, {min(high, 1.0):.1f}{']' if high > 1 else ')'}: {len(inside):4d} pairs, "
              f"{same_question} of them answers to the same question text")
    # Rows merged: group the archive as a search groups its rows (each answer under the first of its copies).
    ordered = sorted(texts)
    groups = group_copies([texts[i] for i in ordered], THRESHOLD) if len(ordered) < 5000 else []
    merged = sum(len(g) - 1 for g in groups)
    print(f"at threshold {THRESHOLD}: {merged} answers join another's row; {len(groups)} rows for {len(texts)} "
          f"answers; {sum(len(g) > 1 for g in groups)} rows hold copies (largest {max(len(g) for g in groups)})")
    # The check by eye: one merge of each row that holds copies (its least similar member against the row's
    # lead: where a mistake would be), least similar first.
    merges = []
    for group in (g for g in groups if len(g) > 1):
        lead = ordered[group[0]]
        member = min((ordered[i] for i in group[1:]), key=lambda d: similarity(texts[lead], texts[d]))
        merges.append((similarity(texts[lead], texts[member]), lead, member, len(group)))
    print(f"\n{min(20, len(merges))} merges to check by eye, one a row, least similar first:")
    for score, a, b, size in sorted(merges)[:20]:
        ra, rb = by_id[a], by_id[b]
        print(f"- {a} ({ra['date']}, {ra['author']}) ~ {b} ({rb['date']}, {rb['author']}): {score:.2f}, row of "
              f"{size}; {_department(ra)}{' / ' + _department(rb) if ra['department'] != rb['department'] else ''}; "
              f"same question text: {'yes' if _same_question(ra, rb) else 'no'}")
        print(f"    {a}: {_snippet(texts[a])}")
        print(f"    {b}: {_snippet(texts[b])}")
        diff = _difference(texts[a], texts[b])
        if diff:
            print(f"    differs: {diff}")
    return 0


def _same_question(a: dict[str, object], b: dict[str, object]) -> bool:
    return " ".join(str(a["question"]).split()) == " ".join(str(b["question"]).split())


def _department(record: dict[str, object]) -> str:
    return str(record.get("subdepartment") or record["department"])[:60]


def _snippet(text: str, size: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[:size] + " …"


def _difference(a: str, b: str) -> str:
    """The first words where two answers part, a few either side."""
    wa, wb = a.split(), b.split()
    i = next((i for i, (x, y) in enumerate(zip(wa, wb)) if x != y), min(len(wa), len(wb)))
    if i == len(wa) == len(wb):
        return ""
    return f"… {' '.join(wa[max(0, i - 3):i + 6])} … | … {' '.join(wb[max(0, i - 3):i + 6])} … " \
           f"({len(wa)} and {len(wb)} words)"


if __name__ == "__main__":
    raise SystemExit(main())
