"""The assistant as an OpenAI-compatible "model": GET /v1/models and POST /v1/chat/completions, so chat front ends
(Open WebUI, LibreChat) and scripts written against the `openai` package can ask it.

A sub-app mounted at /v1 by `api.create_app`, behind the same sign-in middleware: the API key is a token of
`users token`; without sign-in any key will do. A request is answered as /api/ask answers it, by the same
per-user assistant, so a user never gets another group's documents here either:

- the last user message is the question; the earlier user messages drive the chat's follow-up resolution;
- the reply is the cited answer with its [n] markers and a "Bronnen" list of the cited passages;
- `cited_answer`, an extension field of the completion (of the last chunk when streamed), is the /api/ask
  object: answered, answer, citations, passages, searched, notices (and answer_id when the server keeps an
  audit log);
- a question the documents do not answer gets the assistant's "not answered" text, never an empty reply.

The model name picks what is searched (`models_for` lists those a user may choose):

    parlementaire-vragen                        everything the user may see
    parlementaire-vragen/collectie/NAAM         one collection ("openbaar", or a group's own)
    parlementaire-vragen/agentschap/AFKORTING   one agency: its short form, lower case, letters only ("agii", "kg")

Errors are OpenAI's error objects, `{"error": {"message", "type", "param", "code"}}`, with a Dutch message:

    400  invalid_request_error: no JSON, no or empty `messages`, no user message, an empty or over-long question
    401  invalid_api_key: no or a wrong key on a signed-in server (auth/access.py writes it)
    404  model_not_found: a model name that is not listed for this user
    502  the generative model refused the request;  503  no index
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..answer.prompts import NOT_ANSWERED
from ..auth.audit import Asked, AuditLog
from ..auth.scope import CollectionView, scoped
from ..core import Assistant
from ..errors import AssistantError
from ..ingest.collection import collection_of
from ..search.text import fold
from ..types import Answer
from .conversation import Turn, resolve_followup

MODEL = "parlementaire-vragen"
COLLECTION_PREFIX = f"{MODEL}/collectie/"
AGENCY_PREFIX = f"{MODEL}/agentschap/"
OWNER = "parlementaire-vragen"
OPENING_WORDS = 12  # of a cited passage in the Bronnen list: enough to recognise it, one line in a chat
SOURCES_HEADING = "Bronnen"
# Chunks of a streamed reply: the answer is whole before the first is sent, so more would only add events
# (a few ms each through the server, the network and the front end) without showing anything sooner.
STREAM_PIECES = 40

NO_JSON = "De aanvraag is geen JSON-object: stuur {\"model\": ..., \"messages\": [...]}."
NO_MESSAGES = "Het veld 'messages' ontbreekt of is leeg: stuur minstens één bericht met role 'user'."
BAD_MESSAGES = "Elk bericht in 'messages' is een object met 'role' en 'content'."
NO_MODEL = f"Het veld 'model' ontbreekt: kies bijvoorbeeld '{MODEL}' (GET /v1/models geeft de lijst)."
UNKNOWN_MODEL = "Het model '{model}' bestaat niet voor deze gebruiker: GET /v1/models geeft de lijst."
NO_QUESTION = "Er is geen vraag: het laatste bericht met role 'user' is leeg."


class OpenAIError(Exception):
    """A request refused with an OpenAI error object."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code

    def response(self) -> JSONResponse:
        return JSONResponse(error_object(self.message, self.kind, self.param, self.code), status_code=self.status)


def error_object(message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass(frozen=True)
class Choice:
    """What a model name selects: a collection of the index, or an agency filter (neither: everything)."""

    model: str
    collection: str | None = None
    agency: str | None = None  # full name, as the filters take it


def slug(text: str) -> str:
    """"AgII" -> "agii", "K&G" -> "kg": a model name's last part."""
    return re.sub(r"[^a-z0-9]+", "", fold(text).lower())


def models_for(assistant: Assistant) -> list[Choice]:
    """The model names this (possibly scoped) assistant answers under: everything, each collection it sees and
    each agency it sees."""
    collections = sorted({collection_of(c.metadata) for c in assistant.index.chunks})
    agencies = sorted(assistant.index.agencies().items())
    choices = [Choice(MODEL)]
    choices += [Choice(COLLECTION_PREFIX + name, collection=name) for name in collections]
    choices += [Choice(AGENCY_PREFIX + slug(short or full), agency=full) for full, short in agencies
                if slug(short or full)]
    return choices


def sources_list(answer: Answer) -> str:
    """The "Bronnen" list of the cited passages: number, title, agency, date and opening words; "" when none."""
    lines = []
    for citation in answer.citations:
        chunk = citation.passage.chunk
        where = ", ".join(part for part in (chunk.agency, str(chunk.metadata.get("date", ""))) if part)
        words = chunk.text.split()
        opening = " ".join(words[:OPENING_WORDS]) + (" …" if len(words) > OPENING_WORDS else "")
        title = chunk.title or chunk.doc_id
        lines.append(f"- [{citation.n}] {title}" + (f" ({where})" if where else "") + f": \"{opening}\"")
    return f"{SOURCES_HEADING}:\n" + "\n".join(lines) if lines else ""


def reply_text(answer: Answer) -> str:
    """The message a chat front end shows: the cited answer, then its Bronnen list. Never empty."""
    text = answer.text.strip() or NOT_ANSWERED
    sources = sources_list(answer)
    return f"{text}\n\n{sources}" if sources else text


def cited_answer(answer: Answer) -> dict[str, Any]:
    """The extension field: the /api/ask object, each citation and passage with its document's date."""
    out = {**answer.to_json(), "searched": answer.searched, "notices": list(answer.notices)}
    for citation, row in zip(answer.citations, out["citations"]):
        row["date"] = str(citation.passage.chunk.metadata.get("date", ""))
    for passage, row in zip(answer.passages, out["passages"]):
        row["date"] = str(passage.chunk.metadata.get("date", ""))
    return out


def message_text(content: Any) -> str:
    """A message's text: a string, or OpenAI's list of parts ({"type": "text", "text": ...}); other parts left out."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content
                         if isinstance(part, Mapping) and part.get("type") == "text")
    return ""


def read_messages(body: Any) -> list[tuple[str, str]]:
    """(role, text) of each message; a missing or malformed list is an OpenAIError."""
    messages = body.get("messages") if isinstance(body, Mapping) else None
    if not isinstance(messages, list) or not messages:
        raise OpenAIError(400, NO_MESSAGES, param="messages",
                          code="missing_required_parameter" if messages is None else "invalid_value")
    if not all(isinstance(m, Mapping) and isinstance(m.get("role"), str) for m in messages):
        raise OpenAIError(400, BAD_MESSAGES, param="messages", code="invalid_value")
    return [(m["role"], message_text(m.get("content"))) for m in messages]


def question_and_history(messages: Sequence[tuple[str, str]], agencies: Mapping[str, str],
                         filtered_agencies: Sequence[str] = ()) -> tuple[str, str]:
    """(the last user message, what to search for): earlier user messages are resolved in turn, as the chat
    resolved them, so "En Kind en Gezin?" after a question about AgII carries its subject over."""
    asked = [text for role, text in messages if role == "user"]
    if not asked or not asked[-1].strip():
        raise OpenAIError(400, NO_QUESTION, param="messages", code="empty_question")
    turns: list[Turn] = []
    for earlier in asked[:-1]:
        if not earlier.strip():
            continue
        searched = resolve_followup(earlier, turns, agencies, filtered_agencies)
        turns.append(Turn(earlier, Answer(question=searched, answered=True, text="", searched=searched)))
    question = asked[-1].strip()
    return question, resolve_followup(question, turns, agencies, filtered_agencies)


def create_openai_app(opened: Callable[[Request], Assistant], lock: threading.Lock,
                      audit: AuditLog | None = None, status_of: Callable[[AssistantError], int] = lambda _: 400,
                      ) -> FastAPI:
    """The /v1 sub-app. `opened` gives the request's (per-user) assistant, as /api/ask's; `lock` is the one every
    question holds through the index; `status_of` maps the assistant's errors to HTTP statuses."""
    app = FastAPI(title="Parlementaire vragen (OpenAI-compatibel)", docs_url=None, redoc_url=None, openapi_url=None)
    views: dict[str, Assistant] = {}  # a scoped assistant per collection, as Scopes keeps one per set
    views_lock = threading.Lock()

    @app.exception_handler(OpenAIError)
    async def refused(request: Request, exc: OpenAIError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(AssistantError)
    async def failed(request: Request, exc: AssistantError) -> JSONResponse:
        status = status_of(exc)
        kind = "invalid_request_error" if status < 500 else "server_error"
        return JSONResponse(error_object(str(exc), kind), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "invalid_api_key", 404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        return JSONResponse(error_object(str(exc.detail), "invalid_request_error", None, code),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    def chosen(current: Assistant, model: Any) -> tuple[Assistant, Choice]:
        if not isinstance(model, str) or not model.strip():
            raise OpenAIError(400, NO_MODEL, param="model", code="missing_required_parameter")
        if model == MODEL:
            return current, Choice(MODEL)
        with lock:
            found = next((c for c in models_for(current) if c.model == model), None)
        if found is None:
            raise OpenAIError(404, UNKNOWN_MODEL.format(model=model[:200]), param="model", code="model_not_found")
        if found.collection is None:
            return current, found
        # The whole index seen through this one collection (a view of the user's view would mask the wrong list
        # of chunks); models_for(current) listed only collections the user sees.
        index = current.index
        base = replace(current, index=index.index) if isinstance(index, CollectionView) else current
        with views_lock:
            view = views.get(found.collection)
            if view is None:
                view = views[found.collection] = scoped(base, {found.collection})
        return view, found

    @app.get("/models")
    def models(request: Request) -> dict[str, Any]:
        current = opened(request)
        with lock:
            choices = models_for(current)
        return {"object": "list", "data": [{"id": c.model, "object": "model", "created": 0, "owned_by": OWNER}
                                           for c in choices]}

    @app.post("/chat/completions", response_model=None)
    async def completions(request: Request) -> JSONResponse | StreamingResponse:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OpenAIError(400, NO_JSON, code="invalid_json")
        answer, choice, question, answer_id = await run_in_threadpool(ask, request, body)
        made = int(time.time())
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        text = reply_text(answer)
        extension = {**cited_answer(answer), "question": question}  # as typed; `searched` as searched
        if answer_id is not None:
            extension["answer_id"] = answer_id  # what POST /api/feedback refers to, as with /api/ask
        if not body.get("stream"):
            return JSONResponse({
                "id": completion_id, "object": "chat.completion", "created": made, "model": choice.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop", "logprobs": None}],
                "cited_answer": extension})
        return StreamingResponse(_events(completion_id, made, choice.model, text, extension),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    def ask(request: Request, body: dict[str, Any]) -> tuple[Answer, Choice, str, int | None]:
        messages = read_messages(body)
        current = opened(request)
        current, choice = chosen(current, body.get("model"))
        agencies = [choice.agency] if choice.agency else []
        with lock:
            question, searched = question_and_history(messages, current.index.agencies(), agencies)
            answer = current.ask(searched, agencies=agencies)
        if audit is None:
            return answer, choice, question, None
        user = str(getattr(getattr(request.state, "user", None), "name", ""))
        return answer, choice, question, audit.record_ask(user, "openai", "ask", Asked.from_answer(searched, answer),
                                                          {"model": choice.model, "agencies": agencies})

    return app


def stream_pieces(text: str, most: int = STREAM_PIECES) -> list[str]:
    """`text` cut between words into at most `most` pieces of as many words each: they join into `text` exactly.
    A 300-word answer with its Bronnen goes in 38 pieces of 8 words."""
    words = [piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece]
    size = max(1, -(-len(words) // most))
    return ["".join(words[i:i + size]) for i in range(0, len(words), size)]


async def _events(completion_id: str, made: int, model: str, text: str,
                  extension: dict[str, Any]) -> AsyncIterator[str]:
    """Server-sent events as OpenAI streams them: the role, the text in pieces, a last chunk with the finish
    reason and `cited_answer`, then [DONE]."""
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {"id": completion_id, "object": "chat.completion.chunk", "created": made, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in stream_pieces(text):
        yield chunk({"content": piece})
    yield chunk({}, "stop", cited_answer=extension)
    yield "data: [DONE]\n\n"
