"""The chat served for real, driven in Debian's headless Chromium through pytest-playwright.

Three servers start once per session, each in a thread on a free localhost port: the shipped corpus,
an index holding a document full of `<script>` and `<img onerror>`, and a chat whose index is missing.
They share one embedding model. `playwright install` cannot download browsers here, so the browser is
/usr/bin/chromium (`apt-get install chromium`, done by .ci/run), launched with networking kept to
127.0.0.1.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from langchain_core.embeddings import Embeddings
from support import DESK_RECORDS, free_port, write_records

from assistant.apps.chat import Chat, launch, open_chat
from assistant.core import Assistant
from assistant.settings import BUNDLED_MODEL, Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
HOSTILE_DOCUMENT = """---
id: test-onveilig
title: "Testagentschap <script>alert(1)</script> - Klanttevredenheid"
agency: "Testagentschap <img src=x onerror=alert(1)>"
agency_short: "TEST"
---
## Vraag

Hoe meet het Testagentschap de klanttevredenheid van zijn klanten?

## Antwoord

Het Testagentschap meet de klanttevredenheid met een jaarlijkse enquête <script>alert(1)</script> bij al
zijn klanten. De resultaten verschijnen elk jaar in een rapport <img src=x onerror=alert(1)> op de website.
"""


@dataclass
class Served:
    url: str
    chat: Chat
    app: gr.Blocks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"the browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "accept_downloads": True,
            "locale": "nl-BE"}


@pytest.fixture(scope="session")
def chat_embedder(request: pytest.FixtureRequest) -> Embeddings:
    """The bundled model: the session's `real_embedder` where tests/conftest.py has one, else loaded here."""
    try:
        return request.getfixturevalue("real_embedder")  # type: ignore[no-any-return]
    except pytest.FixtureLookupError:
        from assistant.search.embed import load_embedder

        return load_embedder(BUNDLED_MODEL)


def _serve(chat: Chat) -> Served:
    port = free_port()
    app = launch(chat, port=port, block=False)
    return Served(f"http://127.0.0.1:{port}/", chat, app)


def _index(folder: Path, embedder: Embeddings, paths: list[Path]) -> Assistant:
    assistant = Assistant.open(Settings(index_dir=folder, default_index=False), embedder=embedder, create=True)
    result = assistant.ingest(paths)
    assert result.failures == (), result.failures
    return assistant


@pytest.fixture(scope="session")
def corpus_chat(tmp_path_factory: pytest.TempPathFactory, chat_embedder: Embeddings) -> Iterator[Served]:
    assistant = _index(tmp_path_factory.mktemp("corpus-index"), chat_embedder, [ROOT / "corpus"])
    served = _serve(Chat(assistant, export_dir=tmp_path_factory.mktemp("exports")))
    yield served
    served.app.close()


@pytest.fixture(scope="session")
def hostile_chat(tmp_path_factory: pytest.TempPathFactory, chat_embedder: Embeddings) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "onveilig.md").write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    assistant = _index(folder / "index", chat_embedder, [folder / "onveilig.md"])
    served = _serve(Chat(assistant, export_dir=folder / "exports"))
    yield served
    served.app.close()


@pytest.fixture(scope="session")
def desk_chat(tmp_path_factory: pytest.TempPathFactory, chat_embedder: Embeddings) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("desk")
    assistant = _index(folder / "index", chat_embedder, [write_records(folder / "archief.jsonl", DESK_RECORDS)])
    served = _serve(Chat(assistant, export_dir=folder / "exports"))
    yield served
    served.app.close()


@pytest.fixture(scope="session")
def missing_index_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("nothing") / "index", default_index=False)
    served = _serve(open_chat(settings))
    yield served
    served.app.close()


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Any, str], Path]:
    """screenshot(page, name): into docs/screenshots/ when UPDATE_SCREENSHOTS=1, else a temporary folder."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path

    def take(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
