"""Files dropped on the chat page go through the ingest pipeline and are searchable right after."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from playwright.sync_api import Page, expect

from assistant.apps.chat import Chat, launch
from assistant.core import Assistant
from assistant.settings import Settings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60_000

UPLOADED = """---
title: "Agentschap Wegen en Verkeer (AWV) - Klantenbevraging"
agency: Agentschap Wegen en Verkeer
agency_short: AWV
---
## Vraag

Hoe meet het Agentschap Wegen en Verkeer de tevredenheid van weggebruikers?

## Antwoord

Het agentschap bevraagt weggebruikers telefonisch. In 2023 werden 4.321 weggebruikers gebeld.
"""


@pytest.fixture(scope="module")
def upload_chat(tmp_path_factory: pytest.TempPathFactory, chat_embedder: Embeddings) -> Iterator[tuple[str, Chat]]:
    folder = tmp_path_factory.mktemp("upload")
    assistant = Assistant.open(Settings(index_dir=folder / "index", default_index=False), embedder=chat_embedder,
                               create=True)
    assistant.ingest([ROOT / "corpus" / "kg-klantentevredenheidsmeting.md"])
    chat = Chat(assistant, export_dir=folder / "exports")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = launch(chat, port=port, block=False)
    yield f"http://127.0.0.1:{port}/", chat
    app.close()


def test_uploaded_files_are_ingested_with_a_line_each_and_searchable_right_after(
        page: Page, upload_chat: tuple[str, Chat], tmp_path: Path) -> None:
    url, chat = upload_chat
    good = tmp_path / "awv-klantenbevraging.md"
    good.write_text(UPLOADED, encoding="utf-8")
    broken = tmp_path / "kapot.txt"
    broken.write_bytes(b"\x00\x01\x02 binary \x00")
    page.goto(url)
    page.get_by_text("Documenten toevoegen").click()
    page.locator("#upload-bestanden input[type=file]").set_input_files([str(good), str(broken)])
    expect(page.locator("#upload-bestanden")).to_contain_text("kapot", timeout=WAIT)  # name and suffix apart
    page.locator("#upload-knop").click()
    status = page.locator("#upload-status")
    expect(status).to_contain_text("Klaar: 1 toegevoegd", timeout=WAIT)
    expect(status).to_contain_text("1 mislukt")
    expect(status.locator("li.upload-error")).to_contain_text("kapot.txt: mislukt")
    expect(status).to_contain_text("awv-klantenbevraging.md: 1 toegevoegd")
    page.locator("#vraag textarea").fill("Hoeveel weggebruikers werden in 2023 gebeld?")
    page.locator("#vraag-knop").click()
    answer = page.locator("#gesprek .answer-text").last
    expect(answer).to_contain_text("4.321 weggebruikers", timeout=WAIT)
    expect(answer.locator("a.cite").first).to_be_visible()
    assert chat.assistant is not None
    assert "awv-klantenbevraging" in chat.assistant.index.document_ids()
