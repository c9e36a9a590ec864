"""English -> Dutch for English questions: Debian's FreeDict dictionary, read through simplemma's lemmas."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.search.dictionary import FREEDICT, freedict, parse_freedict, to_dutch

DICTD = """00-database-info
This is the header: no headword line above it.
committee /kəmɪti/
1. commissie
2. comité
burglary /bɜːɡləri/
inbraak, woninginbraak, in staat om te breken
always /ɔːlweiz/
altijd, immer
again /əgein/

"""


def test_a_dictd_text_gives_each_headword_its_translations() -> None:
    assert parse_freedict(DICTD) == {
        "committee": ("commissie", "comité"),
        "burglary": ("inbraak", "woninginbraak"),  # "in staat om te breken" is an explanation, not a word
        "always": ("altijd", "immer"),
    }


def test_without_the_dictionary_the_log_says_how_to_install_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert freedict(Path("/nonexistent/freedict-eng-nld.dict.dz")) == {}
    assert "apt-get install dict-freedict-eng-nld" in caplog.text


@pytest.mark.skipif(not FREEDICT.exists(), reason="needs Debian's dict-freedict-eng-nld (make test installs it)")
def test_english_words_and_their_plurals_get_dutch_words() -> None:
    assert "politie" in to_dutch("police")
    assert "mensen" in to_dutch("people")
    assert to_dutch("prisons") == to_dutch("prison") == ("gevangenis", "kerker", "nor")  # through the lemma
    assert to_dutch("agencies") == ("agentschappen", "agentschap")  # the glossary's word, then its lemma's
