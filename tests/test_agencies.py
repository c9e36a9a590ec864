"""Comparisons and lists across agencies: one cited line per agency."""
from __future__ import annotations

import json

import pytest

from assistant.answer.agencies import LIST_FEATURES, LIST_MODEL_FILE, AgencyAnswerer, ListModel
from assistant.answer.prompts import NOT_ANSWERED
from assistant.answer.question import analyze_question
from assistant.types import Answer, Passage
from support import TextCorpus

AWV = """---
id: awv
title: "Agentschap Wegen en Verkeer (AWV) - Klantenbevraging"
agency: Agentschap Wegen en Verkeer
agency_short: AWV
---
## Vraag

1. Hoe meet het agentschap de tevredenheid van weggebruikers? Hoeveel kostte dat? Wat is de responsgraad?

## Antwoord

1. Het agentschap gebruikt telefonische enquêtes bij weggebruikers. De enquêtes lopen sinds maart
2019 en worden door een extern bureau, Peilwerk, afgenomen.

2. a) Bevraging weggebruikers in 2021:
• na een melding: 4.210 personen aangeschreven,
• na een klacht: 812 personen aangeschreven.

b) De voornaamste verbeterpunten zijn:
• snellere antwoorden op meldingen
• een duidelijkere website

3. De resultaten van de enquêtes worden maandelijks besproken met de wegendistricten.
"""

DWV = """---
id: dwv
title: "Dienst Water en Vaarwegen (DWV) - Tevredenheid"
agency: Dienst Water en Vaarwegen
agency_short: DWV
---
## Vraag

Hoe meet de dienst de tevredenheid?

## Antwoord

De dienst peilt de tevredenheid met focusgroepen bij schippers. Er is geen jaarlijkse enquête.
"""


class Corpus(TextCorpus):
    """The test documents, answered per agency."""

    def passages(self, question: str) -> list[Passage]:
        """The chunks ranked by shared stems: a stand-in for retrieval."""
        asked = set(self.analyzer.query_tokens(question))
        ranked = sorted(self.chunks, key=lambda c: -len(asked & set(self.analyzer.tokens(c.indexed_text))))
        return [Passage(c, 1.0 - i / 20, rank=i + 1) for i, c in enumerate(ranked[:8])]

    def answer(self, question: str) -> Answer:
        return self.answerer()(question, self.passages(question), analyze_question(question))

    def answerer(self) -> AgencyAnswerer:
        return AgencyAnswerer(self.analyzer, self.idf, lambda t: self.df.get(t, 0))


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(AWV, DWV)


def test_sharing_only_the_verb_does_not_put_an_agency_on_a_list() -> None:
    # "gebruikt" is rarer in these documents than "enquête", but it says nothing about what is used.
    extra = DWV.replace("id: dwv", "id: dwv2").replace("focusgroepen bij schippers", "webenquêtes bij schippers")
    answer = Corpus(AWV, extra).answer("Welke agentschappen gebruiken webenquêtes?")
    assert answer.answered is True
    assert answer.text == (
        "- Dienst Water en Vaarwegen (DWV): De dienst peilt de tevredenheid met webenquêtes bij schippers [6].")
    assert [row["agency_short"] for row in answer.comparison] == ["DWV"]


def test_a_comparison_has_one_cited_line_per_agency(corpus: Corpus) -> None:
    answer = corpus.answer("Vergelijk hoe de agentschappen de tevredenheid meten.")
    assert answer.answered is True
    assert answer.text == (
        "- Agentschap Wegen en Verkeer (AWV): Het agentschap gebruikt telefonische enquêtes bij weggebruikers [1]. "
        "Bevraging weggebruikers in 2021 [3].\n"
        "- Dienst Water en Vaarwegen (DWV): De dienst peilt de tevredenheid met focusgroepen bij schippers. "
        "Er is geen jaarlijkse enquête [6].")
    assert [c.n for c in answer.citations] == [1, 3, 6]
    assert answer.comparison == (
        {"agency": "Agentschap Wegen en Verkeer", "agency_short": "AWV",
         "method": "Het agentschap gebruikt telefonische enquêtes bij weggebruikers [1]. "
                   "Bevraging weggebruikers in 2021 [3].",
         "key_figure": "2021 [3]", "citations": [1, 3]},
        {"agency": "Dienst Water en Vaarwegen", "agency_short": "DWV",
         "method": "De dienst peilt de tevredenheid met focusgroepen bij schippers. Er is geen jaarlijkse enquête [6].",
         "key_figure": "", "citations": [6]},
    )


def test_a_comparison_lists_the_agencies_in_the_order_of_their_best_passage(corpus: Corpus) -> None:
    # The same passages with DWV's ranked first: DWV's line comes first.
    question = "Vergelijk hoe de agentschappen de tevredenheid meten."
    ordered = sorted(corpus.chunks, key=lambda c: c.agency_short != "DWV")
    passages = [Passage(c, 1.0 - i / 20, rank=i + 1) for i, c in enumerate(ordered)]
    answer = corpus.answerer()(question, passages, analyze_question(question))
    assert [line.split(":")[0] for line in answer.text.split("\n")] == [
        "- Dienst Water en Vaarwegen (DWV)", "- Agentschap Wegen en Verkeer (AWV)"]


@pytest.mark.parametrize(("question", "reason"), [
    ("Vergelijk hoe De Watergroep de tevredenheid meet.", "Geen enkele passage noemt De Watergroep."),
    ("Welke agentschappen maken appeltaart?", "Geen passage gaat over wat gevraagd wordt."),
    ("Welke agentschappen?", "De vraag bevat geen woorden om op te zoeken."),
])
def test_a_comparison_or_list_that_cannot_be_answered_says_why(corpus: Corpus, question: str, reason: str) -> None:
    answer = corpus.answer(question)
    assert answer.answered is False
    assert answer.text == f"{NOT_ANSWERED} {reason}"
    assert answer.citations == ()
    assert answer.comparison == ()


def test_a_glued_compound_is_no_name_that_declines_a_list(corpus: Corpus) -> None:
    answer = corpus.answer("Welke agentschappen gebruiken een AWV-enquête bij weggebruikers?")
    assert answer.answered is True, answer.text
    assert answer.text.startswith("- Agentschap Wegen en Verkeer (AWV): Het agentschap gebruikt telefonische")


def test_no_passages_is_no_answer(corpus: Corpus) -> None:
    question = "Vergelijk hoe de agentschappen de tevredenheid meten."
    answer = corpus.answerer()(question, [], analyze_question(question))
    assert answer.text == f"{NOT_ANSWERED} Er zijn geen passages gevonden."


VMM = """---
id: vmm
title: "Vlaamse Milieumaatschappij (VMM) - Tevredenheid"
agency: Vlaamse Milieumaatschappij
agency_short: VMM
---
## Vraag

Hoe meet de VMM de tevredenheid?

## Antwoord

De VMM meet de tevredenheid van bedrijven jaarlijks; als methode dient een online enquête.
"""


def test_a_comparison_keeps_an_agency_whose_passage_misses_the_main_word_and_says_so() -> None:
    # Where every document speaks of measuring and surveys, "methode" is the word that weighs.
    others = [VMM.replace("VMM", f"X{n}").replace("vmm", f"x{n}").replace("; als methode dient", ", met")
              for n in range(4)]
    answer = Corpus(AWV, DWV, VMM, *others).answer("Vergelijk de meetmethode van elk agentschap.")
    assert answer.answered is True
    # AWV's answer item comes first: the sub-question it replies to asks how the agency measures ("meet").
    assert [row["agency_short"] for row in answer.comparison] == ["AWV", "VMM"]
    lines = {line.split(":")[0]: line for line in answer.text.split("\n")}
    assert lines["- Vlaamse Milieumaatschappij (VMM)"] == (
        "- Vlaamse Milieumaatschappij (VMM): De VMM meet de tevredenheid van bedrijven jaarlijks; als methode dient "
        "een online enquête [2].")
    assert lines["- Agentschap Wegen en Verkeer (AWV)"] == (
        "- Agentschap Wegen en Verkeer (AWV): Het agentschap gebruikt telefonische enquêtes bij weggebruikers [1]."
        " (deze passage noemt «methode» niet)")
    row = next(row for row in answer.comparison if row["agency_short"] == "AWV")
    assert str(row["method"]).endswith("[1]. (deze passage noemt «methode» niet)")


HBT = """---
id: hbt
title: "Havenbedrijf Test (HBT) - Tevredenheid"
agency: Havenbedrijf Test
agency_short: HBT
---
## Antwoord

Het havenbedrijf werkt vooral met webformulieren. Bij gemeenten wordt ook naar de tevredenheid gepeild via
gesprekken.
"""


def test_a_sentence_that_adds_with_ook_brings_the_one_it_adds_to() -> None:
    """"Bij gemeenten wordt ook ... gepeild" adds to the sentence before: quoted alone, it hides the main way."""
    answer = Corpus(AWV, DWV, HBT).answer("Vergelijk hoe de agentschappen de tevredenheid meten.")
    lines = {line.split(":")[0]: line for line in answer.text.split("\n")}
    assert lines["- Havenbedrijf Test (HBT)"].startswith(
        "- Havenbedrijf Test (HBT): Het havenbedrijf werkt vooral met webformulieren. Bij gemeenten wordt ook naar "
        "de tevredenheid gepeild via gesprekken [")


@pytest.mark.parametrize("question", [
    "Vergelijk hoe AWV en VMM de tevredenheid meten.",
    "Compare how VMM and the Agentschap Wegen en Verkeer measure satisfaction.",
])
def test_a_comparison_of_named_agencies_has_their_lines_only(question: str) -> None:
    answer = Corpus(AWV, DWV, VMM).answer(question)
    assert answer.answered is True
    assert sorted(row["agency_short"] for row in answer.comparison) == ["AWV", "VMM"]
    assert "Dienst Water en Vaarwegen" not in answer.text


def test_a_comparison_naming_one_agency_still_compares_them_all(corpus: Corpus) -> None:
    answer = corpus.answer("Vergelijk hoe AWV en de andere agentschappen de tevredenheid meten.")
    assert sorted(row["agency_short"] for row in answer.comparison) == ["AWV", "DWV"]


def test_the_list_model_reads_the_features_the_answerer_gives() -> None:
    model = ListModel.load()
    assert len(model.weights.coef) == len(LIST_FEATURES)
    data = json.loads(LIST_MODEL_FILE.read_text(encoding="utf-8"))
    # Fit on the project's own seed training questions; the check sets are never fit on.
    assert data["trained_on"] == ["seed-train.jsonl", "seed-lists.jsonl"]
    corpus, question = Corpus(AWV, DWV), "Welke agentschappen gebruiken focusgroepen?"
    found = corpus.answerer().best_per_agency(question, corpus.passages(question), analyze_question(question))
    rows = {f.agency: f.row for f in found}
    assert sorted(rows) == ["Agentschap Wegen en Verkeer", "Dienst Water en Vaarwegen"]
    assert all(len(row) == len(LIST_FEATURES) for row in rows.values())
    assert model.names(rows["Dienst Water en Vaarwegen"]) and not model.names(rows["Agentschap Wegen en Verkeer"])


# Two answers of the federal archive's kind: no agency, a minister's department.
FEDERAL = ["""---
id: fed-1
title: "Dienstvoertuigen op aardgas"
department: Mobiliteit
date: 2017-02-01
---
1. De FOD Mobiliteit beschikt over 14 dienstvoertuigen op aardgas en vervangt er in 2017 nog 6.
""", """---
id: fed-2
title: "Aardgas in het wagenpark van Defensie"
department: Defensie, belast met Ambtenarenzaken
date: 2017-03-01
---
1. Defensie rijdt met 31 dienstvoertuigen op aardgas, vooral in de kazernes rond Brussel.
"""]


@pytest.mark.parametrize("question", ["Welke ministers rijden met dienstvoertuigen op aardgas?",
                                      "Welke ministeries hebben dienstvoertuigen op aardgas?"])
def test_a_list_across_ministers_has_a_line_per_department(question: str) -> None:
    assert analyze_question(question).kind == "list"
    answer = Corpus(*FEDERAL).answer(question)
    assert answer.answered is True, answer.text
    assert answer.text.split("\n") == [
        "- Mobiliteit: De FOD Mobiliteit beschikt over 14 dienstvoertuigen op aardgas en vervangt er in 2017 "
        "nog 6 [1].",
        "- Defensie, belast met Ambtenarenzaken: Defensie rijdt met 31 dienstvoertuigen op aardgas, vooral in de "
        "kazernes rond Brussel [2].",
    ]
    assert [row["agency"] for row in answer.comparison] == ["Mobiliteit", "Defensie, belast met Ambtenarenzaken"]
