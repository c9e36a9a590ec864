"""The records a set of training questions was written on, as JSON Lines for `ingest`.

    python data/records.py IDS.txt [CORPUS.jsonl] > /tmp/archive-train-records.jsonl

IDS.txt lists the records' ids (data/archive-train-records.txt for archive-train.jsonl, archive-train-2-records.txt
for archive-train-2.jsonl: two sets of 300 answers, outside the archive development set and each other). CORPUS
is the dekamer corpus (default ../shared/corpora/dekamer-2017/dekamer-2017-q1.jsonl). Each record keeps the
minister's answer as its text, as ../shared/eval/archive-dev-records.jsonl does.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
CORPUS = HERE.parent.parent / "shared" / "corpora" / "dekamer-2017" / "dekamer-2017-q1.jsonl"


def records(ids: Path, corpus: Path = CORPUS) -> list[dict[str, str]]:
    wanted = ids.read_text(encoding="utf-8").split()
    looked_for = set(wanted)
    found: dict[str, dict[str, str]] = {}
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["id"] in looked_for:
                found[record["id"]] = {"id": record["id"], "title": record["title"], "text": record["answer"],
                                       "department": record.get("department") or "", "date": record["date"]}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise SystemExit(f"{corpus}: {len(missing)} of the records of {ids} are missing, e.g. {missing[0]}")
    return [found[i] for i in wanted]


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for record in records(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else CORPUS):
        print(json.dumps(record, ensure_ascii=False))
