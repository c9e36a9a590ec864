"""What a question asks for, and which names it mentions."""
from __future__ import annotations

import pytest

from assistant.answer.question import analyze_question, counted_noun, name_is_mentioned, named_entities


@pytest.mark.parametrize(("question", "kind"), [
    ("Vergelijk de meetmethode van elk agentschap.", "compare"),
    ("Compare how the agencies handle complaints.", "compare"),
    ("Which agencies use web surveys?", "list"),
    ("Welke departementen werken met focusgroepen?", "list"),
    ("Welk agentschap werkt met focusgroepen?", "single"),
    ("Hoe meet Kind en Gezin de klanttevredenheid?", "single"),
    # set against something else than the other agencies: no comparison across them
    ("Waarom is de nieuwe meting van het agentschap moeilijk te vergelijken met de vorige?", "single"),
    ("Hoeveel klachten kreeg het agentschap in 2016 in vergelijking met 2015?", "single"),
    ("Hoeveel klachten kreeg het agentschap in 2016, vergelijk met 2015?", "single"),
    ("Maak een vergelijking tussen de agentschappen.", "compare"),
])
def test_kind_of_question(question: str, kind: str) -> None:
    assert analyze_question(question).kind == kind


@pytest.mark.parametrize(("question", "wants"), [
    ("Hoeveel kost de bevraging per jaar?", "amount"),
    ("What did the survey cost?", "amount"),
    ("Sinds wanneer bestaat de klachtendienst?", "date"),
    ("In welk jaar startte de meting?", "date"),
    ("Hoeveel respondenten waren er?", "number"),
    ("How many people answered?", "number"),
    ("Welke software gebruikt het agentschap?", "name"),
    ("Hoe verloopt de bevraging?", ""),
    # "when" asks a date unless it joins a clause to a question that asks something else
    ("Kan de minister meedelen wanneer de meting start?", "date"),
    ("Which office was busiest when the strike began?", "name"),
    ("Welke dienst was bevoegd wanneer de klacht binnenkwam?", "name"),
])
def test_what_the_question_wants(question: str, wants: str) -> None:
    assert analyze_question(question).wants == wants


@pytest.mark.parametrize(("question", "names"), [
    ("Hoeveel reizigers vervoerde De Lijn vorig jaar?", ["De Lijn"]),
    ("Hoeveel kost de meting van de VDAB?", ["VDAB"]),
    ("Which agency runs the panel 'Ask the Citizens'?", ["Ask the Citizens"]),
    ("Werkt het Agentschap Wegen en Verkeer met een steekproef?", ["Agentschap Wegen en Verkeer"]),
    ("Hoe meet de Vlaamse overheid de tevredenheid?", []),  # "Vlaamse" names no one in particular
    ("Wat doet het agentschap?", []),  # the capitalised first word is no name
    # "and" / "en" joining an acronym to another name joins two names; inside a name it stays.
    ("Compare how VDAB and De Lijn reach their customers.", ["VDAB", "De Lijn"]),
    ("Vergelijk hoe AWV en Kind en Gezin meten.", ["AWV", "Kind en Gezin"]),
    ("What does the Department of Work and Social Economy measure?", ["Department of Work and Social Economy"]),
    # A later sentence's first word is capitalised anyway, unless it is an acronym; "o.a." and an initial end none.
    ("Hoe meten de diensten de wachttijden? Vergelijk.", []),
    ("Geef cijfers. Hoeveel treinen reden er naar Brussel?", ["Brussel"]),
    ("Hoeveel treinen reden er in 2016? NMBS meldde een daling.", ["NMBS"]),
    ("Welke maatregelen nam o.a. De Lijn?", ["De Lijn"]),
    ("Wat zei J. Peeters over de wachttijden?", ["J. Peeters"]),
    # Written in capitals, the capitals name nothing; a quoted name still does.
    ("HOE MEET DE VDAB DE WACHTTIJDEN?", []),
    ("WIE ORGANISEERT 'ASK THE CITIZENS'?", ["ASK THE CITIZENS"]),
])
def test_named_entities(question: str, names: list[str]) -> None:
    assert named_entities(question) == names


@pytest.mark.parametrize(("acronym", "text", "expected"), [
    ("NMBS", "de minister bevoegd voor de Nationale Maatschappij der Belgische spoorwegen", True),
    ("FAVV", "het Federaal Agentschap voor de Veiligheid van de Voedselketen", True),
    ("RSZ", "volgens de Rijksdienst voor Sociale Zekerheid", True),
    ("FOD", "met financiële ondersteuning door de overheid", False),  # common words, not a name in full
    ("NMBS", "de Nationale Maatschappij van Buurtspoorwegen en de Belgische Spoorwegen", False),  # not in one run
    ("RSZ", "de Rijksdienst voor Pensioenen", False),
])
def test_an_acronym_is_mentioned_by_its_name_in_full(acronym: str, text: str, expected: bool) -> None:
    assert name_is_mentioned(acronym, text) is expected


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("Net Promoter Score", "Type bevraging Net Promotor Score jaar x", True),  # one letter of eight
    ("Mohammed Ali", "de heer Mohamed Ali", True),
    ("Oostende", "de haven van Oostenrijk", False),
    ("Gent", "de stad Genk", False),  # a short word is said as it is written, or not
    ("Net Promoter Score", "de Net Score van de promotie", False),
])
def test_a_long_word_of_a_name_may_be_spelled_a_letter_otherwise(name: str, text: str, expected: bool) -> None:
    assert name_is_mentioned(name, text) is expected


def test_a_name_counts_as_mentioned_only_as_a_whole() -> None:
    text = "Na een telefonisch contact met de K&G-Lijn worden vragen gesteld."
    assert not name_is_mentioned("De Lijn", text)  # "Lijn" glued into "K&G-Lijn" is another name
    assert name_is_mentioned("K&G-Lijn", text)
    assert name_is_mentioned("vdab", "De VDAB bevraagt werkzoekenden.")
    assert name_is_mentioned("Agentschap voor Natuur en Bos", "het agentschap Natuur en Bos meet")
    assert not name_is_mentioned("Agentschap voor Natuur en Bos", "het agentschap Natuur meet")


@pytest.mark.parametrize(("question", "counted"), [
    ("Bij hoeveel contactpersonen liep de bevraging?", "contactpersonen liep"),
    ("How many 'Heerlijk Helder' sessions were there?", "Heerlijk Helder sessions"),
    ("Hoeveel procent is tevreden?", "procent"),
    ("Wat is de score?", ""),
    # English: the noun phrase ends at a function word or at a verb in -ing after it
    ("How many complaints concerning delays against the railways were filed?", "complaints"),
    ("How many waiting rooms did the office open?", "waiting rooms"),
    ("How many hours of training were given?", "hours"),
])
def test_counted_noun(question: str, counted: str) -> None:
    assert counted_noun(question) == counted


def test_a_question_about_the_question_is_recognised() -> None:
    assert analyze_question("Wat vroeg het parlementslid over de kosten?").about_question
    assert not analyze_question("Wat kostte de meting?").about_question
