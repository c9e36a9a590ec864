"""The one month table: Dutch and English names and short forms."""
from __future__ import annotations

import re

import pytest

from assistant.dates import DUTCH_MONTH_NUMBERS, MONTH_NUMBERS, month_pattern


def test_dutch_months_are_numbered_in_calendar_order() -> None:
    assert DUTCH_MONTH_NUMBERS == {"januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6,
                                   "juli": 7, "augustus": 8, "september": 9, "oktober": 10, "november": 11,
                                   "december": 12}


@pytest.mark.parametrize(("name", "number"), [("mei", 5), ("may", 5), ("mrt", 3), ("mar", 3), ("okt", 10),
                                              ("oct", 10), ("sept", 9), ("sep", 9), ("december", 12)])
def test_names_and_short_forms_give_the_month(name: str, number: int) -> None:
    assert MONTH_NUMBERS[name] == number


def test_the_pattern_tries_longer_names_first() -> None:
    found = re.search(rf"({month_pattern()})", "op 12 Sept. 2016", re.I)
    assert found is not None and found.group(1) == "Sept"
    assert month_pattern(("jun", "juni", "mei")) == "juni|jun|mei"
