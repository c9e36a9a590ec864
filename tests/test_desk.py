"""The adviser's desk over a small archive of records: copies of one answer are one row with its members listed,
dates bound the search, the draft goes out as Markdown and DOCX with a section per point and numbered sources."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document as open_docx
from support import DESK_RECORDS, BuildAssistant, write_records

from assistant.apps.draft_export import draft_docx, draft_markdown, write_draft
from assistant.core import Assistant
from assistant.draft import NO_EARLIER_ANSWER, DraftLine, DraftSection
from assistant.errors import InputError
from assistant.examples import example_questions, subject_of
from assistant.similar import Similar, find_similar
from assistant.types import Chunk, Passage

QUESTION = ("Voetgangersbrug station Mechelen. - Renovatie\n\n1. Is de voetgangersbrug aan het station veilig? "
            "2. Wanneer start de renovatie van de voetgangersbrug?3. Hoeveel liften worden er geplaatst?")


@pytest.fixture
def archive(build_assistant: BuildAssistant, tmp_path: Path) -> Assistant:
    return build_assistant([write_records(tmp_path / "archief.jsonl", DESK_RECORDS)])


def test_copies_of_one_answer_are_one_row_listing_its_members(archive: Assistant) -> None:
    found = find_similar(archive, QUESTION, k=3)
    assert [(d.rank, d.doc_id, [c.doc_id for c in d.copies]) for d in found.documents] == [
        (1, "r1", ["r2"]), (2, "r3", []), (3, "r4", [])]
    assert found.to_json()["documents"][0]["copies"] == [
        {"doc_id": "r2", "title": "", "date": "2017-01-12", "agency": "Minister van Mobiliteit", "member": "Janssens"}]


def test_copies_take_one_place_so_k_rows_remain(archive: Assistant) -> None:
    assert [d.doc_id for d in find_similar(archive, QUESTION, k=2).documents] == ["r1", "r3"]


def test_the_draft_answers_each_point_and_says_which_it_cannot(archive: Assistant) -> None:
    found = find_similar(archive, QUESTION, k=3)
    assert [(s.point, [(line.text, line.n) for line in s.lines]) for s in found.sections] == [
        ("1", [("Het rapport besluit dat de voetgangersbrug veilig is.", 1)]),
        ("2", [("De renovatie van de voetgangersbrug start in het voorjaar van 2018 en duurt acht maanden.", 1)]),
        ("3", [])]
    assert [p.chunk.doc_id for p in found.sources] == ["r1"]


@pytest.mark.parametrize(("since", "until", "rows"), [
    ("2017-01-11", "", ["r2", "r3", "r4"]),  # r1 left out: its copy r2 leads the row now
    ("", "2017-01-31", ["r1"]),
    ("2017-02-01", "2017-02-01", ["r4"]),  # both ends count
    ("2018-01-01", "", []),
])
def test_dates_bound_the_documents(archive: Assistant, since: str, until: str, rows: list[str]) -> None:
    found = find_similar(archive, QUESTION, k=5, since=since, until=until)
    assert [d.doc_id for d in found.documents] == rows
    assert [s.point for s in found.sections] == ["1", "2", "3"]


def test_a_date_not_written_yyyy_mm_dd_is_an_input_error(archive: Assistant) -> None:
    with pytest.raises(InputError) as error:
        find_similar(archive, QUESTION, since="1/2/2017")
    assert str(error.value) == "a date is written YYYY-MM-DD, not '1/2/2017'"


def test_a_department_filter_keeps_the_other_ministers_out(archive: Assistant) -> None:
    found = find_similar(archive, QUESTION, k=5, agencies=["Minister van Binnenlandse Zaken"])
    assert [d.doc_id for d in found.documents] == ["r4"]


# -- export ----------------------------------------------------------------------------------------------------


def _found() -> Similar:
    meta = {"date": "2017-01-10", "department": "Minister van Mobiliteit"}
    chunk = Chunk("r1#a", "r1", "Het rapport besluit dat de brug veilig is.", 0, 42, section="answer", metadata=meta)
    other = Chunk("r3#a", "r3", "De renovatie start in 2018 *zeker*.", 0, 35, title="Brug Lier", section="answer")
    sections = (DraftSection("1", "Is de brug\nveilig?", (DraftLine("1", "Is de brug veilig?", chunk.text, 1),)),
                DraftSection("2", "Wanneer start de renovatie?", (DraftLine("2", "", other.text, 2),)),
                DraftSection("3", "Hoeveel reizigers?", ()))
    return Similar("Brug. - Renovatie\n\n1. Is de brug veilig? 2. Wanneer? 3. Hoeveel reizigers?", (), sections,
                   (Passage(chunk, 1.0, 1), Passage(other, 1.0, 2)))


def test_markdown_has_the_question_a_section_per_point_and_numbered_sources() -> None:
    assert draft_markdown(_found()) == """# Ontwerp van antwoord

## Vraag

> Brug. - Renovatie
>
> 1. Is de brug veilig? 2. Wanneer? 3. Hoeveel reizigers?

## Punt 1

*Is de brug veilig?*

Het rapport besluit dat de brug veilig is. [\\[1\\]](#bron-1)

## Punt 2

*Wanneer start de renovatie?*

De renovatie start in 2018 \\*zeker\\*. [\\[2\\]](#bron-2)

## Punt 3

*Hoeveel reizigers?*

Geen eerder antwoord over dit punt.

## Bronnen

<a id="bron-1"></a>**[1]** r1, 2017-01-10, Minister van Mobiliteit

> Het rapport besluit dat de brug veilig is.

<a id="bron-2"></a>**[2]** Brug Lier (r3)

> De renovatie start in 2018 \\*zeker\\*.
"""


def _paragraphs(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in open_docx(io.BytesIO(data)).paragraphs]


def test_docx_has_headings_for_the_question_each_point_and_the_sources() -> None:
    assert _paragraphs(draft_docx(_found())) == [
        ("Title", "Ontwerp van antwoord"),
        ("Heading 1", "Vraag"),
        ("Quote", "Brug. - Renovatie"),
        ("Quote", "1. Is de brug veilig? 2. Wanneer? 3. Hoeveel reizigers?"),
        ("Heading 1", "Punt 1"),
        ("Normal", "Is de brug veilig?"),
        ("Normal", "Het rapport besluit dat de brug veilig is. [1]"),
        ("Heading 1", "Punt 2"),
        ("Normal", "Wanneer start de renovatie?"),
        ("Normal", "De renovatie start in 2018 *zeker*. [2]"),
        ("Heading 1", "Punt 3"),
        ("Normal", "Hoeveel reizigers?"),
        ("Normal", NO_EARLIER_ANSWER),
        ("Heading 1", "Bronnen"),
        ("Normal", "[1] r1, 2017-01-10, Minister van Mobiliteit"),
        ("Quote", "Het rapport besluit dat de brug veilig is."),
        ("Normal", "[2] Brug Lier (r3)"),
        ("Quote", "De renovatie start in 2018 *zeker*."),
    ]


def test_a_file_that_cannot_be_written_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "bestand").write_text("x")
    with pytest.raises(InputError) as error:
        write_draft(_found(), tmp_path / "bestand" / "ontwerp.docx", "docx")
    assert str(error.value) == f"kan {tmp_path / 'bestand' / 'ontwerp.docx'} niet schrijven: Not a directory"


# -- example questions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "subject", "made"), [
    ("Agentschap Binnenlands Bestuur (ABB) - Klanttevredenheidsonderzoek", "", "Klanttevredenheidsonderzoek"),
    ("Lijn Brussel-Luxemburg. - Technisch incident.", "", "Technisch incident"),
    ("Whatever", "Klanttevredenheid", "Klanttevredenheid"),
    ("", "", ""),
])
def test_subject_of(title: str, subject: str, made: str) -> None:
    assert subject_of(title, subject) == made


def test_example_questions_come_from_the_open_index(archive: Assistant, build_assistant: BuildAssistant) -> None:
    assert example_questions(archive.index) == []  # records without title or subject give none
    from support import CORPUS

    corpus = build_assistant([CORPUS], index_dir=archive.settings.index_dir.parent / "corpus-index")
    assert example_questions(corpus.index) == [
        "Klanttevredenheidsonderzoek bij Agentschap Binnenlands Bestuur?",
        "Klantentevredenheidsmeting bij Agentschap Integratie en Inburgering?",
        "Klanttevredenheid bij Agentschap Integratie en Inburgering?", "Klantentevredenheidsmeting bij Kind en Gezin?"]


def test_an_answer_numbered_as_the_question_answers_each_point_from_its_item(archive: Assistant) -> None:
    # Point 2 shares no word with item 2 ("Wanneer is het klaar?"): the numbering says where its answer is.
    question = ("Voetgangersbrug station Mechelen\n\n1. Is de voetgangersbrug aan het station veilig? "
                "2. Wanneer is het klaar?")
    found = find_similar(archive, question, k=3)
    assert [(s.point, [(line.text, line.n) for line in s.lines]) for s in found.sections] == [
        ("1", [("Het rapport besluit dat de voetgangersbrug veilig is.", 1)]),
        ("2", [("De renovatie van de voetgangersbrug start in het voorjaar van 2018 en duurt acht maanden.", 1)])]


def test_numbered_answers_need_the_same_items_as_the_question(archive: Assistant) -> None:
    from assistant.draft import numbered_answers

    index = archive.index
    assert list(numbered_answers(index, ["r1", "r3", "r4"], ["1", "2"])) == ["r1"]
    assert numbered_answers(index, ["r1"], ["1", "2", "3"]) == {}
    answer = numbered_answers(index, ["r1"], ["1", "2"])["r1"]
    assert answer.item_of("Het rapport besluit dat de voetgangersbrug veilig is.") == "1"
    assert answer.item_of("De renovatie van de voetgangersbrug start in het voorjaar van 2018") == "2"
    assert answer.item_of("Een zin die er niet staat.") == ""
