"""The extractive answerer over small made-up documents: real chunker, real analyzer, no model."""
from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from assistant.answer.extractive import NOT_ANSWERED, ExtractiveAnswerer, split_units
from assistant.answer.question import analyze_question
from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import parse_text_document
from assistant.search.text import Analyzer, words
from assistant.types import Answer, Passage

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


class Corpus:
    """Chunks of the test documents with the idf an index would give them."""

    def __init__(self, *sources: str) -> None:
        docs = [parse_text_document(s, default_id=f"doc{i}") for i, s in enumerate(sources)]
        self.chunks = [c for d in docs for c in split_into_chunks(d, 600, 80)]
        self.analyzer = Analyzer("dutch", {w for c in self.chunks for w in words(c.indexed_text)})
        self.df = Counter(t for c in self.chunks for t in set(self.analyzer.tokens(c.indexed_text)))

    def idf(self, token: str) -> float:
        n, df = len(self.chunks), self.df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def answer(self, question: str) -> Answer:
        """Rank the chunks by shared stems (a stand-in for retrieval) and answer from them."""
        asked = set(self.analyzer.query_tokens(question))
        ranked = sorted(self.chunks, key=lambda c: -len(asked & set(self.analyzer.tokens(c.indexed_text))))
        passages = [Passage(c, 1.0 - i / 20, rank=i + 1) for i, c in enumerate(ranked[:8])]
        answerer = ExtractiveAnswerer(self.analyzer, self.idf, lambda t: self.df.get(t, 0))
        return answerer(question, passages, analyze_question(question))


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(AWV, DWV)


def cited_texts(answer: Answer) -> list[str]:
    return [c.passage.chunk.text for c in answer.citations]


def test_bullets_keep_the_line_that_introduces_them(corpus: Corpus) -> None:
    chunk = next(c for c in corpus.chunks if c.item == "2a")
    units = split_units(Passage(chunk, 1.0, 1))
    assert [(u.lead, u.text, u.bullet) for u in units] == [
        ("", "Bevraging weggebruikers in 2021:", False),
        ("Bevraging weggebruikers in 2021:", "na een melding: 4.210 personen aangeschreven,", True),
        ("Bevraging weggebruikers in 2021:", "na een klacht: 812 personen aangeschreven.", True),
    ]


def test_a_table_is_split_into_rows_under_its_header() -> None:
    table = """## Antwoord

3. a)
Type Wie Score
jaar x

Melding Burgers 2022 41 83
Klacht Burgers 2022 12 60
Website Iedereen 2023 -6 70
"""
    doc = parse_text_document(table, default_id="t")
    chunk = next(c for c in split_into_chunks(doc) if c.metadata.get("table"))
    units = split_units(Passage(chunk, 1.0, 1))
    assert [u.text for u in units] == ["Melding Burgers 2022 41 83", "Klacht Burgers 2022 12 60",
                                       "Website Iedereen 2023 -6 70"]
    assert {u.lead for u in units} == {"Type Wie Score jaar x"}


def test_a_number_question_is_answered_by_the_sentence_that_counts_it(corpus: Corpus) -> None:
    answer = corpus.answer("Hoeveel personen werden na een klacht aangeschreven?")
    assert answer.answered
    assert answer.text == "Bevraging weggebruikers in 2021: na een klacht: 812 personen aangeschreven [1]."
    assert answer.citations[0].n == 1 and "812 personen" in cited_texts(answer)[0]


def test_a_date_question_gets_the_sentence_with_the_date(corpus: Corpus) -> None:
    answer = corpus.answer("Sinds wanneer lopen de telefonische enquêtes?")
    assert answer.answered
    assert "sinds maart 2019" in answer.text
    assert re.search(r"\[\d\]\.$", answer.text)


def test_a_list_is_answered_whole(corpus: Corpus) -> None:
    answer = corpus.answer("Wat zijn de voornaamste verbeterpunten van AWV?")
    assert answer.answered
    assert "snellere antwoorden op meldingen" in answer.text
    assert "een duidelijkere website" in answer.text


def test_an_amount_the_passages_do_not_give_is_not_answered(corpus: Corpus) -> None:
    answer = corpus.answer("Hoeveel kostte de telefonische enquête van AWV?")
    assert not answer.answered
    assert answer.text.startswith(NOT_ANSWERED)
    assert answer.citations == ()
    assert answer.passages  # the closest passages are still shown


def test_a_name_no_passage_mentions_is_not_answered(corpus: Corpus) -> None:
    answer = corpus.answer("Hoe meet De Watergroep de tevredenheid?")
    assert not answer.answered
    assert "De Watergroep" in answer.text


def test_a_question_about_one_agency_is_not_answered_from_another(corpus: Corpus) -> None:
    # Only AWV's answer counts persons; DWV's passage is retrieved too, but says no number.
    asked = "Hoeveel personen werden na een klacht aangeschreven door DWV?"
    answer = corpus.answer(asked)
    assert any(p.chunk.agency_short == "DWV" for p in answer.passages)
    assert any("812 personen" in p.chunk.text for p in answer.passages)
    assert not answer.answered
    assert answer.text.startswith(f"{NOT_ANSWERED} De passages over DWV geven geen aantal personen")
    # The same question about AWV is answered from AWV's passage.
    answered = corpus.answer(asked.replace("DWV", "AWV"))
    assert answered.answered and "812 personen" in answered.text


def test_sharing_only_the_verb_does_not_put_an_agency_on_a_list() -> None:
    # "gebruikt" is rarer in these documents than "enquête", but it says nothing about what is used.
    extra = DWV.replace("id: dwv", "id: dwv2").replace("focusgroepen bij schippers", "webenquêtes bij schippers")
    answer = Corpus(AWV, extra).answer("Welke agentschappen gebruiken webenquêtes?")
    assert answer.answered
    assert [row["agency_short"] for row in answer.comparison] == ["DWV"]


def test_a_sentence_that_leans_on_the_one_before_brings_it_along() -> None:
    doc = """---
id: zorg
title: "Zorginspectie - Tevredenheid"
agency: Zorginspectie
---
## Antwoord

Na elk bezoek krijgt de voorziening een korte vragenlijst. Dit is de enige meting van de tevredenheid.
"""
    answer = Corpus(doc, AWV).answer("Hoe wordt de tevredenheid gemeten?")
    assert answer.text == ("Na elk bezoek krijgt de voorziening een korte vragenlijst. "
                           "Dit is de enige meting van de tevredenheid [1].")


def test_a_count_of_something_else_is_not_an_answer(corpus: Corpus) -> None:
    # 4.210 counts persons, not employees: the answerer must not offer it as a number of employees.
    answer = corpus.answer("Hoeveel medewerkers telt het Agentschap Wegen en Verkeer?")
    assert not answer.answered


def test_a_question_about_nothing_in_the_documents_is_not_answered(corpus: Corpus) -> None:
    answer = corpus.answer("Wat is het recept voor appeltaart?")
    assert not answer.answered


def test_a_frequency_question_gets_the_sentence_that_says_how_often(corpus: Corpus) -> None:
    answer = corpus.answer("Hoe vaak worden de resultaten van de enquêtes besproken?")
    assert answer.answered
    assert "maandelijks besproken" in answer.text


def test_which_x_is_declined_when_no_passage_names_an_x(corpus: Corpus) -> None:
    answer = corpus.answer("Met welk adviesbureau werkt de dienst Water en Vaarwegen samen?")
    assert not answer.answered
    assert "«adviesbureau»" in answer.text


def test_a_word_only_the_question_side_has_is_no_answer(corpus: Corpus) -> None:
    # "responsgraad" stands in the member's question, never in the minister's answer.
    answer = corpus.answer("Wat is de responsgraad van de telefonische enquêtes?")
    assert not answer.answered
    assert "«responsgraad»" in answer.text


def test_which_agency_names_the_agency(corpus: Corpus) -> None:
    answer = corpus.answer("Welk agentschap werkt met het bureau Peilwerk?")
    assert answer.answered
    assert answer.text.startswith("Agentschap Wegen en Verkeer (AWV): ")


def test_a_comparison_has_one_cited_line_per_agency(corpus: Corpus) -> None:
    answer = corpus.answer("Vergelijk hoe de agentschappen de tevredenheid meten.")
    lines = answer.text.split("\n")
    assert answer.answered
    assert [line.split(":")[0] for line in lines] == sorted(
        ["- Agentschap Wegen en Verkeer (AWV)", "- Dienst Water en Vaarwegen (DWV)"],
        key=[line.split(":")[0] for line in lines].index)
    assert all(re.search(r"\[\d+\]\.$", line) for line in lines)
    assert {row["agency_short"] for row in answer.comparison} == {"AWV", "DWV"}
    for row in answer.comparison:
        assert row["citations"] and all(f"[{n}]" in row["method"] for n in row["citations"])


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
    assert answer.answered
    assert {"AWV", "VMM"} <= {row["agency_short"] for row in answer.comparison}
    lines = {line.split(":")[0]: line for line in answer.text.split("\n")}
    assert re.search(r"\[\d+\]\.$", lines["- Vlaamse Milieumaatschappij (VMM)"])
    assert lines["- Agentschap Wegen en Verkeer (AWV)"] == (
        "- Agentschap Wegen en Verkeer (AWV): Het agentschap gebruikt telefonische enquêtes bij weggebruikers [3]."
        " (deze passage noemt «methode» niet)")
    row = next(row for row in answer.comparison if row["agency_short"] == "AWV")
    assert str(row["method"]).endswith("[3]. (deze passage noemt «methode» niet)")


def test_every_citation_points_at_a_passage_that_holds_the_sentence(corpus: Corpus) -> None:
    for question in ("Hoeveel personen werden na een melding aangeschreven?",
                     "Wie neemt de enquêtes af?", "Hoe peilt de dienst de tevredenheid?"):
        answer = corpus.answer(question)
        assert answer.answered, question
        by_rank = {p.rank: p for p in answer.passages}
        for sentence, n in re.findall(r"(.*?) \[(\d+)\]\.", answer.text):
            last = sentence.split(": ")[-1].split("; ")[-1].strip()
            assert last[:30] in re.sub(r"\s+", " ", by_rank[int(n)].chunk.text), (question, sentence)
