"""What a question asks and what a sentence says, as facts the reader's features are made of: the kind of
answer asked for, figures that count something, names in their other forms, sentences the archive glued."""
from __future__ import annotations

import re
from dataclasses import replace

from text_to_num import alpha2digit

from ..dates import DUTCH_MONTHS, ENGLISH_MONTHS, month_pattern
from ..search.text import fold, words
from ..types import Passage
from .units import Unit
from .question import INTERROGATIVE, Intent, in_capitals, is_acronym, later_sentences, name_is_mentioned

# "12 interne “Heerlijk Helder” leerinitiatieven": the counted word may follow its number by four words.
COUNT_WINDOW = 4

LIGHT_VERBS = ("gebruiken", "gebruikt", "gebruik", "hanteren", "hanteert", "toepassen", "past", "inzetten",
                "zet", "doen", "doet", "maken", "maakt", "hebben", "heeft", "use", "uses", "using", "used",
                "apply", "applies", "employ", "employs", "do", "does", "make", "makes", "have", "has")
YEAR = re.compile(r"\b(?:19[5-9]\d|20[0-4]\d)\b")
_MONTHS = month_pattern((*DUTCH_MONTHS, *ENGLISH_MONTHS))
MONTH = re.compile(rf"\b({_MONTHS})\b", re.I)
DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
FIGURE = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")
MONEY = re.compile(r"€|\beuro\b|\beur\b|\bmiljoen\b|\bmiljard\b|\bmillion\b|\bbillion\b", re.I)
PERCENT = re.compile(r"%|\bprocent\b|\bpercent\b|\bper cent\b|\bprocentpunt", re.I)
CAUSE = re.compile(r"\b(omdat|want|aangezien|doordat|gezien|gelet op|wegens|vanwege|teneinde|om te|zodat|"
                    r"daarom|dit is te wijten|because|since|due to|in order to|reden)\b", re.I)
# A sentence that sends the reader elsewhere ("zie bijlage", "de tabel in bijlage", "vindt u hieronder") holds no
# answer itself.
ELSEWHERE = re.compile(r"\b(bijlage|bijlagen|annex|in attachment|ter inzage|verwijs|verwijzen|refer|hieronder|"
                       r"onderstaand|hierna|below|following table)\w*", re.I)
# A sentence that sends the reader to another answer: "Ik verwijs naar mijn antwoord op vraag nr. 1780".
REFERS = re.compile(r"\b(?:verwijs|verwijzen|refer)\w*\b.{0,120}?\b(?:antwoord|answer|reply)\b", re.I | re.S)
# A sentence that says the figures do not exist or are not kept.
NO_DATA = re.compile(r"\b(niet beschikbaar|geen (?:\w+ ){0,2}(?:cijfers|gegevens|statistieken|informatie)|"
                     r"beschik\w* (?:niet|geen)|"
                      r"niet (?:mogelijk|bekend|gekend)|onmogelijk|not available|no (?:figures|data|statistics))\b",
                      re.I)
_YES_NO_OPENERS = {"is", "zijn", "was", "waren", "wordt", "worden", "werd", "werden", "kan", "kunnen", "mag",
                   "mogen", "moet", "moeten", "zal", "zullen", "heeft", "hebben", "had", "hadden", "bestaat",
                   "bestaan", "gaat", "komt", "are", "does", "do", "did", "can", "could", "will", "would",
                   "has", "have", "should", "may", "must"}
# Verbs that open an order rather than a question: "Geef het aantal ...", "Noem de ...".
ORDERS = {"geef", "noem", "vergelijk", "som", "beschrijf", "leg", "licht", "schets", "give", "name", "list", "compare",
           "describe", "explain", "state", "tell"}
_WHY = re.compile(r"\b(waarom|om welke reden|why|for what reason)\b", re.I)
_HOW = re.compile(r"^\s*(hoe|how|op welke (wijze|manier)|in what way)\b(?!\s+(veel|many|much|lang|long|groot))",
                  re.I)
# A name with its other name in brackets: "AFSCA (FAVV)", "Organisatie voor Economische Samenwerking (OESO)".
_BRACKETED = re.compile(r"\b([A-Z][\w&'-]*)\s*\(([A-Z][\w&'-]*)\)")
_TIMES = re.compile(r"\d[\d.,]*\s+(?:keer|maal|times)\b", re.I)
_DURATION = re.compile(r"\b(hoe lang|how long)\b", re.I)
# A span of time: a figure or a number word with its unit ("4 minuten 10 seconden", "27h45", "drie maanden").
SPAN = re.compile(r"(?:\d[\d.,]*|\b(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|enkele|a|one|two|three|"
                  r"four|five|six|seven|eight|nine|ten|several))\s*(?:h\d+|u\d+|uur|uren|min\w*|sec\w*|dag\w*|"
                  r"werkdag\w*|week|weken|maand\w*|jaar|jaren|hours?|minutes?|seconds?|days?|weeks?|months?|years?)\b",
                  re.I)
# A rate asks a percentage: "bezettingsgraad", "the unemployment rate" (not "a flat-rate allowance").
_PERCENT_ASKED = re.compile(r"percent|procent|aandeel|share|proportion|%|graad\b|\bratio\b|\w\s+rates?\b", re.I)
# Adjectives of place ("Waalse", "Brusselse", "Belgische", "Flemish"): said in a passage as the place itself.
_ADJECTIVE_END = re.compile(r"(?:ische|isch|se|sche|s|ian|ish|ese|an)$")

# Where the federal archive left a table out, its text holds the table's number: two years, the question's number
# and its language codes ("2016201715150-14-2198-nl-fr-1"). It is no figure of the answer.
_TABLE_MARK = re.compile(r"(?:19|20)\d\d(?:19|20)\d\d\d{3,6}(?:-[\w]+)+")
FACT_KINDS = ("number", "amount", "percentage", "date", "name", "frequency", "duration")
FREQUENCY = re.compile(r"\b(\w*lijks\w*|permanent\w*|continu\w*|telkens|elke|iedere|na elk\w*|(keer|maal) per|"
                        r"per (dag|week|maand|kwartaal|jaar)|om de \w+|daily|weekly|monthly|yearly|annual\w*|every)\b",
                        re.I)


def head_noun(counted: str) -> str:
    """What "Hoeveel X ..." counts: its first word, and the next one when the first is an adjective before it
    ("geldige parkeerkaarten"); not the verb after it ("medewerkers telt")."""
    tokens = counted.split()
    if len(tokens) > 1 and tokens[0].casefold().endswith("e") and not tokens[0][:1].isupper():
        return " ".join(tokens[:2])
    return " ".join(tokens[:1])


def question_stems(weights: dict[frozenset[str], float]) -> set[str]:
    return set().union(*weights) if weights else set()


# Sentences the archive glued together ("werknemers.Zie bijlage"), a table mark, and dash lists run into one line
# ("de volgende budgetten:- 2014: 26.000 euro;- 2015: 10.000 euro"): where one candidate ends and the next begins.
_GLUED = re.compile(r"(?<=[a-zà-ý0-9)]{2}[.!?])(?=[A-ZÀ-Ý][a-zà-ý])|(?<=-[a-z]{2}-\d)\s+|(?<=-[a-z]{3}-\d)\s+")
_DASH_ITEM = re.compile(r"(?<=[:;])\s*-\s*(?=\S)")


def refine(units: list[Unit]) -> list[Unit]:
    """Finer candidates: glued sentences apart, and each item of a dash list run into one line its own
    candidate, under the sentence that introduces it."""
    out: list[Unit] = []
    for unit in units:
        for sentence in (s.strip() for s in _GLUED.split(unit.text) if s.strip()):
            items = _DASH_ITEM.split(sentence)
            if len(items) < 3:  # one dash is a dash, not a list
                out.append(replace(unit, text=sentence, position=len(out)))
                continue
            head = items[0].strip()
            out.append(replace(unit, text=head, position=len(out)))
            lead = head if head.endswith(":") else (unit.lead if unit.bullet else head)
            for item in items[1:]:
                out.append(Unit(item.strip().rstrip(";"), unit.passage, len(out), lead=lead, bullet=True))
    return out


def answer_kind(question: str, intent: Intent) -> str:
    folded = fold(question)
    if _WHY.search(question):
        return "why"
    first = words(question)[:1]
    if question.rstrip().endswith("?") and first and first[0] not in ORDERS and not INTERROGATIVE.search(question):
        return "yesno"  # a question without a word that asks: "Horen de kosten ... thuis in ...?" asks no amount
    if intent.wants == "amount":
        return "amount"
    if intent.wants == "frequency":
        return "frequency"
    if _DURATION.search(question):
        return "duration"
    if intent.wants == "number":
        return "percentage" if _PERCENT_ASKED.search(folded) else "number"
    if _PERCENT_ASKED.search(folded) and re.search(r"\b(welk|wat|what|which|hoe groot|how large)\b", folded):
        return "percentage"
    if intent.wants == "date":
        return "date"
    if first and first[0] in _YES_NO_OPENERS:
        return "yesno"
    if _HOW.search(question):
        return "how"
    if intent.wants == "name":
        return "name"
    return "other"


def fits(kind: str, text: str) -> float:
    """Does the text hold the kind of answer asked for?"""
    figures = counts(text)
    if kind == "number":
        return float(bool(figures) or says_a_number(text))
    if kind == "amount":
        return float(bool(figures) and bool(MONEY.search(text)))
    if kind == "percentage":
        return float(bool(PERCENT.search(text)) or bool(re.search(r"\b(helft|derde|kwart|half)\b", text, re.I)))
    if kind == "date":
        return float(bool(YEAR.search(text) or MONTH.search(text) or DATE.search(text)))
    if kind == "frequency":  # "jaarlijks", "twee keer per jaar", or how many times: "1.245 keer"
        return float(bool(FREQUENCY.search(text) or _TIMES.search(text)))
    if kind == "duration":
        return float(bool(SPAN.search(text)))
    if kind == "why":
        return float(bool(CAUSE.search(text)))
    if kind == "name":
        return float(has_name(text))
    return 1.0


# Figures that count nothing: a date ("27 december 2016", "20/07/2005"), a time ("10 uur", "14u30"), an article,
# a numbered item or a numbered part of the document ("artikel 58", "punt 3", "tabel 1", "bijlage 2"), the number
# or letter that opens an answer's item ("5.Directe kostprijs", "2. a) In tabel 1"; not "2. 807.900", a figure
# broken by a space).
NOT_COUNTS = re.compile(
    r"^\s*\d{1,2}\s*(?:\)|\.(?!\s?\d))|"
    rf"\b\d{{1,2}}(?:\s+(?:en|op|tot|à|-)\s+\d{{1,2}})?\s+(?:{_MONTHS})\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}\s*(?:uur|u|h)\b(?:\s*\d{2})?"
    r"|\b(?:artikel|artikelen|art\.|article|punt|punten|nummer|nr\.?|tabel|tabellen|table|bijlage|annex|grafiek|"
    r"figuur|sheet|hoofdstuk|paragraaf|lid)\s*\d+\w*", re.I)


def counts(text: str) -> list[str]:
    """The figures of a text that may count or measure something: not years, dates, times or article numbers."""
    return [m.group(0) for m in FIGURE.finditer(NOT_COUNTS.sub(" ", text)) if not YEAR.fullmatch(m.group(0).strip())]


def says_a_number(text: str) -> bool:
    """A count in words ("zeventien inbraken", "tweehonderd"), read by text2num; ordinals ("de derde") aside."""
    spelled = alpha2digit(text, "nl", threshold=1.5)  # "een" (a, one) stays a word
    if spelled == text:
        return False
    return len(re.findall(r"\b\d+\b(?!e\b)", spelled)) > len(re.findall(r"\b\d+\b(?!e\b)", text))


def has_name(text: str) -> bool:
    """A capitalised word or acronym that does not open the sentence."""
    return bool(re.search(r"(?<!^)(?<![.!?:]\s)\b[A-ZÀ-Ý][\w&-]+", text) or re.search(r"\b[A-Z]+\d+", text))


def said(unit: Unit) -> str:
    """What a candidate says: a bullet or table row with the line that introduces it; "%" as a word; a table
    left out of the text ("2016201715150-14-2198-nl-fr-1", as the federal archive marks one) as "bijlage"."""
    text = f"{unit.lead} {unit.text}" if unit.bullet and unit.lead else unit.text
    return _TABLE_MARK.sub(" bijlage ", text).replace("%", " procent ")


def share(stems: set[str], weights: dict[frozenset[str], float], total: float,
           besides: set[str] | frozenset[str] = frozenset()) -> float:
    return sum(w for c, w in weights.items() if not c.isdisjoint(stems) and c.isdisjoint(besides)) / total


def found_share(years: frozenset[str], text: str) -> float:
    if not years:
        return 1.0
    return sum(y in text for y in years) / len(years)


def place_and_names(question: str, intent: Intent) -> list[str]:
    """The names a question is about, one word each ("Vlaanderen", "RIZIV", "Waalse"), the generic ones too:
    an answer about Belgium as a whole does not say what Flanders spent."""
    out: list[str] = []
    cased = not in_capitals(question)  # in a question written in capitals, capitals name nothing
    later = later_sentences(question)
    for i, match in enumerate(re.finditer(r"[\w&'-]+", question)):
        token = match.group(0)
        # A sentence's first word is capitalised anyway ("... meten? Vergelijk."), unless it is an acronym.
        opens = i == 0 or (match.start() in later and not is_acronym(token))
        if opens or not cased or token.endswith("-") or len(token) < 2:
            continue
        if token[0].isupper() and not token.isdigit():
            out.append(token.strip("-'"))
    for name in intent.names:
        out.extend(t for t in name.split() if t[:1].isupper() and t not in out)
    # "AFSCA (FAVV)": one body by two names; a passage that says either says it.
    for first, second in _BRACKETED.findall(question):
        if first in out and second in out:
            out[out.index(first)] = f"{first} ({second})"
            out.remove(second)
    return list(dict.fromkeys(out))


def other_name(name: str, question: str) -> str:
    """The name the question gives in brackets beside `name`, or before the brackets it stands in."""
    for first, second in _BRACKETED.findall(question):
        if name == first:
            return second
        if name == second:
            return first
    return ""


def stem_forms(name: str) -> list[str]:
    """"Brusselse" -> brussel..., "Waals-Brabants" -> waals, brabant: the forms a passage may say it in."""
    forms: list[str] = []
    for part in re.split(r"[-\s]+", fold(name)):
        if len(part) < 2:
            continue
        forms.append(part)
        base = _ADJECTIVE_END.sub("", part) if len(part) > 5 else part
        if base != part and len(base) >= 4:
            forms.append(base)
    return forms


def mentions(name: str, haystack: str) -> bool:
    """A name is mentioned when the phrase or every part of it occurs, a part also as the start of a word
    ("Brusselse" in "Brussel", "Belgische" in "België"); "AFSCA (FAVV)" when either is."""
    bracketed = _BRACKETED.fullmatch(name)
    if bracketed:
        return any(mentions(part, haystack) for part in bracketed.groups())
    if name_is_mentioned(name, haystack):
        return True
    parts = [p for p in re.split(r"[-\s]+", fold(name)) if len(p) >= 2]
    if len(name.split()) > 1:
        return False  # "De Lijn": a name of several words is its phrase, or every word of it (name_is_mentioned)
    folded = fold(haystack)
    return bool(parts) and all(
        any(re.search(rf"(?<![\w&]){re.escape(form[:max(4, len(form) - 2)])}", folded) for form in stem_forms(part))
        for part in parts)


def names_share(names: tuple[str, ...], haystack: str) -> float:
    if not names:
        return 1.0
    return sum(mentions(n, haystack) for n in names) / len(names)


def is_proper_name(name: str) -> bool:
    """A name whose absence from every passage means they are about something else: an organisation, a
    person, a place; not a hyphenated coordination ("P- en R-parkings") nor an adjective ("Waalse")."""
    tokens = name.split()
    # "vitamine D-preparaat": a letter glued to a common noun is no name.
    if any(t.endswith("-") or re.search(r"-[a-zà-ý]", t) for t in tokens) or len(name.strip(".-")) < 2:
        return False
    return not (len(tokens) == 1 and _ADJECTIVE_END.search(fold(name)) and not name.isupper())


def context_of(passage: Passage) -> str:
    """Where a name or a year may be said for a passage: its title, agency and text."""
    chunk = passage.chunk
    return f"{chunk.title}\n{chunk.agency}\n{chunk.agency_short}\n{chunk.text}"
