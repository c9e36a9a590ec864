"""Near-identical answers: a minister who answers several members' identical questions sends each the same text.

Each answer becomes a MinHash (datasketch) of its word shingles; two answers are copies when the estimated
Jaccard similarity of their shingle sets reaches THRESHOLD. The threshold is measured on the archive
(`benchmarks/draft.py --duplicates`). On dekamer 2017 Q1, of the 2,081 answer pairs at 0.3 or more, 1,340 are
identical, 24 lie in [0.7, 1.0) and 69 in [0.5, 0.7). Read by eye, the pairs from 0.75 up are one answer sent twice
(a place name spelt otherwise, a sentence added to a referral); below lie short standard answers that differ
in what they point to: "see the table below" for another table (0.69-0.70), "I refer to question nr. 205"
against "nr. 208" (0.55-0.72).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from datasketch import MinHash

from .search.text import fold
from .types import Chunk

SHINGLE_WORDS = 5  # "de minister heeft de volgende" ... : five words make a phrase rarely shared by chance
PERMUTATIONS = 128  # the estimate's standard error at Jaccard 0.8 is sqrt(0.8 * 0.2 / 128) = 0.035
THRESHOLD = 0.75
SEED = 1


def answer_text(chunks: Iterable[Chunk]) -> str:
    """What a document answered: its chunks outside the question section, in reading order."""
    return "\n".join(c.text for c in sorted(chunks, key=lambda c: c.start) if c.section != "question")


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The text's runs of `size` words, folded (case and accents); a shorter text is one shingle."""
    tokens = re.findall(r"\w+", fold(text))
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


@lru_cache(maxsize=8192)
def signature(text: str) -> MinHash:
    """The MinHash of an answer's shingles (cached: the same answers come back search after search)."""
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    minhash.update_batch([s.encode("utf-8") for s in shingles(text)])
    return minhash


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two answers' shingle sets (0 when either is empty)."""
    if not a.strip() or not b.strip():
        return 0.0
    return float(signature(a).jaccard(signature(b)))


def group_copies(texts: Sequence[str], threshold: float = THRESHOLD) -> list[list[int]]:
    """Positions of `texts` (best first) in groups of copies: each group led by its best-placed text, a text
    joining the first group whose lead it copies. Groups in the order of their leads."""
    groups: list[list[int]] = []
    for i, text in enumerate(texts):
        for group in groups:
            if similarity(texts[group[0]], text) >= threshold:
                group.append(i)
                break
        else:
            groups.append([i])
    return groups
