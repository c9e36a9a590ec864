"""Sign-in in a real browser: log in (a wrong password first), ask, open the filters, the sources panel and the
export, follow up. The user of another group gets no trace of the kabinet's document; its owner gets all of it,
and their thumbs down on the answer lands in the feedback log. The real model over the corpus plus one document
per group (auth_support.py), served with sign-in on a free loopback port."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_support import PASSWORDS, SECRET_AGENCY, SECRET_ID, SECRET_WORD, Server, build_index, signed_in_server
from langchain_core.embeddings import Embeddings
from playwright.sync_api import Page, expect

from assistant.auth.access import BAD_PASSWORD

pytestmark = pytest.mark.browser

WAIT = 30_000
SECRET_QUESTION = f"Hoe tevreden is men over de {SECRET_WORD}?"
KG = "Hoe meet Kind en Gezin de klanttevredenheid?"
FOLLOW_UP = f"En {SECRET_AGENCY}?"
# Of an's document only the owner may see its figures, its title, its id and its agency's short form.
TRACES = ("91 procent", "37 respondenten", f"Nota over de {SECRET_WORD}", SECRET_ID, "KTZ")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, chat_embedder: Embeddings) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("signed-in")
    with signed_in_server(build_index(folder, chat_embedder), folder) as server:
        yield server


def sign_in(page: Page, served: Server, name: str) -> None:
    page.goto(served.url + "/")
    expect(page).to_have_url(served.url + "/login")
    page.locator("#username").fill(name)
    page.locator("#password").fill(PASSWORDS[name])
    page.locator("#aanmelden").click()
    expect(page.locator("#vraag textarea")).to_be_visible(timeout=WAIT)
    expect(page.locator("#aangemeld")).to_contain_text(f"Aangemeld als {name}", timeout=WAIT)


def ask(page: Page, question: str) -> Any:
    answers = page.locator("#gesprek .answer:not(.pending):not(.streaming)")
    before = answers.count()
    page.locator("#vraag textarea").fill(question)
    page.locator("#vraag textarea").press("Enter")
    expect(answers).to_have_count(before + 1, timeout=WAIT)
    return answers.nth(before)


def options(page: Page, dropdown: str) -> list[str]:
    page.locator(f"{dropdown} input").click()
    expect(page.get_by_role("option").first).to_be_visible(timeout=WAIT)
    shown = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return [" ".join(o.split()) for o in shown]


def export(page: Page) -> str:
    button = page.locator("#export-gesprek-md")
    expect(page.locator("#export-gesprek-md button, button#export-gesprek-md").first).to_be_enabled(timeout=WAIT)
    with page.expect_download(timeout=WAIT) as info:
        button.click()
    return Path(str(info.value.path())).read_text(encoding="utf-8")


def test_a_wrong_password_is_told_on_the_login_page(page: Page, served: Server) -> None:
    page.goto(served.url + "/")
    page.locator("#username").fill("bert")
    page.locator("#password").fill("fout-wachtwoord")
    page.locator("#aanmelden").click()
    expect(page.locator("#fout")).to_have_text(BAD_PASSWORD)
    expect(page.locator("#username")).to_have_value("bert")


def test_another_group_gets_no_trace_of_the_document(page: Page, served: Server,
                                                     screenshot: Callable[[Page, str], Path]) -> None:
    sign_in(page, served, "bert")
    agencies = options(page, "#filter-agentschap")
    assert agencies == ["Agentschap Binnenlands Bestuur (ABB)", "Agentschap Integratie en Inburgering (AgII)",
                        "Departement Werk en Sociale Economie (WSE)", "Financien Testdienst (FTD)",
                        "Kind en Gezin (K&G)"]
    documents = options(page, "#filter-document")
    assert "Nota over de pelikaanbegroting" in documents and not [d for d in documents if SECRET_WORD in d]

    answer = ask(page, SECRET_QUESTION)
    expect(answer).not_to_contain_text("91 procent")
    ask(page, KG)
    follow_up = ask(page, FOLLOW_UP)
    expect(follow_up.locator(".searched")).to_contain_text(f"Hoe meet {SECRET_AGENCY} de klanttevredenheid?")
    panel = page.locator("#bronnen").inner_text()
    for uncited in page.locator("#bronnen details.uncited summary").all():
        uncited.click()
    panel += page.locator("#bronnen").inner_html()
    conversation = export(page)
    screenshot(page, "aangemeld-andere-groep")
    for shown in (panel, conversation, page.locator("#gesprek").inner_text()):
        assert [trace for trace in TRACES if trace in shown] == []
    assert SECRET_WORD not in panel


def test_the_owner_gets_it_and_a_thumbs_down_is_stored(page: Page, served: Server) -> None:
    sign_in(page, served, "an")
    assert f"{SECRET_AGENCY} (KTZ)" in options(page, "#filter-agentschap")
    assert f"Nota over de {SECRET_WORD}" in options(page, "#filter-document")
    answer = ask(page, SECRET_QUESTION)
    expect(answer.locator(".answer-text")).to_contain_text("91 procent")
    answer.locator("a.cite").first.click()
    expect(page.locator("#bronnen .viewer mark")).to_contain_text(SECRET_WORD, timeout=WAIT)
    assert "91 procent" in export(page)

    before = len(list(served.audit.rows("feedback")))
    page.locator("#gesprek").get_by_role("button", name=re.compile("^(Vind ik niet leuk|Dislike)$")).last.click()
    comment = page.locator("#feedback-toelichting textarea")
    expect(comment).to_be_visible(timeout=WAIT)
    comment.fill("Het cijfer klopt niet.")
    comment.press("Enter")
    expect(comment).to_be_hidden(timeout=WAIT)
    rows = list(served.audit.rows("feedback"))
    assert len(rows) == before + 1
    assert {k: rows[-1][k] for k in ("user", "channel", "rating", "comment", "question")} == {
        "user": "an", "channel": "chat", "rating": -1, "comment": "Het cijfer klopt niet.", "question": SECRET_QUESTION}
    assert rows[-1]["citations"][0]["doc_id"] == SECRET_ID
    asked = [r for r in served.audit.rows("asks") if r["channel"] == "chat"]
    assert any((r["user"], r["question"], r["documents"]) == ("an", SECRET_QUESTION, [SECRET_ID]) for r in asked)
