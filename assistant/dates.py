"""Month names, Dutch and English, for reading dates in documents and in answers: the one month table."""
from __future__ import annotations

from collections.abc import Iterable

DUTCH_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                "oktober", "november", "december")
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december")
# Short forms as documents write them ("12 okt. 2017", "Sept 2016"); "mrt" is Dutch, "mar" English.
_SHORT = {"jan": 1, "feb": 2, "mrt": 3, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9, "sep": 9,
          "okt": 10, "oct": 10, "nov": 11, "dec": 12}

DUTCH_MONTH_NUMBERS = {name: n for n, name in enumerate(DUTCH_MONTHS, 1)}
# Every name and short form, Dutch and English, in lower case -> month number.
MONTH_NUMBERS = {**DUTCH_MONTH_NUMBERS, **{name: n for n, name in enumerate(ENGLISH_MONTHS, 1)}, **_SHORT}


def month_pattern(names: Iterable[str] = MONTH_NUMBERS) -> str:
    """A regex alternation of month names, longest first, so "sept" is tried before "sep"."""
    return "|".join(sorted(set(names), key=lambda name: (-len(name), name)))
