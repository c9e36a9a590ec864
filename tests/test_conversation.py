"""conversation.py: follow-up questions carry the conversation's subject over."""
from __future__ import annotations

import pytest

from assistant.apps.conversation import Turn, agency_aliases, find_agency, resolve_followup
from assistant.types import Answer

AGENCIES = {
    "Agentschap Binnenlands Bestuur": "ABB",
    "Agentschap Integratie en Inburgering": "AgII",
    "Kind en Gezin": "K&G",
    "Departement Werk en Sociale Economie": "WSE",
}
AGII = "Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?"


def turn(searched: str, typed: str | None = None) -> Turn:
    return Turn(typed or searched, Answer(question=searched, answered=True, text="", searched=searched))


@pytest.mark.parametrize("question, expected", [
    ("En Kind en Gezin?", "Hoe meet Kind en Gezin de klanttevredenheid?"),
    ("En K&G?", "Hoe meet Kind en Gezin de klanttevredenheid?"),
    ("en bij WSE", "Hoe meet het Departement Werk en Sociale Economie de klanttevredenheid?"),
    ("Wat met ABB?", "Hoe meet het Agentschap Binnenlands Bestuur de klanttevredenheid?"),
    ("What about VDAB?", "Hoe meet VDAB de klanttevredenheid?"),
    ("Hoeveel respondenten waren er?",
     "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?"),
    ("Hoeveel respondenten had dit agentschap?",
     "Hoeveel respondenten had het Agentschap Integratie en Inburgering?"),
    ("En de kosten?", "De kosten bij het Agentschap Integratie en Inburgering?"),
    # a subject of its own, or a question across agencies: taken as it is
    ("Hoe meet ABB de klanttevredenheid?", "Hoe meet ABB de klanttevredenheid?"),
    ("Vergelijk de meetmethode van elk agentschap.", "Vergelijk de meetmethode van elk agentschap."),
    ("Welke agentschappen gebruiken een webenquête?", "Welke agentschappen gebruiken een webenquête?"),
    ("Werkt De Lijn met een enquête?", "Werkt De Lijn met een enquête?"),
    # words typed as a search of their own, no question leaning on the last one
    ("budget digitalisering", "budget digitalisering"),
    ("opleidingen personeel 2016", "opleidingen personeel 2016"),
])
def test_follow_up_after_a_question_about_one_agency(question: str, expected: str) -> None:
    assert resolve_followup(question, [turn(AGII)], AGENCIES) == expected


def test_the_subject_is_that_of_the_last_question_as_searched() -> None:
    history = [turn(AGII), turn("Hoe meet Kind en Gezin de klanttevredenheid?", typed="En Kind en Gezin?")]
    assert resolve_followup("Hoeveel respondenten waren er?", history, AGENCIES) == (
        "Hoeveel respondenten waren er bij Kind en Gezin?")


def test_follow_up_without_an_agency_in_the_last_question() -> None:
    history = [turn("Hoe wordt de klanttevredenheid gemeten?")]
    assert resolve_followup("En Kind en Gezin?", history, AGENCIES) == (
        "Hoe wordt de klanttevredenheid gemeten bij Kind en Gezin?")
    assert resolve_followup("Hoeveel respondenten?", history, AGENCIES) == "Hoeveel respondenten?"
    assert resolve_followup("En de kosten?", history, AGENCIES) == (
        "De kosten: Hoe wordt de klanttevredenheid gemeten?")


def test_first_question_and_empty_question_are_unchanged() -> None:
    assert resolve_followup("  En Kind en Gezin?  ", [], AGENCIES) == "En Kind en Gezin?"
    assert resolve_followup("   ", [turn(AGII)], AGENCIES) == ""


def test_an_agency_filter_for_other_agencies_stops_the_carry_over() -> None:
    question = "Hoeveel respondenten waren er?"
    assert resolve_followup(question, [turn(AGII)], AGENCIES, ["Kind en Gezin"]) == question
    assert resolve_followup(question, [turn(AGII)], AGENCIES, ["Agentschap Integratie en Inburgering"]) == (
        "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?")


def test_find_agency_includes_the_article_and_prefers_the_longest_name() -> None:
    mention = find_agency(AGII, AGENCIES)
    assert mention is not None
    assert (mention.agency, AGII[mention.start:mention.end]) == (
        "Agentschap Integratie en Inburgering", "het Agentschap Integratie en Inburgering")
    assert find_agency("Wat doet kind en gezin?", AGENCIES).agency == "Kind en Gezin"  # type: ignore[union-attr]
    assert find_agency("Kinderen en gezinnen", AGENCIES) is None
    assert find_agency("De ABBA-fans", AGENCIES) is None


def test_aliases_add_the_name_without_agentschap_when_two_words_remain() -> None:
    aliases = agency_aliases(AGENCIES)
    assert aliases["integratie en inburgering"] == "Agentschap Integratie en Inburgering"
    assert "binnenlands bestuur" in aliases
    assert aliases["k&g"] == "Kind en Gezin"
