"""The HTTP API: its answers are the `ask --json` / `similar --json` objects, bad input is a 4xx that says
what is wrong, and schemathesis fuzzes every operation against the OpenAPI schema (no 500, responses as
declared). Real Chroma and BM25 over the shipped corpus, the hash embedder."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from fake_openai import FakeModelServer, Reply
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from assistant.apps.api import create_app
from assistant.apps.chat import Chat, open_chat, web_app
from assistant.core import Assistant
from assistant.settings import Settings
from support import serving

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTION = "Hoe meet Kind en Gezin de klanttevredenheid?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """The corpus under the hash embedder, built once for this module (the API only reads it)."""
    from support import HashEmbedder, open_assistant

    return open_assistant(tmp_path_factory.mktemp("api-index"), HashEmbedder(), [CORPUS])


@pytest.fixture(scope="module")
def client(corpus: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(corpus)) as test_client:
        yield test_client


# -- what comes back ----------------------------------------------------------------------------------


def test_ask_returns_the_ask_json_object(client: TestClient, corpus: Assistant) -> None:
    response = client.post("/api/ask", json={"question": QUESTION, "k": 3})
    assert response.status_code == 200
    expected = corpus.ask(QUESTION, k=3)
    assert response.json() == {**expected.to_json(), "searched": QUESTION, "notices": []}
    assert [p["rank"] for p in response.json()["passages"]] == [1, 2, 3]
    # JSON Schema's integers include 3.0.
    assert client.post("/api/ask", json={"question": QUESTION, "k": 3.0}).json() == response.json()


def test_ask_applies_the_filters_and_says_so(client: TestClient, corpus: Assistant) -> None:
    body = {"question": "Hoe wordt de tevredenheid gemeten?", "filters": {"agencies": ["AgII"]}}
    got = client.post("/api/ask", json=body).json()
    assert {p["agency"] for p in got["passages"]} == {"Agentschap Integratie en Inburgering"}
    assert got["notices"] == ["Filter toegepast: agentschap: Agentschap Integratie en Inburgering."]
    only = client.post("/api/ask", json={"question": "Hoe wordt de tevredenheid gemeten?",
                                         "filters": {"documents": ["kg-klantentevredenheidsmeting"]}}).json()
    assert {p["doc_id"] for p in only["passages"]} == {"kg-klantentevredenheidsmeting"}


def test_similar_returns_the_similar_json_object(client: TestClient, corpus: Assistant) -> None:
    from assistant.similar import find_similar

    response = client.post("/api/similar", json={"question": QUESTION, "k": 2})
    assert response.status_code == 200
    assert response.json() == find_similar(corpus, QUESTION, k=2).to_json()
    assert len(response.json()["documents"]) == 2


@pytest.mark.parametrize(("since", "status", "body"), [
    ("1/2/2017", 400, {"detail": "a date is written YYYY-MM-DD, not '1/2/2017'"}),
    ("2017-01-01", 200, None),  # the shipped documents have no date: none is left
])
def test_similar_takes_a_date_range(client: TestClient, since: str, status: int, body: object) -> None:
    response = client.post("/api/similar", json={"question": QUESTION, "since": since})
    assert response.status_code == status
    if body is not None:
        assert response.json() == body
    else:
        assert response.json()["documents"] == [] and response.json()["draft"]["sources"] == []


def test_health_counts_the_index(client: TestClient, corpus: Assistant) -> None:
    assert client.get("/api/health").json() == {
        "status": "ok", "chunks": len(corpus.index), "documents": 5, "store": "embedded", "answerer": "extractive"}


def test_the_openapi_schema_describes_the_operations(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {path: sorted(ops) for path, ops in schema["paths"].items()} == {
        "/api/ask": ["post"], "/api/similar": ["post"], "/api/health": ["get"], "/api/feedback": ["post"]}
    ask = schema["paths"]["/api/ask"]["post"]
    assert sorted(ask["responses"]) == ["200", "400", "422", "502", "503"]
    request = schema["components"]["schemas"]["AskRequest"]
    assert request["properties"]["k"] == {"type": "integer", "maximum": 50, "minimum": 1, "default": 5,
                                          "title": "K", "description": "Passages to retrieve."}
    assert request["additionalProperties"] is False
    assert sorted(schema["components"]["schemas"]["AskResponse"]["required"]) == [
        "answer", "answered", "citations", "notices", "passages", "question", "searched"]


# -- bad input: a 4xx with a clear message -----------------------------------------------------------


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"question": "   "}, 400, "de vraag is leeg: stel een vraag"),
    ({"question": "x" * 20_001}, 400, "de vraag is 20.001 tekens lang; de limiet is 20.000 tekens: kort ze in"),
    ({"question": QUESTION, "filters": {"agencies": ["NASA"]}}, 400,
     ("unknown agency 'NASA'; the index has: ABB (Agentschap Binnenlands Bestuur), AgII (Agentschap Integratie en "
     "Inburgering), WSE (Departement Werk en Sociale Economie), K&G (Kind en Gezin)")),
    ({"question": QUESTION, "filters": {"documents": ["nope"]}}, 400, "unknown document id nope"),
])
def test_input_the_assistant_refuses_is_a_400_saying_why(client: TestClient, body: dict, status: int,
                                                          detail: str) -> None:
    for path in ("/api/ask", "/api/similar"):
        response = client.post(path, json=body)
        assert (response.status_code, response.json()) == (status, {"detail": detail})


@pytest.mark.parametrize(("body", "where", "kind"), [
    ({}, ["body", "question"], "missing"),
    ({"question": ""}, ["body", "question"], "string_too_short"),
    ({"question": QUESTION, "k": 0}, ["body", "k"], "greater_than_equal"),
    ({"question": QUESTION, "k": 51}, ["body", "k"], "less_than_equal"),
    ({"question": QUESTION, "k": "5"}, ["body", "k"], "int_type"),
    ({"question": QUESTION, "k": True}, ["body", "k"], "int_type"),
    ({"question": 42}, ["body", "question"], "string_type"),
    ({"question": QUESTION, "kk": 5}, ["body", "kk"], "extra_forbidden"),
    ({"question": QUESTION, "filters": {"agencies": "AgII"}}, ["body", "filters", "agencies"], "list_type"),
    ({"question": QUESTION, "filters": None}, ["body", "filters"], "model_attributes_type"),
])
def test_input_outside_the_schema_is_a_422_naming_the_field(client: TestClient, body: dict, where: list[str],
                                                             kind: str) -> None:
    response = client.post("/api/ask", json=body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (where, kind)


def test_a_body_that_is_not_json_is_a_422(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_without_an_index_every_operation_is_a_503_saying_so(tmp_path: Path) -> None:
    chat = open_chat(Settings(index_dir=tmp_path / "weg", default_index=False))
    with TestClient(create_app(chat.assistant, chat.problem)) as client:
        for response in (client.get("/api/health"), client.post("/api/ask", json={"question": QUESTION}),
                         client.post("/api/similar", json={"question": QUESTION})):
            assert response.status_code == 503
            assert response.json()["detail"].startswith(f"Er is geen index in {tmp_path / 'weg'}.")


def test_a_model_that_refuses_the_request_is_a_502(build_assistant) -> None:
    with FakeModelServer() as server:
        server.script(Reply(status=401))
        assistant = build_assistant([CORPUS], llm="openai:m", llm_base_url=server.url, llm_retries=0)
        with TestClient(create_app(assistant)) as client:
            response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 502
    assert response.json()["detail"].startswith("the model server refused the request (401)")


def test_questions_wait_for_the_model_side_by_side(build_assistant) -> None:
    """The index lock is let go while the model writes: 4 questions at once are 4 model requests at once."""
    with FakeModelServer() as server:
        server.script(*[Reply("Kind en Gezin meet de klanttevredenheid met een enquête [1].", delay=1.0)] * 4)
        assistant = build_assistant([CORPUS], llm="openai:m", llm_base_url=server.url, llm_timeout=10.0,
                                    llm_retries=0)
        with TestClient(create_app(assistant)) as client:
            responses: list[httpx.Response] = []
            threads = [threading.Thread(target=lambda: responses.append(
                client.post("/api/ask", json={"question": QUESTION}))) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert server.most_at_once == 4
    assert [r.status_code for r in responses] == [200] * 4
    assert {r.json()["answer"] for r in responses} == {"Kind en Gezin meet de klanttevredenheid met een enquête [1]."}


# -- fuzzing against the schema -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_schema(corpus: Assistant) -> schemathesis.BaseSchema:
    # Data that fits the schema is answered (2xx), or refused by the assistant with its reason (400: an agency
    # or document the index does not have, a question of white space only); a 422 for it is a schema bug.
    accepted = {"positive_data_acceptance": {"expected-statuses": ["2xx", "400"]}}
    config = SchemathesisConfig.from_dict({"checks": accepted})
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(corpus), config=config)


# Schemathesis's own pytest loader (`from_fixture`) reads a pytest internal that pytest 9 no longer has, so
# its strategies are driven by hypothesis here: the same cases and checks.
@pytest.mark.parametrize(("path", "method", "mode"), [
    ("/api/ask", "POST", GenerationMode.POSITIVE), ("/api/ask", "POST", GenerationMode.NEGATIVE),
    ("/api/similar", "POST", GenerationMode.POSITIVE), ("/api/similar", "POST", GenerationMode.NEGATIVE),
    ("/api/health", "GET", GenerationMode.POSITIVE),
])
def test_no_input_makes_the_api_fail_or_break_its_schema(api_schema: schemathesis.BaseSchema, path: str,
                                                         method: str, mode: GenerationMode) -> None:
    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
              database=None)
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate()  # every check: no 5xx, statuses, content types and bodies as declared, ...

    call()


# -- served: the chat and the API on one port ---------------------------------------------------------


def test_serve_puts_the_api_beside_the_chat(corpus: Assistant) -> None:
    with serving(web_app(Chat(corpus)), wait=10.0) as base:
        assert httpx.get(f"{base}/api/health").json()["chunks"] == len(corpus.index)
        answer = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, timeout=30).json()
        assert answer["answer"] == corpus.ask(QUESTION).text
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "gradio" in page.text
        assert httpx.get(f"{base}/gradio_api/info").status_code == 200
