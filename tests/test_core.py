"""core.Assistant.ask end to end: the real model, real Chroma and BM25 over the shipped corpus.

The questions here are written for these tests, in the style users ask: numbers, dates, lists,
comparisons, English, and questions the documents do not answer.
"""
from __future__ import annotations

import re

import pytest

from assistant.answer.prompts import NOT_ANSWERED
from assistant.core import Assistant, cited_first
from assistant.errors import InputError
from assistant.types import Answer, Chunk, Citation, Passage

pytestmark = pytest.mark.slow


def cited(answer: Answer) -> str:
    return " ".join(c.passage.chunk.text for c in answer.citations)


@pytest.mark.parametrize(("question", "expected"), [
    ("Hoeveel personen werden aangeschreven na de test MO?", "6.133"),
    ("Hoeveel procent van de deelnemers is tevreden over de digitale vormingen?", "87%"),
    ("Hoe vaak wordt de klantengroep lokale besturen bevraagd?", "jaarlijks"),
    ("Hoeveel experten telt de netwerkgroep integratieonderzoek van ABB?", "180 experten"),
    ("Wanneer werd de bevraging over Betaald Educatief Verlof afgesloten?", "17 maart 2017"),
    ("Which design agency did WSE work with in 2016?", "Knight Moves"),
])
def test_answers_quote_the_passage_that_holds_the_fact(corpus_assistant: Assistant, question: str,
                                                        expected: str) -> None:
    answer = corpus_assistant.ask(question)
    assert answer.answered is True, answer.text
    assert expected in answer.text
    assert expected in cited(answer)  # the claim stands in a passage it cites
    assert re.search(r"\[1\]", answer.text)  # the first source is [1]
    assert answer.citations[0].n == 1 and answer.passages[0].rank == 1


@pytest.mark.parametrize(("question", "reason"), [
    ("Wat is de tevredenheidsscore van de VRT?", "Geen enkele passage noemt VRT."),
    ("Hoeveel kostte de tevredenheidsmeting van Kind en Gezin?",
     "De passages geven geen bedrag voor wat gevraagd wordt."),
    ("Hoeveel medewerkers telt het Agentschap Binnenlands Bestuur?", "De passages geven geen aantal medewerkers."),
])
def test_questions_the_documents_do_not_answer_are_declined(corpus_assistant: Assistant, question: str,
                                                             reason: str) -> None:
    answer = corpus_assistant.ask(question)
    assert answer.answered is False
    assert answer.text == f"{NOT_ANSWERED} {reason}"
    assert answer.citations == ()
    assert len(answer.passages) == 5  # the closest passages are still there to look at


def test_a_comparison_gives_every_agency_a_cited_line(corpus_assistant: Assistant) -> None:
    answer = corpus_assistant.ask("Vergelijk hoe elk agentschap de tevredenheid van zijn klanten meet.")
    lines = answer.text.split("\n")
    assert answer.answered is True
    assert sorted(line.split(":")[0] for line in lines) == [
        "- Agentschap Binnenlands Bestuur (ABB)", "- Agentschap Integratie en Inburgering (AgII)",
        "- Departement Werk en Sociale Economie (WSE)", "- Kind en Gezin (K&G)"]
    by_rank = {p.rank: p for p in answer.passages}
    for line in lines:
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
        assert numbers
        agency = line.split(" (")[0].removeprefix("- ")
        assert {by_rank[n].chunk.agency for n in numbers} == {agency}
    # every agency's first source is among the first four passages
    assert {p.chunk.agency_short for p in answer.passages[:4]} == {"ABB", "AgII", "WSE", "K&G"}


def test_an_agency_filter_limits_the_passages_and_is_said(corpus_assistant: Assistant) -> None:
    answer = corpus_assistant.ask("Hoe wordt de tevredenheid gemeten?", agencies=["K&G"])
    assert {p.chunk.agency_short for p in answer.passages} == {"K&G"}
    assert answer.notices == ("Filter toegepast: agentschap: Kind en Gezin.",)


def test_a_question_too_long_is_refused_with_the_limit(corpus_assistant: Assistant) -> None:
    with pytest.raises(InputError, match="20.000"):
        corpus_assistant.ask("klanttevredenheid " * 6000)


def test_cited_first_renumbers_passages_and_references() -> None:
    chunks = [Chunk(id=f"c{i}", doc_id="d", text=f"zin {i}", start=i, end=i + 1) for i in range(1, 4)]
    passages = tuple(Passage(c, 1.0 - i / 10, rank=i + 1) for i, c in enumerate(chunks))
    answer = Answer(question="q", answered=True, text="Eerst [3]. Dan [1].",
                    citations=(Citation(1, passages[0]), Citation(3, passages[2])), passages=passages)
    renumbered = cited_first(answer)
    assert renumbered.text == "Eerst [1]. Dan [2]."
    assert [p.chunk.id for p in renumbered.passages] == ["c3", "c1", "c2"]
    assert [p.rank for p in renumbered.passages] == [1, 2, 3]
    assert [(c.n, c.passage.chunk.id) for c in renumbered.citations] == [(1, "c3"), (2, "c1")]
