"""Words -> stems, shared by BM25, the answerer's sentence matching and its question analysis.

Dutch glues words into compounds ("klanttevredenheidsmeting"); a question that says "meting van
de klanttevredenheid" must still find it. The Decompounder splits a long word into words the index
itself contains (klant + tevredenheid + meting), with the linking "s" or "en" between them; a token
stream carries the whole word's stem and its parts' stems.
"""
from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

import simplemma
import Stemmer
from pysbd.lang.dutch import Dutch
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN, STOPWORDS_EN_PLUS

from .dictionary import to_dutch
from .glossary import DUTCH_LEMMAS, DUTCH_SYNONYMS, ENGLISH_TO_DUTCH

# Numbers keep their inner dots and commas ("15.087", "2,5"), so an amount is one token.
# A sentence ends in . ! or ? followed by white space and a capital, a digit or an opening quote: "1.250" and
# "o.a. de" do not end one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-ZÀ-Ý0-9])")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:[&'][^\W\d_]+)*", re.U)
# Question words and fillers that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = {
    "wat", "welk", "welke", "wie", "hoe", "hoeveel", "waarom", "wanneer", "waar", "sinds", "tegen",
    "what", "which", "who", "how", "many", "much", "why", "when", "where", "does", "did", "do",
    "is", "are", "was", "were", "the", "of", "in", "on", "for", "a", "an", "and", "to", "its", "their",
}
STOPWORDS = frozenset(STOPWORDS_DUTCH) | frozenset(STOPWORDS_EN) | _QUESTION_WORDS
MIN_PART = 4  # shortest word a compound is split into: "kind", "klant"; not "web", "ad"


# Every combining mark (accents after NFKD), mapped to nothing for str.translate: 40x faster than testing
# unicodedata.combining character by character, which was most of the time an index of 100k chunks took to open.
# The last combining mark is U+1E94A; the planes above hold none.
_COMBINING = {cp: None for cp in range(0x20000) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Lower case without accents: "geïntegreerd" and "geintegreerd" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return decomposed if decomposed.isascii() else decomposed.translate(_COMBINING)


def words(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


# pysbd's Dutch abbreviations (1,600, most of them Belgian legal ones: "art", "nr", "blz", "b.s", "d.w.z"). pysbd
# itself took 85 ms to split a 3,000-character answer, the regex well under 1 ms; its list is what it knows.
ABBREVIATIONS = frozenset(a.casefold() for a in Dutch.Abbreviation.ABBREVIATIONS if " " not in a)
_LAST_WORD = re.compile(r"(?:^|[\s(\[])([^\W\d_]+(?:\.[^\W\d_]+)*)\.$")


def split_sentences(text: str) -> list[str]:
    """The text cut after each sentence end, the white space between sentences left out. A period after an
    abbreviation ends no sentence: a lone letter ("Janssens c. Belgie", "J. Peeters"), a dotted abbreviation
    ("m.b.t. De"), or one before a number ("vraag nr. 1780", "art. 58"). Whether "enz. De" ends one cannot be told,
    so it does."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        # The sentence's last 64 characters hold its last word: an abbreviation is short.
        if _abbreviated(text[max(start, match.start() - 64):match.start()], text[match.end():match.end() + 1]):
            continue
        out.append(text[start:match.start()])
        start = match.end()
    out.append(text[start:])
    return out


def _abbreviated(before: str, next_char: str) -> bool:
    found = _LAST_WORD.search(before)
    if not found:
        return False
    word = found.group(1).casefold()
    if len(word) == 1:
        return True
    return word in ABBREVIATIONS and ("." in word or next_char.isdigit())


@dataclass(frozen=True)
class Concept:
    """One idea of a question: the stems of its own word, and all stems that express it."""

    own: frozenset[str]
    stems: frozenset[str]
    word: str = ""  # the question's word, for messages


_DUTCH_ONLY = frozenset(STOPWORDS_DUTCH) - frozenset(STOPWORDS_EN)
_ENGLISH_ONLY = frozenset(STOPWORDS_EN_PLUS) - frozenset(STOPWORDS_DUTCH)


def is_english(text: str) -> bool:
    """More English than Dutch function words ("the", "which", "did" against "de", "welke", "het"); on a tie
    ("How many ... had ..."), more words English than Dutch by simplemma's word lists. The lists alone take
    a Dutch question that quotes an English name ("Ask the Citizens") for English, the function words alone
    miss a question with few of them. A function word between two capitalised words belongs to a name and
    counts for neither: "Sinds wanneer bestaat Meet the Parents?" is Dutch."""
    raw = _TOKEN.findall(text)
    tokens = [fold(t) for i, t in enumerate(raw)
              if not (0 < i < len(raw) - 1 and t.islower() and raw[i - 1][:1].isupper() and raw[i + 1][:1].isupper())]
    english = sum(t in _ENGLISH_ONLY for t in tokens)
    dutch = sum(t in _DUTCH_ONLY for t in tokens)
    if english != dutch or not english:
        return english > dutch
    shares = dict(simplemma.langdetect(text, lang=("nl", "en")))
    return shares.get("en", 0.0) > shares.get("nl", 0.0)


class Decompounder:
    """Splits a compound into words of a vocabulary, longest first part first."""

    def __init__(self, vocabulary: Collection[str] = ()) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= MIN_PART and not w.isdigit())
        self.split = lru_cache(maxsize=200_000)(self._split)
        # Sorted words and sorted reversed words: prefix and suffix look-ups by bisection.
        self._sorted = sorted(self.vocabulary)
        self._reversed = sorted(w[::-1] for w in self.vocabulary)

    def _known(self, word: str) -> bool:
        # "verbeter" in "verbeterpunten" is the verb "verbeteren" without its ending; "methode" may
        # stand in the index only as "methodes".
        v = self.vocabulary
        return word in v or word + "en" in v or word + "s" in v

    def containing(self, word: str, most: int = 20) -> list[str]:
        """Vocabulary words that begin or end with `word`: "design" -> "designbureau", "formulieren" ->
        "webformulieren". For a question word (or its synonym) the index never has on its own."""
        if len(word) < MIN_PART + 1:
            return []
        found = set(_with_prefix(self._sorted, word, most))
        found.update(w[::-1] for w in _with_prefix(self._reversed, word[::-1], most))
        found.discard(word)
        return sorted(found)[:most]

    def _split(self, word: str) -> tuple[str, ...]:
        """The parts of `word`, or () when it is not a compound of known words."""
        if len(word) < 2 * MIN_PART or not word.isalpha():
            return ()
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, rest = word[:cut], word[cut:]
            if not self._known(head):
                continue
            for link in ("", "s", "en", "e"):  # tevredenheid|s|meting, klant|en|tevredenheid
                if not rest.startswith(link) or len(rest) - len(link) < MIN_PART:
                    continue
                tail = rest[len(link):]
                tail_parts = (tail,) if self._known(tail) else self.split(tail)
                if tail_parts:
                    return (*(self.split(head) or (head,)), *tail_parts)
        return ()


@lru_cache(maxsize=100_000)
def dutch_lemma(word: str) -> tuple[str, ...]:
    """The word's lemma by simplemma, when it is another word: "bevraagt" -> "bevragen", whose stem ("bevraag") is
    that of "bevragingen" where the stemmer leaves "bevraagt" as it is. A question-side alternative only: the index
    keeps its tokens. A separable verb's particle is glued back ("op_maken" -> "opmaken")."""
    lemma = simplemma.lemmatize(word, lang="nl").replace("_", "").casefold()
    return (lemma,) if lemma != word and lemma.isalpha() else ()


def _with_prefix(ordered: list[str], prefix: str, most: int) -> list[str]:
    start = bisect.bisect_left(ordered, prefix)
    out = []
    for word in ordered[start:start + most + 1]:
        if not word.startswith(prefix):
            break
        out.append(word)
    return out


class Analyzer:
    """Tokenise, drop stop words, bring irregular forms to their lemma, split compounds, stem (Snowball)."""

    def __init__(self, stemmer: str = "dutch", vocabulary: Collection[str] = ()) -> None:
        try:
            Stemmer.Stemmer(stemmer)
        except KeyError as exc:
            raise ValueError(f"unknown stemmer {stemmer!r}; try 'dutch' or 'dutch_porter'") from exc
        self._algorithm = stemmer
        self._local = threading.local()  # a PyStemmer object is not safe to share between threads
        self.stem = lru_cache(maxsize=500_000)(self._stem_word)
        self.decompounder = Decompounder(vocabulary)
        self._synonyms: dict[str, tuple[str, ...]] = {}
        for word, alternatives in DUTCH_SYNONYMS.items():
            self._synonyms[self.stem(word)] = self._synonyms.get(self.stem(word), ()) + alternatives

    def _stem_word(self, word: str) -> str:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer(self._algorithm)
        return stemmer.stemWord(word)

    def set_vocabulary(self, vocabulary: Iterable[str]) -> None:
        self.decompounder = Decompounder(set(vocabulary))

    def content_words(self, text: str) -> list[str]:
        return [DUTCH_LEMMAS.get(w, w) for w in words(text)
                if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]

    def tokens(self, text: str) -> list[str]:
        """Index-side tokens: every content word's stem, then its compound parts' stems."""
        out: list[str] = []
        for word in self.content_words(text):
            out.append(self.stem(word))
            out.extend(self.stem(p) for p in self.decompounder.split(word))
        return out

    def concepts(self, text: str) -> list[Concept]:
        """What a question asks about, one Concept per idea: a compound gives one idea per part, an
        English word its Dutch translations, a Dutch word its synonyms."""
        out: list[Concept] = []
        content = list(dict.fromkeys(self.content_words(text)))
        vocabulary = self.decompounder.vocabulary
        english = is_english(text)  # only an English question's words are looked up in the dictionary
        for first, second in zip(content, content[1:]):
            # "web surveys", "klant tevredenheid": Dutch writes such pairs as one word.
            if first + second in vocabulary:
                joined = frozenset([self.stem(first + second)])
                out.append(Concept(joined, joined, first + second))
        for word in content:
            for part in self.decompounder.split(word) or (word,):
                own = frozenset(self.tokens(part) or [self.stem(part)])
                translations = to_dutch(part) if english else ENGLISH_TO_DUTCH.get(part, ())
                synonyms = self._synonyms.get(self.stem(part), ())
                others = {*synonyms, *translations}
                if not english:
                    others.update(dutch_lemma(part))
                # A word the index never has on its own stands for the index's words that begin or end with it: the
                # question's own ("formulieren" -> "webformulieren") and a synonym's ("methode" -> "instrument" ->
                # "meetinstrument").
                # Not a translation's: FreeDict's words widened that way match too much (archive, nested CV, mean
                # of four splits, handled less half a wrong: 108.75 with translations, 112.5 with synonyms, 112.25
                # without).
                for alternative in (part, *synonyms):
                    if vocabulary and alternative not in vocabulary:
                        others.update(self.decompounder.containing(alternative))
                stems = own | {s for alt in others for s in self.tokens(alt) or [self.stem(alt)]}
                if all(c.stems != stems for c in out):
                    out.append(Concept(own, frozenset(stems), part))
        return out

    def query_tokens(self, text: str) -> list[str]:
        """Question-side BM25 tokens: the words' own stems and their concepts' alternatives."""
        out = self.tokens(text)
        for concept in self.concepts(text):
            out.extend(s for s in sorted(concept.stems) if s not in out)
        return out
