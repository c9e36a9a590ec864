"""English words -> Dutch words, for English questions about Dutch documents.

The source is Debian's FreeDict English-Dutch dictionary (`dict-freedict-eng-nld`, 7,600 headwords), which the
Makefile and .ci/run install; a word is looked up as it stands and as its English lemma (simplemma: "burglaries"
-> "burglary"). The hand-written glossary of the domain (glossary.py) comes first. Without the package the
assistant still runs, on the glossary alone, and says once in the log how to get the dictionary.
"""
from __future__ import annotations

import gzip
import logging
import re
from functools import lru_cache
from pathlib import Path

import simplemma

from .glossary import ENGLISH_TO_DUTCH

log = logging.getLogger(__name__)

FREEDICT = Path("/usr/share/dictd/freedict-eng-nld.dict.dz")
MAX_WORDS = 2  # a translation of more words ("in staat om") is an explanation, not a word a passage would use
_HEADWORD = re.compile(r"^(.+?) /[^/]*/$")


def parse_freedict(text: str) -> dict[str, tuple[str, ...]]:
    """A dictd database's text: a headword line "word /phonetics/", then lines of comma-separated translations,
    numbered "1. ..." when there are several senses."""
    entries: dict[str, list[str]] = {}
    head = ""
    for line in text.splitlines():
        line = line.strip()
        match = _HEADWORD.match(line)
        if match:
            head = match.group(1).casefold()
            continue
        if head and line:
            line = re.sub(r"^\d+\.\s*", "", line)
            for word in line.split(","):
                word = word.strip()
                if word and len(word.split()) <= MAX_WORDS:
                    entries.setdefault(head, []).append(word)
    return {head: tuple(dict.fromkeys(words)) for head, words in entries.items()}


@lru_cache(maxsize=1)
def freedict(path: Path = FREEDICT) -> dict[str, tuple[str, ...]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return parse_freedict(handle.read())
    except OSError:
        log.warning("no English-Dutch dictionary at %s: English questions are translated with the glossary alone "
                    "(apt-get install dict-freedict-eng-nld)", path)
        return {}


@lru_cache(maxsize=50_000)
def to_dutch(word: str) -> tuple[str, ...]:
    """The Dutch words for an English word (folded, lower case): the glossary's, then the dictionary's, for the
    word and for its lemma."""
    out = list(ENGLISH_TO_DUTCH.get(word, ()))
    lemma = simplemma.lemmatize(word, lang="en")
    dictionary = freedict()
    for form in dict.fromkeys((word, lemma)):
        out.extend(ENGLISH_TO_DUTCH.get(form, ()))
        out.extend(dictionary.get(form, ()))
    return tuple(dict.fromkeys(w.casefold() for w in out))
