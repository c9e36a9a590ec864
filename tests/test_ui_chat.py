"""ui.Chat without a browser: the events the page calls, over a real index of the corpus (tiny embedder)."""
from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest
from langchain_core.embeddings import Embeddings

from assistant.apps.chat import STREAM_STEPS, Chat, Session, open_chat
from assistant.apps.render import render_answer, stream_steps
from assistant.core import Assistant
from assistant.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
AGII = "Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?"


class WordHashEmbedder(Embeddings):
    """Words hashed into 32 dimensions: deterministic, no model."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * 32
        for word in re.findall(r"\w+", text.casefold()):
            vector[hashlib.sha256(word.encode()).digest()[0] % 32] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    settings = Settings(index_dir=tmp_path_factory.mktemp("chat-index"), default_index=False)
    opened = Assistant.open(settings, embedder=WordHashEmbedder(), create=True)
    opened.ingest([CORPUS])
    return opened


@pytest.fixture
def chat(assistant: Assistant, tmp_path: Path) -> Chat:
    return Chat(assistant, export_dir=tmp_path / "exports")


def run(chat: Chat, message: str, session: Session | None = None, agencies: list[str] | None = None,
        doc_ids: list[str] | None = None) -> list[tuple]:
    return list(chat.respond(message, session or Session(), agencies or [], doc_ids or []))


def test_an_answer_streams_then_lands_with_its_sources(chat: Chat, assistant: Assistant) -> None:
    steps = run(chat, AGII)
    expected = assistant.ask(AGII)
    assert "Zoeken…" in steps[0][0][-1]["content"]
    assert len(steps) == 1 + len(stream_steps(expected.text, most=STREAM_STEPS))  # "searching", growing text, whole
    messages, box, session, panel, *downloads = steps[-1]
    assert [d["interactive"] for d in steps[0][4:]] == [False] * 4  # no stale export while answering
    assert downloads == [gr.skip()] * 4
    assert box == ""
    assert messages == [
        {"role": "user", "content": f'<div class="question">{AGII}</div>'},
        {"role": "assistant", "content": render_answer(expected, 0, AGII)},
    ]
    assert session.turns[0].answer == expected and session.messages == tuple(messages)
    for citation in expected.citations:
        assert f'id="kaart-0-{citation.n}"' in panel


def test_exports_follow_each_answer(chat: Chat) -> None:
    first = run(chat, AGII)[-1][2]
    second = run(chat, "En Kind en Gezin?", first)[-1][2]
    downloads = chat.exports(second)
    paths = [Path(d["value"]) for d in downloads]
    assert all(d["interactive"] is True for d in downloads) and all(p.exists() for p in paths)
    assert [p.suffix for p in paths] == [".md", ".docx", ".md", ".docx"]
    assert paths[0].name.startswith("antwoord-2-") and paths[2].name.startswith("gesprek-")
    latest, everything = paths[0].read_text(encoding="utf-8"), paths[2].read_text(encoding="utf-8")
    assert "## Vraag 2" in latest and "## Vraag 1" not in latest
    assert "## Vraag 1" in everything and "## Vraag 2" in everything
    assert [d["interactive"] for d in chat.exports(Session())] == [False] * 4


@pytest.mark.parametrize("message, shown", [
    ("   ", "De vraag is leeg: stel een vraag."),
    ("x" * 20_001, "De vraag is 20.001 tekens lang; de limiet is 20.000 tekens: kort ze in."),
])
def test_bad_questions_get_a_message_in_the_chat(chat: Chat, message: str, shown: str) -> None:
    steps = run(chat, message)
    assert len(steps) == 1
    messages, _, session, *_ = steps[0]
    assert messages[-1] == {"role": "assistant", "content": f'<div class="answer error"><b>Fout:</b> {shown}</div>'}
    assert session.turns == ()


def test_without_an_index_every_question_says_so(tmp_path: Path) -> None:
    chat = open_chat(Settings(index_dir=tmp_path / "geen-index", default_index=False))
    assert chat.assistant is None
    messages = run(chat, "Hoe meet Kind en Gezin de klanttevredenheid?")[-1][0]
    assert messages[-1]["content"].startswith(f'<div class="answer error"><b>Fout:</b> Er is geen index in '
                                              f'{tmp_path / "geen-index"}.')


def test_follow_up_is_searched_with_the_subject_carried_over(chat: Chat) -> None:
    session = run(chat, AGII)[-1][2]
    messages, _, session, *_ = run(chat, "En Kind en Gezin?", session)[-1]
    assert session.turns[1].searched == "Hoe meet Kind en Gezin de klanttevredenheid?"
    assert "Gezocht naar: <q>Hoe meet Kind en Gezin de klanttevredenheid?</q>" in messages[-1]["content"]
    assert len(messages) == 4


def test_words_typed_as_a_search_of_their_own_keep_no_subject(chat: Chat) -> None:
    session = run(chat, AGII)[-1][2]
    messages, _, session, *_ = run(chat, "tevredenheid website", session)[-1]
    assert session.turns[1].searched == "tevredenheid website"
    assert "Gezocht naar:" not in messages[-1]["content"]


def test_agency_filter_limits_the_passages_and_is_reported(chat: Chat) -> None:
    session = run(chat, "Hoe wordt de klanttevredenheid gemeten?", agencies=["Kind en Gezin"])[-1][2]
    answer = session.turns[0].answer
    assert {p.chunk.agency for p in answer.passages} == {"Kind en Gezin"}
    assert "Filter toegepast: agentschap: Kind en Gezin." in session.messages[-1]["content"]


def test_a_clicked_citation_opens_its_passage(chat: Chat) -> None:
    session = run(chat, AGII)[-1][2]
    panel = chat.open_citation(session, gr.EventData(None, {"target": "#bron-0-1"}))
    chunk = session.turns[0].answer.passages[0].chunk
    assert '<section class="viewer" id="bron-0-1">' in panel
    assert '<mark id="geciteerd">' in panel
    assert chunk.text.split()[0] in panel.split('<mark id="geciteerd">')[1]


@pytest.mark.parametrize("target", ["#bron-5-1", "#bron-0-x", "javascript:alert(1)", ""])
def test_a_citation_outside_the_conversation_changes_nothing(chat: Chat, target: str) -> None:
    session = run(chat, AGII)[-1][2]
    assert chat.open_citation(session, gr.EventData(None, {"target": target})) == gr.skip()


def test_document_filter_choices_follow_the_agency_filter(chat: Chat) -> None:
    assert [doc_id for _, doc_id in chat.document_choices(["Agentschap Integratie en Inburgering"])] == [
        "agii-klanttevredenheid", "agii-klantentevredenheidsmeting"]  # by title: "(AgII) - ..." before " - ..."
    update = chat.filter_documents(["Kind en Gezin"], ["kg-klantentevredenheidsmeting", "agii-klanttevredenheid"])
    assert update["value"] == ["kg-klantentevredenheidsmeting"]
    assert [label for label, _ in chat.agency_choices()] == [
        "Agentschap Binnenlands Bestuur (ABB)", "Agentschap Integratie en Inburgering (AgII)",
        "Departement Werk en Sociale Economie (WSE)", "Kind en Gezin (K&G)"]


def test_new_conversation_forgets_everything(chat: Chat) -> None:
    messages, box, session, panel, *downloads = chat.new_conversation()
    assert [d["interactive"] for d in downloads] == [False] * 4
    assert (messages, box, session) == ([], "", Session())
    assert "Klik op een [n]" in panel


def test_exports_of_an_earlier_turn_do_not_come_back_once_the_tab_asks_again(chat: Chat) -> None:
    tab = SimpleNamespace(session_hash="tab-1")
    first = list(chat.respond(AGII, Session(), [], [], tab))[-1][2]
    second_question = chat.respond("En Kind en Gezin?", first, [], [], tab)
    next(second_question)  # the question is under way: buttons off
    assert chat.exports(first, tab) == [gr.skip()] * 4  # turn 1's export finishing late changes nothing
    assert chat.exports(first, SimpleNamespace(session_hash="other-tab"))[0]["interactive"] is True
    second = list(second_question)[-1][2]
    assert Path(chat.exports(second, tab)[0]["value"]).name.startswith("antwoord-2-")
