"""The "Eerder gevraagd?" tab in a real browser: paste a written question, get the earlier answers one a row (copies
of one answer in one row, its members a click away) with the rare matching words marked, a draft with a section
per point whose [n] jumps to its source, exported as DOCX; a hostile document stays text."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from docx import Document as open_docx

from assistant.similar import NO_EARLIER_ANSWER, find_similar

Served = Any  # conftest.Served: url, chat, app

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms
QUESTION = ("Klanttevredenheid. - Meting\n\n1. Hoe meet het agentschap de klanttevredenheid van zijn klanten? "
            "2. Welke software gebruikt het daarvoor?")


def open_tab(page: Page, served: Served) -> list[str]:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served.url)
    page.get_by_role("tab", name="Eerder gevraagd?").click()
    expect(page.locator("#similar-vraag textarea")).to_be_visible(timeout=WAIT)
    return dialogs


def search(page: Page, question: str) -> None:
    page.locator("#similar-vraag textarea").fill(question)
    page.locator("#similar-zoek").click()


def test_similar_tab_lists_documents_in_the_order_of_the_core_and_marks_matching_words(
        page: Page, corpus_chat: Served) -> None:
    open_tab(page, corpus_chat)
    search(page, QUESTION)
    rows = page.locator("#similar-resultaat tr.document")
    expect(rows).to_have_count(5, timeout=WAIT)
    want = find_similar(corpus_chat.chat.assistant, QUESTION, k=5)
    assert [rows.nth(i).get_attribute("data-doc-id") for i in range(5)] == [d.doc_id for d in want.documents]
    first = rows.nth(0)
    expect(first.locator("td.title")).to_contain_text(want.documents[0].title)
    marked = [m.lower() for m in first.locator("td.passage mark").all_inner_texts()]
    doc = want.documents[0]
    assert marked == [doc.passage.chunk.text[s:e].lower() for s, e in doc.highlights]


def test_draft_citation_jumps_to_its_source_passage(page: Page, corpus_chat: Served) -> None:
    open_tab(page, corpus_chat)
    search(page, QUESTION)
    want = find_similar(corpus_chat.chat.assistant, QUESTION, k=5)
    assert want.draft, "the shipped corpus answers this question: the draft has lines"
    lines = page.locator("#similar-resultaat ul.lines li")
    expect(lines).to_have_count(len(want.draft), timeout=WAIT)
    expect(lines.nth(0)).to_contain_text(want.draft[0].text)
    lines.nth(0).locator("a.similar-cite").click()
    n = want.draft[0].n
    assert page.evaluate("location.hash") == f"#similar-bron-{n}"
    source = page.locator(f"#similar-bron-{n}")
    expect(source).to_contain_text(want.sources[n - 1].chunk.text[:60])
    expect(source).to_be_in_viewport()


def test_empty_question_is_a_message_not_a_crash(page: Page, corpus_chat: Served) -> None:
    open_tab(page, corpus_chat)
    search(page, "   ")
    expect(page.locator("#similar-resultaat .error")).to_have_text("De vraag is leeg: stel een vraag", timeout=WAIT)


def test_hostile_document_is_shown_as_text(page: Page, hostile_chat: Served) -> None:
    dialogs = open_tab(page, hostile_chat)
    search(page, "Hoe meet het Testagentschap de klanttevredenheid?")
    row = page.locator("#similar-resultaat tr.document").first
    expect(row).to_be_visible(timeout=WAIT)
    expect(row.locator("td.title")).to_contain_text("<script>alert(1)</script>")
    expect(row.locator("td.agency")).to_contain_text("<img src=x onerror=alert(1)>")
    assert page.locator("#similar-resultaat script, #similar-resultaat img").count() == 0
    assert dialogs == []


def test_missing_index_is_a_message(page: Page, missing_index_chat: Served) -> None:
    open_tab(page, missing_index_chat)
    search(page, QUESTION)
    expect(page.locator("#similar-resultaat .error")).to_contain_text("index", timeout=WAIT)


DESK_QUESTION = ("Voetgangersbrug station Mechelen. - Renovatie\n\n1. Is de voetgangersbrug aan het station veilig? "
                 "2. Wanneer start de renovatie van de voetgangersbrug?3. Hoeveel liften worden er geplaatst?")


def test_a_multi_point_question_gives_grouped_rows_a_section_per_point_and_a_docx(
        page: Page, desk_chat: Served, screenshot: Callable[[Page, str], Path]) -> None:
    open_tab(page, desk_chat)
    search(page, DESK_QUESTION)
    rows = page.locator("#similar-resultaat tr.document")
    expect(rows).to_have_count(3, timeout=WAIT)  # r1 and its copy r2 are one row
    assert [rows.nth(i).get_attribute("data-doc-id") for i in range(3)] == ["r1", "r3", "r4"]
    assert [rows.nth(i).get_attribute("data-copies") for i in range(3)] == ["1", "0", "0"]
    copies = rows.nth(0).locator("details.copies")
    expect(copies.locator("li")).to_be_hidden()
    copies.locator("summary").click()  # one click to the members who received the same answer
    expect(copies.locator("summary")).to_have_text("Zelfde antwoord aan 2 leden")
    expect(copies.locator("li")).to_have_text("r2 2017-01-12, Janssens")

    sections = page.locator("#similar-resultaat section.point")
    expect(sections).to_have_count(3)
    assert [sections.nth(i).get_attribute("data-point") for i in range(3)] == ["1", "2", "3"]
    expect(sections.nth(0).locator("li")).to_have_text("Het rapport besluit dat de voetgangersbrug veilig is. [1]")
    expect(sections.nth(1).locator("li")).to_have_text(
        "De renovatie van de voetgangersbrug start in het voorjaar van 2018 en duurt acht maanden. [1]")
    expect(sections.nth(2).locator("p.no-answer")).to_have_text(NO_EARLIER_ANSWER)
    expect(sections.nth(2).locator("li")).to_have_count(0)
    expect(page.locator("#similar-resultaat ol.sources li")).to_have_count(1)
    screenshot(page, "eerder-gevraagd")

    with page.expect_download(timeout=WAIT) as download:
        page.locator("#similar-docx").click()
    paragraphs = [(p.style.name, p.text) for p in open_docx(io.BytesIO(download.value.path().read_bytes())).paragraphs]
    assert [text for style, text in paragraphs if style == "Heading 1"] == [
        "Vraag", "Punt 1", "Punt 2", "Punt 3", "Bronnen"]
    after = [text for _, text in paragraphs[paragraphs.index(("Heading 1", "Punt 3")) + 1:]]
    assert after[:4] == ["Hoeveel liften worden er geplaatst?", NO_EARLIER_ANSWER, "Bronnen",
                         "[1] r1, 2017-01-10, Minister van Mobiliteit"]
    want = find_similar(desk_chat.chat.assistant, DESK_QUESTION, k=5)
    assert after[4:] == [" ".join(want.sources[0].chunk.text.split())]


def test_the_minister_filter_and_dates_narrow_the_rows(page: Page, desk_chat: Served) -> None:
    open_tab(page, desk_chat)
    page.locator("#similar-van textarea, #similar-van input").first.fill("2017-01-11")
    search(page, DESK_QUESTION)
    rows = page.locator("#similar-resultaat tr.document")
    expect(rows).to_have_count(3, timeout=WAIT)
    assert [rows.nth(i).get_attribute("data-doc-id") for i in range(3)] == ["r2", "r3", "r4"]
    page.locator("#similar-minister input").click()
    page.get_by_role("option", name="Minister van Binnenlandse Zaken").click()
    page.locator("#similar-zoek").click()
    expect(rows).to_have_count(1, timeout=WAIT)
    expect(rows.nth(0)).to_have_attribute("data-doc-id", "r4")
