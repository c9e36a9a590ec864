"""A passage's units (sentences, bullets, table rows), and the cited Answer made of them."""
from __future__ import annotations

from assistant.answer.prompts import NOT_ANSWERED
from assistant.answer.units import abstain, answer_from, render_units, split_units
from assistant.ingest.chunk import split_into_chunks
from assistant.ingest.load import parse_text_document
from assistant.types import Citation, Passage
from test_agencies import AWV


def test_bullets_keep_the_line_that_introduces_them() -> None:
    doc = parse_text_document(AWV, default_id="awv")
    chunk = next(c for c in split_into_chunks(doc, 600, 80) if c.item == "2a")
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
    chunk = next(c for c in split_into_chunks(doc) if c.is_table)
    units = split_units(Passage(chunk, 1.0, 1))
    assert [u.text for u in units] == ["Melding Burgers 2022 41 83", "Klacht Burgers 2022 12 60",
                                       "Website Iedereen 2023 -6 70"]
    assert {u.lead for u in units} == {"Type Wie Score jaar x"}


def test_units_of_one_passage_run_together_and_a_new_passage_starts_a_new_group() -> None:
    doc = parse_text_document(AWV, default_id="awv")
    chunks = split_into_chunks(doc, 600, 80)
    first, second = Passage(chunks[1], 1.0, 1), Passage(chunks[2], 0.9, 2)
    units = split_units(first)[:2] + split_units(second)[1:]
    text = render_units(units)
    assert text == ("Het agentschap gebruikt telefonische enquêtes bij weggebruikers. De enquêtes lopen sinds maart "
                    "2019 en worden door een extern bureau, Peilwerk, afgenomen [1]. Bevraging weggebruikers in 2021: "
                    "na een melding: 4.210 personen aangeschreven; na een klacht: 812 personen aangeschreven [2].")
    answer = answer_from("Hoe?", [first, second], text, units)
    assert answer.answered is True
    assert answer.citations == (Citation(1, first), Citation(2, second))
    assert answer.raw == text


def test_abstain_says_not_answered_and_why() -> None:
    answer = abstain("Hoe?", [], "Er zijn geen passages gevonden.")
    assert answer.answered is False
    assert answer.text == f"{NOT_ANSWERED} Er zijn geen passages gevonden."
    assert answer.raw == "Er zijn geen passages gevonden."
    assert answer.citations == ()
