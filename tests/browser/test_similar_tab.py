"""The "Eerder gevraagd?" tab in a real browser: paste a written question, get the earlier documents one a row
with the matching words marked, a draft whose [n] jumps to its source; a hostile document stays text."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from assistant.similar import find_similar

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
    assert marked  # the best passage shares words with the question


def test_draft_citation_jumps_to_its_source_passage(page: Page, corpus_chat: Served) -> None:
    open_tab(page, corpus_chat)
    search(page, QUESTION)
    want = find_similar(corpus_chat.chat.assistant, QUESTION, k=5)
    assert want.draft, "the shipped corpus answers this question: the draft has lines"
    lines = page.locator("#similar-resultaat ul.draft li")
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
