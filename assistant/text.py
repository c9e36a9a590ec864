"""Words -> stems, shared by BM25, the answerer's sentence matching and its question analysis."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN

from .glossary import ENGLISH_TO_DUTCH

# Numbers keep their inner dots and commas ("15.087", "2,5"), so an amount is one token.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:[&'][^\W\d_]+)*", re.U)
# Question words and fillers that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = {
    "wat", "welk", "welke", "wie", "hoe", "hoeveel", "waarom", "wanneer", "waar", "sinds", "tegen",
    "what", "which", "who", "how", "many", "much", "why", "when", "where", "does", "did", "do",
    "is", "are", "was", "were", "the", "of", "in", "on", "for", "a", "an", "and", "to", "its", "their",
}
STOPWORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN) | _QUESTION_WORDS


def fold(text: str) -> str:
    """Lower case without accents: "geïntegreerd" and "geintegreerd" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


class Analyzer:
    """Tokenise, drop stop words, stem with Snowball (PyStemmer)."""

    def __init__(self, stemmer: str = "dutch") -> None:
        try:
            self._stemmer = Stemmer.Stemmer(stemmer)
        except KeyError as exc:
            raise ValueError(f"unknown stemmer {stemmer!r}; try 'dutch' or 'dutch_porter'") from exc
        self._stem = lru_cache(maxsize=200_000)(self._stemmer.stemWord)

    def tokens(self, text: str) -> list[str]:
        """Index-side tokens: every content word, stemmed, in order."""
        return [self._stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]

    def query_tokens(self, text: str) -> list[str]:
        """Question-side tokens: as `tokens`, plus Dutch words for English ones, so an English question
        finds Dutch passages."""
        out = self.tokens(text)
        for word in words(text):
            for dutch in ENGLISH_TO_DUTCH.get(word, ()):
                out.extend(self.tokens(dutch))
        return out
