"""Sign-in through a real server on loopback (uvicorn in a thread, httpx and gradio_client as the callers): every
route refuses strangers, a wrong password is told clearly, failures are throttled, a revoked token stops working,
two users in two groups see only their own collections through the API and the chat's API, and the audit log and
the feedback are written and exported. Nothing logged, written or answered holds a password or a token."""
from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from auth_support import (
    BERT_ID,
    PASSWORDS,
    SECRET_AGENCY,
    SECRET_ID,
    SECRET_WORD,
    Server,
    build_index,
    signed_in_server,
)
from support import HashEmbedder

from assistant.apps.cli import main
from assistant.auth.access import BAD_PASSWORD, BAD_TOKEN, COOKIE, NOT_SIGNED_IN
from assistant.auth.throttle import Throttle
from assistant.auth.users import UsersFile

pytestmark = pytest.mark.slow  # a server per module, and Gradio's client

SECRET_QUESTION = f"Hoe tevreden is men over de {SECRET_WORD}?"
# What of an's document could show: its id, its agency, its figures, its title. The unique word itself is also
# in the question, so it is looked for in everything but the echoed question.
TRACES = (SECRET_ID, SECRET_AGENCY, "KTZ", "37 respondenten", "91 procent")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, clock: Clock) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("served")
    assistant = build_index(folder, HashEmbedder())
    with signed_in_server(assistant, folder, Throttle(limit=3, window=60, clock=clock)) as server:
        yield server


@pytest.fixture(scope="module")
def tokens(served: Server) -> dict[str, str]:
    return {name: served.users.new_token(name) for name in PASSWORDS}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(served: Server, name: str) -> httpx.Client:
    client = httpx.Client(base_url=served.url, timeout=30)
    response = client.post("/login", data={"username": name, "password": PASSWORDS[name]})
    assert (response.status_code, response.headers["location"]) == (303, "/")
    return client


def without_question(body: dict[str, object]) -> str:
    return json.dumps({k: v for k, v in body.items() if k not in ("question", "searched")}, ensure_ascii=False)


# -- routes ---------------------------------------------------------------------------------------------------

ROUTES = [("GET", "/api/health"), ("POST", "/api/ask"), ("POST", "/api/similar"), ("POST", "/api/feedback"),
          ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/redoc"), ("GET", "/config"),
          ("GET", "/gradio_api/info"), ("POST", "/gradio_api/queue/join"), ("GET", "/gradio_api/queue/data"),
          ("POST", "/gradio_api/upload"), ("GET", "/gradio_api/file=/etc/passwd"), ("GET", "/assets/index.js"),
          ("GET", "/theme.css"), ("GET", "/gradio_api/call/ask"), ("POST", "/gradio_api/run/predict"),
          ("GET", "/favicon.ico"), ("GET", "/index.html"), ("GET", "/nergens")]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_a_request_without_sign_in(served: Server, method: str, path: str) -> None:
    response = httpx.request(method, served.url + path, json={})
    assert (response.status_code, response.json()) == (401, {"detail": NOT_SIGNED_IN})
    assert response.headers["www-authenticate"] == "Bearer"


def test_the_chat_page_sends_a_stranger_to_the_login_page(served: Server) -> None:
    response = httpx.get(served.url + "/")
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    page = httpx.get(served.url + "/login")
    assert page.status_code == 200
    assert '<form method="post" action="/login">' in page.text and "Gebruikersnaam" in page.text


def test_a_signed_in_user_reaches_every_route(served: Server, tokens: dict[str, str]) -> None:
    client = sign_in(served, "bert")
    assert client.get("/").status_code == 200 and "gradio" in client.get("/").text
    assert client.get("/api/health").status_code == 200
    assert client.get("/docs").status_code == 200 and client.get("/openapi.json").status_code == 200
    assert client.get("/gradio_api/info").status_code == 200
    assert httpx.get(served.url + "/gradio_api/info", headers=bearer(tokens["bert"])).status_code == 200
    # Signing out ends the session.
    assert client.get("/logout").headers["location"] == "/login"
    assert client.get("/api/health").status_code == 401


def test_a_wrong_password_is_told_clearly_and_throttled(served: Server, clock: Clock) -> None:
    for _ in range(3):
        response = httpx.post(served.url + "/login", data={"username": "bert", "password": "fout-wachtwoord"})
        assert response.status_code == 401
        assert f'<p class="error" id="fout" role="alert">{BAD_PASSWORD}</p>' in response.text
        assert 'value="bert"' in response.text and "fout-wachtwoord" not in response.text
    # The fourth try within the minute is not even checked, the right password included.
    right = httpx.post(served.url + "/login", data={"username": "bert", "password": PASSWORDS["bert"]})
    assert right.status_code == 429
    assert "Te veel mislukte pogingen vanaf dit adres: probeer het over 60 seconden opnieuw." in right.text
    assert httpx.get(served.url + "/api/health", headers=bearer("pqa_fout")).status_code == 429
    clock.now += 61
    right = httpx.post(served.url + "/login", data={"username": "bert", "password": PASSWORDS["bert"]})
    assert right.status_code == 303


def test_bad_tokens_are_refused_and_throttled(served: Server, clock: Clock) -> None:
    for token in ("pqa_fout", "pqa_", "fout fout"):
        response = httpx.get(served.url + "/api/health", headers=bearer(token))
        assert (response.status_code, response.json()) == (401, {"detail": BAD_TOKEN})
    assert httpx.get(served.url + "/api/health", headers=bearer("pqa_nog-fouter")).status_code == 429
    clock.now += 61


def test_a_revoked_token_stops_working(served: Server) -> None:
    token = served.users.new_token("an")
    assert httpx.get(served.url + "/api/health", headers=bearer(token)).status_code == 200
    UsersFile(served.users.path).revoke_tokens("an")  # as `users revoke-tokens an` in another process
    response = httpx.get(served.url + "/api/health", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": BAD_TOKEN})


# -- isolation ------------------------------------------------------------------------------------------------


def test_the_api_gives_another_group_no_trace_and_the_owner_all(served: Server, clock: Clock) -> None:
    clock.now += 61  # the revoked token above was a failure
    bert, an = bearer(served.users.new_token("bert")), bearer(served.users.new_token("an"))
    for question in (SECRET_QUESTION, f"Hoe meet {SECRET_AGENCY} de klanttevredenheid?", SECRET_WORD):
        asked = httpx.post(served.url + "/api/ask", json={"question": question, "k": 20}, headers=bert).json()
        # What the question itself says may come back ("Geen enkele passage noemt Kabinet Testzaken."), no more.
        assert [trace for trace in TRACES if trace in without_question(asked) and trace not in question] == []
        assert SECRET_WORD not in json.dumps(asked["passages"] + asked["citations"], ensure_ascii=False)
        similar = httpx.post(served.url + "/api/similar", json={"question": question, "k": 20}, headers=bert).json()
        # The draft's lines repeat the question's points; what they quote and cite is from the documents.
        shown = json.dumps([similar["documents"], similar["draft"]["sources"],
                            [line["text"] for section in similar["draft"]["sections"] for line in section["lines"]]],
                           ensure_ascii=False)
        assert [trace for trace in (*TRACES, SECRET_WORD) if trace in shown] == []
    hidden = httpx.post(served.url + "/api/ask", json={"question": "x", "filters": {"documents": [SECRET_ID]}},
                        headers=bert)
    assert (hidden.status_code, hidden.json()) == (400, {"detail": f"unknown document id {SECRET_ID}"})
    health = httpx.get(served.url + "/api/health", headers=bert).json()
    owner = httpx.get(served.url + "/api/health", headers=an).json()
    assert (health["documents"], owner["documents"]) == (6, 6)  # the corpus's 5 and their own
    assert health["chunks"] == owner["chunks"] - 2 + 1  # an's note has two chunks, bert's one
    answer = httpx.post(served.url + "/api/ask", json={"question": SECRET_QUESTION}, headers=an).json()
    assert answer["citations"][0]["doc_id"] == SECRET_ID and "91 procent" in answer["citations"][0]["text"]
    similar = httpx.post(served.url + "/api/similar", json={"question": SECRET_QUESTION, "k": 1}, headers=an).json()
    assert [d["doc_id"] for d in similar["documents"]] == [SECRET_ID]
    bert_own = httpx.post(served.url + "/api/similar", json={"question": "pelikaanbegroting", "k": 1}, headers=bert)
    assert [d["doc_id"] for d in bert_own.json()["documents"]] == [BERT_ID]


def chat_turns(served: Server, token: str, *questions: str) -> list[tuple[str, str]]:
    """A conversation through the chat's own API (Gradio's client, as benchmarks/chat_load.py drives it)."""
    from gradio_client import Client

    client = Client(served.url + "/", headers=bearer(token), verbose=False, download_files=False)
    replies = []
    for question in questions:
        result = client.predict(question, [], [], api_name="/ask")
        last = result[0][-1]["content"]
        replies.append((last[0]["text"] if isinstance(last, list) else str(last), str(result[2])))
    return replies


def test_the_chat_and_its_follow_ups_give_another_group_no_trace(served: Server) -> None:
    bert, an = served.users.new_token("bert"), served.users.new_token("an")
    first = "Hoe meet Kind en Gezin de klanttevredenheid?"
    follow_up = f"En {SECRET_AGENCY}?"
    for message, panel in chat_turns(served, bert, first, follow_up, SECRET_QUESTION):
        assert not any(trace in panel for trace in (*TRACES, SECRET_WORD))
        assert not any(trace in message for trace in ("91 procent", "37 respondenten", SECRET_ID))
    _, (message, panel) = chat_turns(served, an, first, follow_up)
    assert f"Hoe meet {SECRET_AGENCY} de klanttevredenheid?" in message  # the follow-up, resolved
    assert SECRET_WORD in panel and "91 procent" in panel


# -- audit and feedback ---------------------------------------------------------------------------------------


def test_the_chat_and_the_api_write_the_audit_log_and_feedback_and_the_exports_hold_them(
        served: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = sign_in(served, "an")
    answer = client.post("/api/ask", json={"question": SECRET_QUESTION, "filters": {"agencies": ["KTZ"]}}).json()
    chat_turns(served, served.users.new_token("bert"), "Hoe meet Kind en Gezin de klanttevredenheid?")
    rows = list(served.audit.rows("asks"))
    mine = next(r for r in rows if r["id"] == answer["answer_id"])
    assert {k: mine[k] for k in ("user", "channel", "action", "question", "filters", "documents")} == {
        "user": "an", "channel": "api", "action": "ask", "question": SECRET_QUESTION,
        "filters": {"agencies": ["KTZ"], "documents": []}, "documents": [SECRET_ID]}
    assert mine["answer"] == answer["answer"] and mine["citations"][0]["doc_id"] == SECRET_ID
    chat_row = rows[-1]
    assert (chat_row["user"], chat_row["channel"], chat_row["question"]) == (
        "bert", "chat", "Hoe meet Kind en Gezin de klanttevredenheid?")
    assert chat_row["documents"] == ["kg-klantentevredenheidsmeting"]

    feedback = client.post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                   "comment": "Het cijfer is van vorig jaar."})
    assert feedback.status_code == 200
    stored = list(served.audit.rows("feedback"))[-1]
    assert {k: stored[k] for k in ("id", "user", "channel", "answer_id", "rating", "comment", "question")} == {
        "id": feedback.json()["feedback_id"], "user": "an", "channel": "api", "answer_id": answer["answer_id"],
        "rating": -1, "comment": "Het cijfer is van vorig jaar.", "question": SECRET_QUESTION}
    assert stored["answer"] == answer["answer"] and stored["citations"] == mine["citations"]
    # Someone else's answer, or none: 404, and nothing stored.
    other = sign_in(served, "bert").post("/api/feedback", json={"answer_id": answer["answer_id"], "rating": "up"})
    assert (other.status_code, other.json()) == (404, {"detail": f"geen antwoord {answer['answer_id']} van deze "
                                                                 "gebruiker"})
    assert len(list(served.audit.rows("feedback"))) == feedback.json()["feedback_id"]

    db = str(served.audit.path)
    assert main(["audit", "export", "--audit-db", db]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert exported == list(served.audit.rows("asks"))
    assert main(["audit", "export", "--audit-db", db, "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["feedback", "export", "--audit-db", db, "--out", str(tmp_path / "feedback.csv")]) == 0
    table = list(csv.DictReader((tmp_path / "feedback.csv").open(encoding="utf-8")))
    assert table[-1]["comment"] == "Het cijfer is van vorig jaar." and table[-1]["rating"] == "-1"
    assert json.loads(table[-1]["citations"])[0]["doc_id"] == SECRET_ID


def test_no_password_or_token_in_a_log_an_answer_or_the_audit_log(
        served: Server, caplog: pytest.LogCaptureFixture, clock: Clock) -> None:
    clock.now += 61
    caplog.set_level(logging.DEBUG)
    token = served.users.new_token("an")
    seen = [httpx.post(served.url + "/login", data={"username": "an", "password": PASSWORDS["bert"]}).text,
            httpx.get(served.url + "/api/health", headers=bearer(token + "x")).text]
    client = sign_in(served, "an")
    session = client.cookies[COOKIE]
    seen.append(client.post("/api/ask", json={"question": "Hoe meet Kind en Gezin de klanttevredenheid?"}).text)
    seen.append(httpx.post(served.url + "/api/ask", json={"question": "x" * 200_000}, headers=bearer(token)).text)
    seen.append(httpx.post(served.url + "/api/feedback", json={"answer_id": 1, "rating": "?"},
                           headers=bearer(token)).text)
    clock.now += 61
    stored = b"".join(p.read_bytes() for p in Path(served.audit.path).parent.glob("audit.sqlite3*"))
    # The server's log, not the test's own HTTP client's (httpcore logs the Set-Cookie it receives).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpcore", "httpx")))
    assert "failed sign-in for 'an' from 127.0.0.1" in logged and "a bad API token from 127.0.0.1" in logged
    for secret in (*PASSWORDS.values(), token, token + "x", session):
        assert secret not in logged and secret not in "".join(seen) and secret.encode() not in stored
    users_file = Path(served.users.path).read_text()
    assert not any(secret in users_file for secret in (*PASSWORDS.values(), token))
