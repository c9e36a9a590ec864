"""The OpenAI-compatible API (apps/openai_api.py) through the official `openai` package against real servers on
loopback: an open one over the shipped corpus, and a signed-in one with two users in two groups (auth_support.py).
Real Chroma and BM25, the hash embedder."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from auth_support import BERT_ID, SECRET_AGENCY, SECRET_ID, SECRET_WORD, Server, build_index, signed_in_server
from support import CORPUS, HashEmbedder, open_assistant, serving

from assistant.apps.api import create_app
from assistant.apps.chat import Chat, web_app
from assistant.apps.openai_api import (
    message_text,
    question_and_history,
    reply_text,
    slug,
    sources_list,
    stream_pieces,
)
from assistant.auth.access import BAD_TOKEN, NOT_SIGNED_IN
from assistant.core import Assistant
from assistant.types import Answer, Chunk, Citation, Passage

QUESTION = "Hoe meet Kind en Gezin de klanttevredenheid?"
AGII_QUESTION = "Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?"
UNANSWERED = "Wat is de hoofdstad van Peru?"
MODELS = ["parlementaire-vragen", "parlementaire-vragen/collectie/openbaar", "parlementaire-vragen/agentschap/abb",
          "parlementaire-vragen/agentschap/agii", "parlementaire-vragen/agentschap/wse",
          "parlementaire-vragen/agentschap/kg"]


# -- pure parts -----------------------------------------------------------------------------------------------


def _passage(n: int, text: str, **metadata: Any) -> Passage:
    chunk = Chunk(id=f"c{n}", doc_id=f"d{n}", text=text, start=0, end=len(text), title=f"Titel {n}",
                  metadata=metadata)
    return Passage(chunk, 1.0, n)


def test_the_bronnen_list_names_number_title_agency_date_and_opening_words() -> None:
    first = _passage(1, "een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien", agency="ABB",
                     date="2024-03-01")
    second = _passage(2, "Kort.", department="Departement Omgeving")
    answer = Answer("v", True, "Zo [1], en zo [2].", (Citation(1, first), Citation(2, second)), (first, second))
    assert sources_list(answer) == ("Bronnen:\n"
                                    "- [1] Titel 1 (ABB, 2024-03-01): \"een twee drie vier vijf zes zeven acht negen "
                                    "tien elf twaalf …\"\n"
                                    "- [2] Titel 2 (Departement Omgeving): \"Kort.\"")
    assert reply_text(answer) == "Zo [1], en zo [2].\n\n" + sources_list(answer)


def test_an_answer_without_text_or_citations_is_never_an_empty_reply() -> None:
    assert reply_text(Answer("v", False, "")) == "De documenten beantwoorden deze vraag niet."
    assert reply_text(Answer("v", False, "Niet gevonden.")) == "Niet gevonden."


@pytest.mark.parametrize("text", ["", "een", "een twee", " een  twee\n\ndrie ", "[1] en\t[2]."])
def test_streamed_pieces_join_into_the_text(text: str) -> None:
    assert "".join(stream_pieces(text)) == text
    assert all(piece.strip() for piece in stream_pieces(text)[1:])


def test_a_long_text_streams_in_at_most_forty_pieces() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    pieces = stream_pieces(text)
    assert (len(pieces), pieces[0], pieces[-1]) == (34, "w0 w1 w2 ", "w99")
    assert "".join(pieces) == text
    assert stream_pieces("een twee drie", most=2) == ["een twee ", "drie"]


@pytest.mark.parametrize(("content", "text"), [
    ("Hoe?", "Hoe?"),
    ([{"type": "text", "text": "Hoe meet"}, {"type": "image_url", "image_url": {"url": "x"}},
      {"type": "text", "text": "ABB dat?"}], "Hoe meet\nABB dat?"),
    (None, ""), (42, ""), ([{"type": "text"}, "los"], ""),
])
def test_a_message_text_from_a_string_or_text_parts(content: Any, text: str) -> None:
    assert message_text(content) == text


def test_slugs_of_agency_short_forms() -> None:
    assert [slug(s) for s in ("AgII", "K&G", "WSE", "Één")] == ["agii", "kg", "wse", "een"]


def test_earlier_user_messages_are_resolved_in_turn() -> None:
    agencies = {"Agentschap Integratie en Inburgering": "AgII", "Kind en Gezin": "K&G"}
    messages = [("system", "Wees kort."), ("user", AGII_QUESTION), ("assistant", "Met een bevraging [1]."),
                ("user", "En Kind en Gezin?"), ("assistant", "..."), ("user", "Hoeveel respondenten waren er?")]
    assert question_and_history(messages, agencies) == (
        "Hoeveel respondenten waren er?", "Hoeveel respondenten waren er bij Kind en Gezin?")


# -- an open server on loopback -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    return open_assistant(tmp_path_factory.mktemp("openai-index"), HashEmbedder(), [CORPUS])


@pytest.fixture(scope="module")
def base_url(corpus: Assistant) -> Iterator[str]:
    with serving(web_app(Chat(corpus))) as base:
        yield f"{base}/v1"


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    # Without sign-in on loopback no key is needed; the openai package insists on one, so any will do.
    return openai.OpenAI(base_url=base_url, api_key="geen-sleutel-nodig", max_retries=0, timeout=60)


def expected_extension(answer: Answer) -> dict[str, Any]:
    out = {**answer.to_json(), "searched": answer.searched, "notices": list(answer.notices)}
    for row in [*out["citations"], *out["passages"]]:
        row["date"] = ""  # the shipped corpus has no dates
    return out


def ask(client: openai.OpenAI, *messages: str, model: str = "parlementaire-vragen") -> Any:
    roles = ["user", "assistant"]
    return client.chat.completions.create(model=model, messages=[  # type: ignore[misc]
        {"role": roles[i % 2], "content": text} for i, text in enumerate(messages)])


@pytest.mark.slow
def test_the_models_list(client: openai.OpenAI) -> None:
    listed = client.models.list().data
    assert [m.id for m in listed] == MODELS
    assert {(m.object, m.owned_by) for m in listed} == {("model", "parlementaire-vragen")}


@pytest.mark.slow
def test_an_answer_with_its_citations_and_bronnen(client: openai.OpenAI, corpus: Assistant) -> None:
    completion = ask(client, QUESTION)
    answer = corpus.ask(QUESTION)
    content = completion.choices[0].message.content
    assert answer.answered and [c.n for c in answer.citations] == [1, 2]
    assert content == (
        f"{answer.text}\n\nBronnen:\n"
        "- [1] Kind en Gezin (K&G) - Klantentevredenheidsmeting (Kind en Gezin): \"Kind en Gezin heeft de keuze "
        "gemaakt om geen ‘klassieke’ tevredenheidsmetingen uit …\"\n"
        "- [2] Kind en Gezin (K&G) - Klantentevredenheidsmeting (Kind en Gezin): \"Vooreerst willen we benadrukken "
        "dat er bij Kind en Gezin nooit bespaard …\"")
    assert "[1]" in answer.text and "[2]" in answer.text
    assert (completion.object, completion.model, completion.choices[0].finish_reason,
            completion.choices[0].message.role) == ("chat.completion", "parlementaire-vragen", "stop", "assistant")
    assert completion.model_extra == {"cited_answer": expected_extension(answer)}


@pytest.mark.slow
def test_a_streamed_answer_joins_into_the_same_text(client: openai.OpenAI, corpus: Assistant) -> None:
    whole = ask(client, QUESTION).choices[0].message.content
    chunks = list(client.chat.completions.create(model="parlementaire-vragen", stream=True,
                                                 messages=[{"role": "user", "content": QUESTION}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks] == [None] * (len(chunks) - 1) + ["stop"]
    assert [c.choices[0].delta.content for c in chunks[1:-1]] == stream_pieces(whole)
    assert len(chunks) == len(stream_pieces(whole)) + 2  # the role, the pieces, the end
    assert {c.id for c in chunks} == {chunks[0].id} and chunks[0].object == "chat.completion.chunk"
    assert chunks[-1].model_extra == {"cited_answer": expected_extension(corpus.ask(QUESTION))}
    assert all(not c.model_extra for c in chunks[:-1])


@pytest.mark.slow
def test_a_follow_up_carries_the_subject(client: openai.OpenAI, corpus: Assistant) -> None:
    completion = ask(client, AGII_QUESTION, "Met een bevraging [1].", "En Kind en Gezin?")
    assert (completion.model_extra["cited_answer"]["question"],
            completion.model_extra["cited_answer"]["searched"]) == ("En Kind en Gezin?", QUESTION)
    assert completion.choices[0].message.content == reply_text(corpus.ask(QUESTION))
    # The same question alone carries nothing over.
    assert ask(client, "En Kind en Gezin?").model_extra["cited_answer"]["searched"] == "En Kind en Gezin?"


@pytest.mark.slow
@pytest.mark.parametrize("stream", [False, True])
def test_a_question_the_documents_do_not_answer(client: openai.OpenAI, stream: bool) -> None:
    reply = client.chat.completions.create(model="parlementaire-vragen", stream=stream,
                                           messages=[{"role": "user", "content": UNANSWERED}])
    if stream:
        chunks = list(reply)
        content = "".join(c.choices[0].delta.content or "" for c in chunks)
        extension = chunks[-1].model_extra["cited_answer"]
    else:
        content, extension = reply.choices[0].message.content, reply.model_extra["cited_answer"]
    assert content == "De documenten beantwoorden deze vraag niet. Geen enkele passage noemt Peru."
    assert (extension["answered"], extension["citations"]) == (False, [])


@pytest.mark.slow
def test_a_model_name_selects_an_agency_or_a_collection(client: openai.OpenAI, corpus: Assistant) -> None:
    question = "Hoe wordt de tevredenheid gemeten?"
    agii = ask(client, question, model="parlementaire-vragen/agentschap/agii").model_extra["cited_answer"]
    assert {p["agency"] for p in agii["passages"]} == {"Agentschap Integratie en Inburgering"}
    assert agii["notices"] == ["Filter toegepast: agentschap: Agentschap Integratie en Inburgering."]
    public = ask(client, question, model="parlementaire-vragen/collectie/openbaar")
    assert public.model == "parlementaire-vragen/collectie/openbaar"
    assert public.choices[0].message.content == reply_text(corpus.ask(question))


# -- bad requests ---------------------------------------------------------------------------------------------

NO_MESSAGES = "Het veld 'messages' ontbreekt of is leeg: stuur minstens één bericht met role 'user'."
NO_QUESTION = "Er is geen vraag: het laatste bericht met role 'user' is leeg."


def error(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"message": message, "type": "invalid_request_error", "param": param, "code": code}


BAD_REQUESTS = [
    ({"model": "parlementaire-vragen"}, openai.BadRequestError, error(NO_MESSAGES, "messages",
                                                                      "missing_required_parameter")),
    ({"model": "parlementaire-vragen", "messages": []}, openai.BadRequestError,
     error(NO_MESSAGES, "messages", "invalid_value")),
    ({"model": "parlementaire-vragen", "messages": ["Hoe?"]}, openai.BadRequestError,
     error("Elk bericht in 'messages' is een object met 'role' en 'content'.", "messages", "invalid_value")),
    ({"model": "parlementaire-vragen", "messages": [{"role": "user", "content": " \n "}]}, openai.BadRequestError,
     error(NO_QUESTION, "messages", "empty_question")),
    ({"model": "parlementaire-vragen", "messages": [{"role": "system", "content": "Wees kort."}]},
     openai.BadRequestError, error(NO_QUESTION, "messages", "empty_question")),
    ({"model": "parlementaire-vragen", "messages": [{"role": "user", "content": QUESTION},
                                                    {"role": "user", "content": ""}]},
     openai.BadRequestError, error(NO_QUESTION, "messages", "empty_question")),
    ({"model": "parlementaire-vragen", "messages": [{"role": "user", "content": "x" * 20_001}]},
     openai.BadRequestError, error("de vraag is 20.001 tekens lang; de limiet is 20.000 tekens: kort ze in",
                                   None, None)),
    ({"messages": [{"role": "user", "content": QUESTION}]}, openai.BadRequestError,
     error("Het veld 'model' ontbreekt: kies bijvoorbeeld 'parlementaire-vragen' (GET /v1/models geeft de lijst).",
           "model", "missing_required_parameter")),
    ({"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}, openai.NotFoundError,
     error("Het model 'gpt-4o' bestaat niet voor deze gebruiker: GET /v1/models geeft de lijst.", "model",
           "model_not_found")),
    ({"model": "parlementaire-vragen/collectie/kabinet", "messages": [{"role": "user", "content": QUESTION}]},
     openai.NotFoundError, error("Het model 'parlementaire-vragen/collectie/kabinet' bestaat niet voor deze "
                                 "gebruiker: GET /v1/models geeft de lijst.", "model", "model_not_found")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("body", "raised", "expected"), BAD_REQUESTS)
def test_every_bad_request_is_an_openai_error(client: openai.OpenAI, base_url: str, body: dict[str, Any],
                                              raised: type[openai.APIStatusError], expected: dict[str, Any]) -> None:
    with pytest.raises(raised) as caught:
        client.post("/chat/completions", body=body, cast_to=object)
    assert caught.value.body == expected
    assert httpx.post(f"{base_url}/chat/completions", json=body).json() == {"error": expected}


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2]", b'"vraag"'])
def test_a_body_that_is_not_a_json_object_is_a_400(base_url: str, content: bytes) -> None:
    response = httpx.post(f"{base_url}/chat/completions", content=content,
                          headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": error(
        "De aanvraag is geen JSON-object: stuur {\"model\": ..., \"messages\": [...]}.", None, "invalid_json")})


@pytest.mark.slow
def test_an_unknown_path_under_v1_is_an_openai_404(base_url: str) -> None:
    response = httpx.get(f"{base_url}/embeddings")
    assert (response.status_code, response.json()) == (404, {"error": error("Not Found", None, "not_found")})


def test_without_an_index_the_endpoints_say_so_in_an_openai_error() -> None:
    from fastapi.testclient import TestClient

    with TestClient(create_app(None, "er is geen index in /nergens")) as test_client:
        models = test_client.get("/v1/models")
        asked = test_client.post("/v1/chat/completions", json={"model": "parlementaire-vragen",
                                                                "messages": [{"role": "user", "content": "Hoe?"}]})
    expected = {"error": {"message": "er is geen index in /nergens", "type": "server_error", "param": None,
                          "code": None}}
    assert (models.status_code, models.json()) == (503, expected)
    assert (asked.status_code, asked.json()) == (503, expected)


# -- with sign-in ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("openai-served")
    with signed_in_server(build_index(folder, HashEmbedder()), folder) as server:
        yield server


def signed_in(served: Server, name: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.url + "/v1", api_key=served.users.new_token(name), max_retries=0,
                         timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["pv-fout", "geen-token"])
def test_a_wrong_key_raises_authentication_error(served: Server, key: str) -> None:
    stranger = openai.OpenAI(base_url=served.url + "/v1", api_key=key, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        stranger.models.list()
    assert caught.value.body == error(BAD_TOKEN, None, "invalid_api_key")
    with pytest.raises(openai.AuthenticationError):
        stranger.chat.completions.create(model="parlementaire-vragen", messages=[{"role": "user", "content": "x"}])
    # No key at all: the same object, saying how to get one.
    response = httpx.get(served.url + "/v1/models")
    assert (response.status_code, response.json()) == (401, {"error": error(NOT_SIGNED_IN, None, "invalid_api_key")})
    # The rest of the server keeps its own 401.
    assert httpx.get(served.url + "/api/health").json() == {"detail": NOT_SIGNED_IN}


@pytest.mark.slow
def test_a_user_never_gets_another_groups_documents(served: Server) -> None:
    bert, an = signed_in(served, "bert"), signed_in(served, "an")
    bert_models = [m.id for m in bert.models.list().data]
    assert "parlementaire-vragen/collectie/financien" in bert_models
    assert not [m for m in bert_models if "kabinet" in m or m.endswith("/ktz")]
    assert {"parlementaire-vragen/collectie/kabinet", "parlementaire-vragen/agentschap/ktz"} <= {
        m.id for m in an.models.list().data}

    question = f"Hoe tevreden is men over de {SECRET_WORD}?"
    # an's answer cites an's document: the question does find it for someone who may see it.
    mine = ask(an, question).model_extra["cited_answer"]
    assert SECRET_ID in {c["doc_id"] for c in mine["citations"]}
    # It is in the audit log under an's name, and its answer_id is what /api/feedback takes.
    asked = served.audit.asked(mine["answer_id"], "an")
    assert asked is not None and (asked.question, asked.answer) == (question, mine["answer"])
    assert served.audit.asked(mine["answer_id"], "bert") is None
    # bert asks the same, through every model bert may choose, streamed and not, and as a follow-up of a question
    # naming an's agency: nothing of an's document comes back.
    for model in bert_models:
        for stream in (False, True):
            reply = bert.chat.completions.create(model=model, stream=stream, messages=[
                {"role": "user", "content": f"Hoe meet {SECRET_AGENCY} de klanttevredenheid?"},
                {"role": "assistant", "content": "..."}, {"role": "user", "content": question}])
            shown = [c.model_dump() for c in reply] if stream else reply.model_dump()
            text = json.dumps(shown, ensure_ascii=False).replace(question, "").replace(SECRET_AGENCY + " de", "")
            assert SECRET_ID not in text and "37 respondenten" not in text and "91 procent" not in text
            assert SECRET_WORD not in text
    for model in ("parlementaire-vragen/collectie/kabinet", "parlementaire-vragen/agentschap/ktz"):
        with pytest.raises(openai.NotFoundError):
            ask(bert, question, model=model)
    # an, choosing a collection, sees only it.
    only = ask(an, question, model="parlementaire-vragen/collectie/kabinet").model_extra["cited_answer"]
    assert {p["doc_id"] for p in only["passages"]} == {SECRET_ID}
    assert BERT_ID not in json.dumps(mine)

