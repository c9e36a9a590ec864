"""What a question asks for: a comparison or list across agencies, a number, an amount, a date, a
name; and the organisations or names it mentions. Pure functions over the question text."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from dataclasses import dataclass

from bm25s.stopwords import STOPWORDS_EN_PLUS
from text_to_num import text2num

from ..search.glossary import ENGLISH_TO_DUTCH
from ..search.text import STOPWORDS, fold

# "te vergelijken met de vorige", "vergeleken met 2015", "compared with": set against something else, not agencies.
_COMPARE = re.compile(
    r"\b((?<!\bte )(?<!\bin )vergelijk(?!\w* met\b)\w*|compare|comparison|contrast|verschil(len)? tussen|"
    r"differences? between|"
    r"elk(e)? (agentschap|departement|entiteit)|each (agency|department)|per (agentschap|departement)|"
    r"alle (agentschappen|departementen))\b", re.I)
_LIST = re.compile(
    r"\b(welke|which|what) (agentschappen|departementen|entiteiten|organisaties|diensten|ministers|ministeries|"
    r"agencies|departments|ministries|organi[sz]ations|entities)\b", re.I)
_WHO = re.compile(r"\b(welk agentschap|welk departement|welke organisatie|which agency|which department|"
                  r"what agency|which organi[sz]ation|wie)\b", re.I)
_AMOUNT = re.compile(r"\b(kost\w*|bedr(a|o)(g|eg|egen)|budget\w*|prijs|uitgaven|euro|costs?|spend|spent|"
                     r"price|amount of money)\b", re.I)
_NUMBER = re.compile(r"\b(hoeveel|how (many|much)|aantal|number of|percentage|procent|percent|"
                     r"score|cijfer\w*|hoe groot|what share)\b", re.I)
_DATE = re.compile(r"\b(wanneer|when|sinds wanneer|tegen wanneer|in welk jaar|welk jaar|which year|"
                   r"what year|datum|date|hoe lang geleden)\b", re.I)
_FREQUENCY = re.compile(r"\b(hoe vaak|hoe dikwijls|hoe frequent|om de hoeveel tijd|hoeveel keer|how often|"
                        r"how frequently|how many times)\b", re.I)
# "Welke drie X", "which two X": a question asking for so many things.
_ITEMS = re.compile(r"\b(?:welke|which|what)\s+(\w+)\b", re.I)
# More than this many is a list, not a handful of things to quote each.
MAX_ITEMS = 5
_HEAD = re.compile(r"\b(?:welke?|which|what)\s+(.*)", re.I)
_AGENCY_WORDS = {"agentschap", "agentschappen", "departement", "departementen", "organisatie", "organisaties",
                 "entiteit", "dienst", "diensten", "agency", "agencies", "department", "departments",
                 "organisation", "organization", "minister", "ministers"}
_NAME = re.compile(r"\b(welke?|which|what|wie|who|met wie|with whom)\b", re.I)
# The words that ask: a question without one asks yes or no ("Horen de kosten ... thuis in ...?"), or is an order.
INTERROGATIVE = re.compile(r"\b(wie|wat|welke?|waar\w*|wanneer|waarom|hoe|hoeveel|who|whom|whose|what|which|where|"
                           r"when|why|how)\b", re.I)

# Words that are capitalised in a question without naming anything a passage must mention.
_GENERIC_NAMES = {
    "vlaams", "vlaamse", "vlaanderen", "flemish", "flanders", "belgie", "belgian", "belgium",
    "agentschap", "agency", "departement", "department", "minister", "government", "regering",
    "parlement", "parliament", "overheid", "nederlands", "dutch", "english", "engels",
}
_QUOTED = re.compile(r"[\"“”‘’'«»]([^\"“”‘’'«»]{2,80})[\"“”‘’'«»]")
_NAME_TOKEN = r"[A-ZÀ-Ý][\w&'.-]*"
_CONNECTOR = r"(?:\s+(?:en|of|van|voor|de|het|der|den|the|and|of|for|&)(?=\s+[A-ZÀ-Ý]))*"
_NAME_RUN = re.compile(rf"{_NAME_TOKEN}(?:{_CONNECTOR}\s+{_NAME_TOKEN})*")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*$")
_SENTENCE_BREAK = re.compile(r"[?!]\s+|(?<![A-Z])(?<!\b[a-z])\.\s+")  # not after an initial or "o.a."
_INITIALS = re.compile(r"[A-Z]{3,6}")  # an acronym that may stand for a name given in full
# A word of a name this long or longer counts as said when spelled one letter otherwise; shorter words are too
# close to one another ("Gent", "Genk").
SPELLING_MIN = 6


def _asks_date(question: str) -> bool:
    """"Wanneer ...?", "Kan u meedelen wanneer ...", "Op welke datum ...", but not the "when" that joins a clause to a
    question that asks something else ("Which strain was predominant when the epidemic started?")."""
    found = _DATE.search(question)
    if not found:
        return False
    if found.group(0).casefold() in ("wanneer", "when"):
        first = INTERROGATIVE.search(question)
        return first is None or first.start() >= found.start()
    return True


_ABOUT_QUESTION = re.compile(r"\b(vraag|vragen|vroeg|gevraagd|vraagsteller|question|questions|asked)\b", re.I)


@dataclass(frozen=True)
class Intent:
    kind: str  # "compare", "list" (which agencies ...), or "single"
    wants: str  # "amount", "number", "date", "name" or "" (an explanation)
    asks_agency: bool  # the answer is an agency ("Which agency runs ...?")
    names: tuple[str, ...]  # organisations and names the question mentions
    counted: str = ""  # what "Hoeveel X" counts: "personen", "experten", "procent"
    head: str = ""  # what "Welke X" asks for: "software", "universiteit" (not an agency: that is asks_agency)
    about_question: bool = False  # asks what was asked, so the question side of a document may answer
    items: int = 0  # how many things "Welke drie X" asks for; 0 when it says no number


def analyze_question(question: str) -> Intent:
    kind = "compare" if _COMPARE.search(question) else "list" if _LIST.search(question) else "single"
    if _FREQUENCY.search(question):
        wants = "frequency"
    elif _AMOUNT.search(question):
        wants = "amount"
    elif _asks_date(question):
        wants = "date"
    elif _NUMBER.search(question):
        wants = "number"
    elif _NAME.search(question):
        wants = "name"
    else:
        wants = ""
    return Intent(kind, wants, asks_agency=bool(_WHO.search(question)), names=tuple(named_entities(question)),
                  counted=counted_noun(question) if wants == "number" else "",
                  head=head_noun(question) if wants == "name" and kind == "single" else "",
                  about_question=bool(_ABOUT_QUESTION.search(question)), items=items_asked(question))


def items_asked(question: str) -> int:
    """How many things "Welke drie slachthuizen ...", "Which two courts ...", "welke 3 ..." asks for: 2 to
    MAX_ITEMS, else 0 (one thing, or as many as there are)."""
    for match in _ITEMS.finditer(question):
        word = match.group(1)
        english = match.group(0).casefold().startswith("wh")
        try:
            count = int(word) if word.isdigit() else text2num(word.casefold(), "en" if english else "nl")
        except ValueError:
            continue
        if 2 <= count <= MAX_ITEMS:
            return count
    return 0


def subject_of(question: str) -> str:
    """The question without the words that say what kind of answer it wants ("Hoeveel kost", "how much", "in welk
    jaar", "hoe vaak"): what is left says what it is about, if anything."""
    for kind in (_AMOUNT, _NUMBER, _DATE, _FREQUENCY):
        question = kind.sub(" ", question)
    return question


def head_noun(question: str) -> str:
    """The word a "Welke X ...?" question asks for, unless X is an agency or a stop word."""
    match = _HEAD.search(question)
    if not match:
        return ""
    for word in re.findall(r"[\w&-]+", match.group(1))[:2]:
        folded = fold(word)
        if folded in _AGENCY_WORDS:
            return ""
        if folded not in STOPWORDS:
            return word
    return ""


def counted_noun(question: str) -> str:
    """The words a "Hoeveel ..." question counts, up to its first stop word: "Bij hoeveel contactpersonen
    liep ..." -> "contactpersonen liep"; "How many 'Heerlijk Helder' sessions" -> "Heerlijk Helder sessions"."""
    match = re.search(r"\b(hoeveel|how many|how much|aantal|number of)\s+(.*)", question, re.I)
    if not match:
        return ""
    english = match.group(1).casefold() in ("how many", "how much", "number of")
    counted: list[str] = []
    for word in re.findall(r"[\w&-]+", match.group(2))[:4]:
        folded = fold(word)
        if folded in STOPWORDS or english and (folded in STOPWORDS_EN_PLUS or counted and folded.endswith("ing")):
            break  # English: "judgments finding against ..." counts judgments; "flying hours" counts flying hours
        counted.append(word)
    return " ".join(counted)


def later_sentences(text: str) -> set[int]:
    """Where each sentence after the first starts ("Hoe meten ze het? Vergelijk."): its first word is capitalised
    anyway, so only an acronym there names something by its capitals."""
    return {m.end() for m in _SENTENCE_BREAK.finditer(text)}


def in_capitals(text: str) -> bool:
    """Written in capitals ("HOE MEET ABB DE TEVREDENHEID?"), so its capitals name nothing."""
    return not re.search(r"[a-zà-ÿ]", text)


def named_entities(question: str) -> list[str]:
    """Quoted names, acronyms and runs of capitalised words ("De Lijn", "Kind en Gezin", "VDAB"),
    without the question's first word unless it starts a longer name. A later sentence's first word is
    capitalised anyway too ("Hoe meten ze het? Vergelijk."), unless it is an acronym. A question in capitals
    only has its quoted names."""
    found: list[str] = [m.group(1).strip() for m in _QUOTED.finditer(question)]
    unquoted = _QUOTED.sub(" ", question)
    if in_capitals(unquoted):
        return found
    opening = len(unquoted) - len(unquoted.lstrip())  # where the question's first word starts
    later = later_sentences(unquoted)
    for match in _NAME_RUN.finditer(unquoted):
        tokens = match.group(0).rstrip(".'-").split()
        # The question's own first word is skipped as it always was; a later sentence's unless it is an acronym
        # ("... in 2016? NMBS meldt ...").
        starts_sentence = match.start() == opening or (match.start() in later and not is_acronym(tokens[0]))
        if starts_sentence:
            if len(tokens) == 1:
                continue  # a question's first word is capitalised anyway
            # "Werkt het Agentschap X": the capitalised opening word may be a verb; the rest still names.
            tokens = tokens[1:]
            while tokens and tokens[0].islower():
                tokens = tokens[1:]
        for name in _uncoordinated(tokens):
            if any(fold(t) not in _GENERIC_NAMES and fold(t) not in STOPWORDS for t in name):
                found.append(" ".join(name))
    return list(dict.fromkeys(found))


def _uncoordinated(tokens: list[str]) -> list[list[str]]:
    """A run of names split where "en" / "and" / "&" joins an acronym to another name ("AgII and Kind en Gezin",
    "ABB en WSE"): an acronym is a name of its own, while "Kind en Gezin" is one name."""
    names: list[list[str]] = [[]]
    for i, token in enumerate(tokens):
        joins = token in ("en", "and", "&") and 0 < i < len(tokens) - 1
        if joins and (_ACRONYM.match(tokens[i - 1]) or _ACRONYM.match(tokens[i + 1])):
            names.append([])
        else:
            names[-1].append(token)
    return [n for n in names if n]


def name_is_mentioned(name: str, haystack: str) -> bool:
    """A name counts as mentioned when the phrase occurs, or every significant word of it occurs as a
    word of its own (not glued by a hyphen into another name: "Lijn" in "K&G-Lijn" is not "De Lijn")."""
    folded = fold(re.sub(r"\s+", " ", haystack))
    phrase = fold(re.sub(r"\s+", " ", name)).strip()
    if re.search(rf"(?<![\w&]){re.escape(phrase)}(?![\w&])", folded):
        return True
    if _INITIALS.fullmatch(name.strip()) and spelled_out(name.strip(), haystack):
        return True
    words = [fold(t) for t in re.split(r"\s+", name) if t]
    content = [w for w in words if w not in STOPWORDS]
    significant = [w for w in content if w not in _GENERIC_NAMES]
    if len(content) < 2 and len(words) > 1:
        return False  # "De Lijn": the article is part of the name, so only the phrase counts
    return bool(significant) and all(
        any(re.search(rf"(?<![\w&-]){re.escape(fold(alt))}(?![\w&-])", folded)
            for alt in (w, *ENGLISH_TO_DUTCH.get(w, ()))) or _spelled_otherwise(w, folded)
        for w in significant)


def _spelled_otherwise(word: str, folded: str) -> bool:
    """A long word of a name the text spells one letter otherwise ("Promoter" for "Promotor", "Mohammed" for
    "Mohamed"): a question's spelling is no reason to decline. One letter replaced, added or left out, by difflib's
    opcodes; not "promotie", two letters off."""
    if len(word) < SPELLING_MIN:
        return False
    return any(len(other) >= SPELLING_MIN and other[:3] == word[:3] and abs(len(other) - len(word)) <= 1
               and _one_letter_apart(word, other) for other in set(re.findall(r"\w+", folded)))


def _one_letter_apart(first: str, second: str) -> bool:
    edits = [(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in SequenceMatcher(None, first, second).get_opcodes()
             if op != "equal"]
    return len(edits) == 1 and max(edits[0]) == 1


def spelled_out(acronym: str, haystack: str) -> bool:
    """Does the haystack give the acronym's name in full: words whose initials spell it, function words between
    them left out, every word but the last capitalised ("NMBS": "Nationale Maatschappij der Belgische
    spoorwegen"; "FAVV": "Federaal Agentschap voor de Veiligheid van de Voedselketen")?"""
    letters = fold(acronym)
    tokens = re.findall(r"[^\W\d_]+", haystack)
    for start, first in enumerate(tokens):
        if fold(first[0]) != letters[0] or not first[0].isupper() or fold(first) in STOPWORDS:
            continue
        matched, i = 1, start + 1
        while matched < len(letters) and i < len(tokens):
            word = tokens[i]
            if fold(word) in STOPWORDS:
                i += 1
                continue
            last = matched == len(letters) - 1
            if fold(word[0]) != letters[matched] or not (word[0].isupper() or last):
                break
            matched, i = matched + 1, i + 1
        if matched == len(letters):
            return True
    return False


def is_acronym(token: str) -> bool:
    return bool(_ACRONYM.match(token))
