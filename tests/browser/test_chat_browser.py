"""The chat in a real browser, used as a person would: ask, click [1], filter, follow up, export, and a
hostile document that must show its `<script>` as text and run nothing."""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from playwright.sync_api import Locator, Page, expect

from assistant.apps.chat import EXAMPLES
from assistant.types import Answer

Served = Any  # conftest.Served: url, chat, app

pytestmark = pytest.mark.browser

AGII = "Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?"
KG = "Hoe meet Kind en Gezin de klanttevredenheid?"
WAIT = 30_000  # ms; an answer takes well under a second, a cold first one a few


def finished_answers(page: Page) -> Locator:
    return page.locator("#gesprek .answer:not(.pending):not(.streaming)")


def ask(page: Page, question: str) -> Locator:
    """Type the question, press Enter, wait for the whole answer; returns it."""
    before = finished_answers(page).count()
    box = page.locator("#vraag textarea")
    box.fill(question)
    box.press("Enter")
    expect(finished_answers(page)).to_have_count(before + 1, timeout=WAIT)
    return finished_answers(page).nth(before)


def words(text: str) -> str:
    return " ".join(text.split())


def open_page(page: Page, served: Served) -> list[str]:
    """Go to the chat; returns the list that collects every dialog (alert, confirm) the page opens."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(served.url)
    expect(page.locator("#vraag textarea")).to_be_visible(timeout=WAIT)
    return dialogs


def expected(served: Served, question: str, **filters: Any) -> Answer:
    assert served.chat.assistant is not None
    return served.chat.assistant.ask(question, **filters)


def test_empty_state_shows_example_questions_that_work(page: Page, corpus_chat: Served,
                                                       screenshot: Callable[[Page, str], Path]) -> None:
    examples = corpus_chat.chat.example_questions()  # from the open index's subject lines, not a fixed list
    assert examples == ["Klanttevredenheidsonderzoek bij Agentschap Binnenlands Bestuur?",
                        "Klantentevredenheidsmeting bij Agentschap Integratie en Inburgering?",
                        "Klanttevredenheid bij Agentschap Integratie en Inburgering?",
                        "Klantentevredenheidsmeting bij Kind en Gezin?"]
    open_page(page, corpus_chat)
    for example in examples:
        expect(page.locator("#gesprek").get_by_text(example, exact=True)).to_be_visible()
    screenshot(page, "leeg")
    page.locator("#gesprek").get_by_text(examples[0], exact=True).click()
    expect(finished_answers(page)).to_have_count(1, timeout=WAIT)
    assert expected(corpus_chat, examples[0]).citations, "the first example must be answered with a citation"
    expect(page.locator("#gesprek a.cite").first).to_be_visible()


def test_cited_answer_and_a_click_on_1_shows_the_passage_highlighted_in_its_document(
        page: Page, corpus_chat: Served, screenshot: Callable[[Page, str], Path]) -> None:
    truth = expected(corpus_chat, KG)
    assert truth.answered and truth.citations
    open_page(page, corpus_chat)
    answer = ask(page, KG)
    assert words(answer.locator(".answer-text").inner_text()) == words(truth.text)
    cards = page.locator("#bronnen ol.cards > li.card")
    expect(page.locator("#bronnen details.uncited ol.cards > li.card")).to_have_count(
        len(truth.passages) - len(truth.citations))
    expect(cards).to_have_count(len(truth.passages))  # the cited ones, and the uncited behind one click
    expect(page.locator("#bronnen mark")).to_have_count(0)

    first = truth.citations[0]
    answer.locator("a.cite", has_text=f"[{first.n}]").first.click()
    mark = page.locator("#bronnen .viewer mark")
    expect(mark).to_be_visible(timeout=WAIT)
    expect(mark).to_be_in_viewport()
    chunk = first.passage.chunk
    document = corpus_chat.chat.assistant.index.document(chunk.doc_id)  # type: ignore[union-attr]
    assert document is not None
    assert words(mark.inner_text()) == words(document.text[chunk.start:chunk.end])
    viewer = page.locator("#bronnen .viewer")
    assert words(viewer.locator("h3").inner_text()) == words(f"[{first.n}] {chunk.title}")
    meta = viewer.locator(".meta").inner_text()
    assert f"{chunk.agency} ({chunk.agency_short})" in meta and "Antwoord" in meta
    if chunk.item:
        assert f"punt {chunk.item}" in meta
    # the surrounding text is there too: the document goes on after the passage
    context = words(viewer.locator(".document").inner_text())
    assert len(context) > len(words(mark.inner_text())) + 200
    screenshot(page, "antwoord-met-bron")

    summary = page.locator("#bronnen details.uncited summary")
    if summary.count():
        summary.click()
        expect(page.locator("#bronnen details.uncited li.card").first).to_be_visible()


def choose(page: Page, dropdown: str, label: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=label, exact=True).click()
    page.keyboard.press("Escape")


def test_agency_filter_constrains_the_passages_and_the_answer_says_so(
        page: Page, corpus_chat: Served, screenshot: Callable[[Page, str], Path]) -> None:
    question = "Hoe wordt de klanttevredenheid gemeten?"
    truth = expected(corpus_chat, question, agencies=["Kind en Gezin"])
    open_page(page, corpus_chat)
    choose(page, "#filter-agentschap", "Kind en Gezin (K&G)")
    answer = ask(page, question)
    expect(answer.locator(".notice")).to_have_text("Filter toegepast: agentschap: Kind en Gezin.")
    assert words(answer.locator(".answer-text").inner_text()) == words(truth.text)
    metas = page.locator("#bronnen li.card .meta").all_text_contents()  # closed <details> too
    assert len(metas) == len(truth.passages) > 0
    assert all(m.startswith("Kind en Gezin (K&G)") for m in metas), metas
    screenshot(page, "filter-agentschap")


def test_follow_up_questions_carry_the_subject_and_show_what_was_searched(
        page: Page, corpus_chat: Served, screenshot: Callable[[Page, str], Path]) -> None:
    open_page(page, corpus_chat)
    first = ask(page, AGII)
    expect(first.locator(".searched")).to_have_count(0)
    second = ask(page, "En Kind en Gezin?")
    expect(second.locator(".searched")).to_have_text(f"Gezocht naar: {KG}")
    assert words(second.locator(".answer-text").inner_text()) == words(expected(corpus_chat, KG).text)
    third = ask(page, "Hoeveel respondenten waren er?")
    searched = "Hoeveel respondenten waren er bij Kind en Gezin?"
    expect(third.locator(".searched")).to_have_text(f"Gezocht naar: {searched}")
    assert words(third.locator(".answer-text").inner_text()) == words(expected(corpus_chat, searched).text)
    # a citation of an earlier answer still opens that answer's passage
    truth = expected(corpus_chat, AGII)
    first.locator("a.cite").first.click()
    expect(page.locator("#bronnen .viewer")).to_have_attribute("id", f"bron-0-{truth.citations[0].n}",
                                                               timeout=WAIT)
    screenshot(page, "vervolgvraag")


def test_comparison_comes_back_as_a_table_with_cited_cells(page: Page, corpus_chat: Served,
                                                           screenshot: Callable[[Page, str], Path]) -> None:
    question = EXAMPLES[3]
    truth = expected(corpus_chat, question)
    assert truth.comparison, "the comparison example must give a comparison"
    open_page(page, corpus_chat)
    answer = ask(page, question)
    rows = answer.locator("table.comparison tbody tr")
    expect(rows).to_have_count(len(truth.comparison))
    for i, row in enumerate(truth.comparison):
        cells = rows.nth(i).locator("td")
        assert cells.nth(0).inner_text().startswith(str(row["agency"]))
        assert words(cells.nth(1).inner_text()) == words(str(row["method"]))
        assert cells.nth(1).locator("a.cite").count() >= 1  # the method is cited
        assert cells.nth(3).locator("a.cite").all_inner_texts() == [f"[{n}]" for n in row["citations"]]
    screenshot(page, "vergelijking")


def exports_ready(page: Page, button: str = "#export-gesprek-md") -> None:
    """The exports follow an answer in an event of their own (ChatEvents.exports), which switches the buttons on."""
    expect(page.locator(f"{button} button, button{button}").first).to_be_enabled(timeout=WAIT)


def download(page: Page, button: str) -> Path:
    exports_ready(page, button)
    with page.expect_download(timeout=WAIT) as info:
        page.locator(button).click()
    path = info.value.path()
    assert path is not None
    return Path(path)


def test_export_latest_answer_and_conversation_as_markdown_and_docx(page: Page, corpus_chat: Served) -> None:
    open_page(page, corpus_chat)
    ask(page, AGII)
    # The first answer's exports are written before the next question is asked: they would otherwise race the
    # second question's (a click in that moment gets the first answer's file, which the buttons then replace).
    exports_ready(page)
    ask(page, "En Kind en Gezin?")
    conversation = download(page, "#export-gesprek-md").read_text(encoding="utf-8")
    assert "## Vraag 1\n\n> " + AGII in conversation
    assert "## Vraag 2\n\n> En Kind en Gezin?\n\n*Gezocht naar:* " + KG in conversation
    cited = set(re.findall(r"\]\(#(bron-\d+)\)", conversation))
    listed = re.findall(r'<a id="(bron-\d+)"></a>', conversation)
    assert cited and cited == set(listed) and len(listed) == len(set(listed))
    sources = conversation.split("## Bronnen", 1)[1]
    for turn_question in (AGII, KG):
        for citation in expected(corpus_chat, turn_question).citations:
            assert words(citation.passage.chunk.text)[:80] in words(sources.replace("\\", ""))

    latest = download(page, "#export-antwoord-md").read_text(encoding="utf-8")
    assert "## Vraag 2" in latest and "## Vraag 1" not in latest

    doc = open_docx(io.BytesIO(download(page, "#export-gesprek-docx").read_bytes()))
    body = doc.element.body
    anchors = {h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))}
    bookmarks = [b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))]
    assert anchors and anchors == set(bookmarks) and len(bookmarks) == len(listed)
    texts = [p.text for p in doc.paragraphs]
    assert AGII in texts and "Bronnen" in texts


def test_bad_questions_get_a_clear_message_in_the_chat(page: Page, corpus_chat: Served) -> None:
    open_page(page, corpus_chat)
    page.locator("#vraag textarea").press("Enter")
    expect(page.locator("#gesprek .answer.error")).to_have_text("Fout: De vraag is leeg: stel een vraag.",
                                                                 timeout=WAIT)
    page.locator("#vraag textarea").fill("woord " * 4_000)
    page.locator("#vraag textarea").press("Enter")
    expect(page.locator("#gesprek .answer.error").nth(1)).to_contain_text("de limiet is 20.000 tekens",
                                                                          timeout=WAIT)


def test_missing_index_is_explained_in_the_chat(page: Page, missing_index_chat: Served) -> None:
    open_page(page, missing_index_chat)
    expect(page.locator("#probleem")).to_contain_text("Er is geen index in")
    ask(page, KG)
    expect(page.locator("#gesprek .answer.error")).to_contain_text("Er is geen index in")


def test_hostile_document_shows_its_markup_as_text_and_runs_nothing(
        page: Page, hostile_chat: Served, screenshot: Callable[[Page, str], Path]) -> None:
    dialogs = open_page(page, hostile_chat)
    page.locator("#filter-agentschap input").click()
    expect(page.get_by_role("option", name="Testagentschap <img src=x onerror=alert(1)> (TEST)")).to_be_visible()
    page.keyboard.press("Escape")
    answer = ask(page, "Hoe meet het Testagentschap de klanttevredenheid?")
    expect(answer.locator(".answer-text")).to_contain_text("enquête <script>alert(1)</script> bij al zijn klanten")
    answer.locator("a.cite").first.click()
    viewer = page.locator("#bronnen .viewer")
    expect(viewer.locator("mark")).to_be_visible(timeout=WAIT)
    expect(viewer.locator("h3")).to_contain_text("Testagentschap <script>alert(1)</script> - Klanttevredenheid")
    expect(viewer.locator(".document")).to_contain_text("rapport <img src=x onerror=alert(1)> op de website")
    expect(viewer.locator(".meta")).to_contain_text("Testagentschap <img src=x onerror=alert(1)> (TEST)")
    ask(page, "<img src=x onerror=alert(1)><script>alert(2)</script>")
    expect(page.locator("#gesprek .question").last).to_have_text(
        "<img src=x onerror=alert(1)><script>alert(2)</script>")
    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0
    # No <script> element made from the text (the page's config script holds the names JSON-escaped: \u003c).
    assert page.evaluate(
        "[...document.scripts].filter(s => /^\\s*alert\\(\\d\\)\\s*$/.test(s.textContent)).length") == 0
    assert page.locator("#gesprek script, #bronnen script").count() == 0
    screenshot(page, "onveilig-document")
