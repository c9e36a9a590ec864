"""The HTTP API beside the chat, for scripts: POST /api/ask, POST /api/similar, GET /api/health, POST /api/feedback;
and mounted at /v1 the OpenAI-compatible API of openai_api.py.

The request and response models are pydantic, so /openapi.json describes exactly what is accepted and
returned (and /docs shows it). Bad input is a 4xx with a message saying what to change, never a 500:

    400  the assistant refused the input (empty or over-long question, unknown agency or document)
    401  signed-in server (`serve --users FILE`) and no valid `Authorization: Bearer TOKEN`
    404  feedback on an answer this user was not given
    422  the request does not fit the schema (FastAPI's list of what is wrong where)
    502  the generative model refused the request (its name, key or address is wrong)
    503  no index: it is missing, or the Chroma server does not answer
"""
from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..auth.audit import Asked, AuditLog
from ..auth.scope import Scopes
from ..core import Assistant
from ..errors import AssistantError, InputError, ModelError

# The size a request may have, whatever the assistant's own limit (settings.max_question_chars, 20,000 by
# default: a longer question is a 400 that says so).
MAX_QUESTION = 100_000
MAX_FILTER_VALUES = 100

_REQUEST = ConfigDict(extra="forbid", strict=True)  # "5" is not a k, and an unknown field is a typo


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 5.0 as an integer; strict pydantic would not. "5" and true stay refused.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Count = Annotated[int, BeforeValidator(_whole_number)]


class Filters(BaseModel):
    model_config = _REQUEST
    agencies: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                                description="Only these agencies: full names or short forms (\"AgII\").")
    documents: list[str] = Field(default_factory=list, max_length=MAX_FILTER_VALUES,
                                 description="Only these document ids.")


class AskRequest(BaseModel):
    model_config = ConfigDict(**_REQUEST, json_schema_extra={
        "examples": [{"question": "Hoe meet Kind en Gezin de klanttevredenheid?", "k": 5,
                      "filters": {"agencies": [], "documents": []}}]})
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="The question, in Dutch or English.")
    k: Count = Field(5, ge=1, le=50, description="Passages to retrieve.")
    filters: Filters = Field(default_factory=Filters)


class SimilarRequest(AskRequest):
    k: Count = Field(5, ge=1, le=50, description="Earlier answers to return (copies of one answer are one).")
    since: str = Field("", max_length=10, description="Only documents dated on or after this day (YYYY-MM-DD).")
    until: str = Field("", max_length=10, description="Only documents dated on or before this day (YYYY-MM-DD).")


class PassageFields(BaseModel):
    doc_id: str
    title: str
    text: str = Field(description="The passage as it stands in the source (white space may differ).")
    agency: str
    section: str = Field(description="\"question\", \"answer\" or \"text\".")
    item: str = Field(description="The answer's item label (\"1-2\", \"8a\"), or \"\".")
    chunk_id: str
    start: int
    end: int


class CitationOut(PassageFields):
    n: int = Field(description="The [n] in the answer.")


class PassageOut(PassageFields):
    rank: int
    score: float


class AskResponse(BaseModel):
    """The `ask --json` object, and what the reader is told beside it."""

    question: str
    answered: bool = Field(description="False when the documents do not answer; `answer` then says so.")
    answer: str
    citations: list[CitationOut]
    passages: list[PassageOut]
    searched: str = Field(description="The question as it was searched.")
    notices: list[str] = Field(description="Filters applied; the generative model's sentences left out, and why.")
    answer_id: int | None = Field(None, description="This answer in the audit log (when the server keeps one): "
                                                    "what POST /api/feedback refers to.")


class CopyOut(BaseModel):
    doc_id: str
    title: str
    date: str
    agency: str
    member: str


class SimilarDocumentOut(BaseModel):
    rank: int
    doc_id: str
    title: str
    score: float
    date: str
    agency: str
    passage: str
    chunk_id: str
    section: str
    item: str
    highlights: list[list[int]] = Field(description="[start, end) spans of `passage` matching the question.")
    copies: list[CopyOut] = Field(description="Other documents that received the same answer (one row for all).")


class DraftLineOut(BaseModel):
    text: str
    citation: int = Field(description="[n]: the source's `n`.")


class DraftSectionOut(BaseModel):
    point: str = Field(description="The point's label (\"1\", \"b\"), or \"\" for a question with one point.")
    question: str
    lines: list[DraftLineOut] = Field(description="Empty when no earlier answer addresses the point.")


class DraftSourceOut(BaseModel):
    n: int
    doc_id: str
    title: str
    date: str
    agency: str
    chunk_id: str
    text: str


class DraftOut(BaseModel):
    text: str
    sections: list[DraftSectionOut]
    sources: list[DraftSourceOut]


class SimilarResponse(BaseModel):
    """The `similar --json` object: earlier documents on the question's subject and a cited draft outline."""

    question: str
    documents: list[SimilarDocumentOut]
    draft: DraftOut


class Health(BaseModel):
    status: Literal["ok"]
    chunks: int
    documents: int
    store: Literal["embedded", "server"]
    answerer: str = Field(description="\"extractive\", or the generative model (\"openai:MODEL\").")


class FeedbackRequest(BaseModel):
    model_config = _REQUEST
    answer_id: int = Field(ge=1, description="The `answer_id` of the /api/ask answer this is about.")
    rating: Literal["up", "down"] = Field(description="\"up\": a good answer; \"down\": a wrong or useless one.")
    comment: str = Field("", max_length=5_000, description="What was wrong (or right), optional.")


class FeedbackResponse(BaseModel):
    feedback_id: int


class Problem(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The assistant refused the input; `detail` says why."},
    502: {"model": Problem, "description": "The generative model refused the request."},
    503: {"model": Problem, "description": "No index: missing, or the Chroma server does not answer."},
}


class Unavailable(AssistantError):
    """The API runs without an assistant (the chat shows the same reason)."""


def status_of(exc: AssistantError) -> int:
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ModelError):
        return 502
    return 503


def create_app(assistant: Assistant | None, problem: str = "", lock: threading.Lock | None = None,
               scopes: Scopes | None = None, audit: AuditLog | None = None) -> FastAPI:
    """The API over `assistant` (or, without one, answering 503 with `problem`). `lock` is the one the chat
    holds while it asks: one question at a time goes through the index, and every caller of the assistant's
    answerer holds it from then on (a generative one lets go of it while the model writes). With `scopes`
    (a signed-in server) each request sees only its user's collections; with `audit` questions and
    feedback are logged."""
    lock = lock or threading.Lock()
    if assistant is not None:
        from ..answer.generative import GenerativeAnswerer

        if isinstance(assistant.answerer, GenerativeAnswerer):
            assistant.answerer.lock = lock  # held around every ask below; released while the model writes
    app = FastAPI(title="Parlementaire vragen", version="1",
                  description="Cited answers to questions about written parliamentary questions and the ministers' "
                              "answers, and earlier answers on a new question's subject.")

    @app.exception_handler(AssistantError)
    async def refused(request: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))

    def opened(http: Request) -> Assistant:
        if assistant is None:
            raise Unavailable(problem or "the assistant has no index")
        if scopes is None:
            return assistant
        user = getattr(http.state, "user", None)
        if user is None:  # the sign-in middleware lets no such request through; this is the second lock
            raise HTTPException(401, "Niet aangemeld.")
        return scopes.for_user(user)

    from .openai_api import create_openai_app

    app.mount("/v1", create_openai_app(opened, lock, audit, status_of))  # OpenAI-compatible: openai_api.py

    def user_name(http: Request) -> str:
        return str(getattr(getattr(http.state, "user", None), "name", ""))

    @app.post("/api/ask", response_model=AskResponse, response_model_exclude_none=True, responses=ERRORS,
              summary="Answer a question, with citations")
    def ask(request: AskRequest, http: Request) -> dict[str, Any]:
        current = opened(http)
        with lock:
            answer = current.ask(request.question, k=request.k, agencies=request.filters.agencies,
                                 doc_ids=request.filters.documents)
        out = {**answer.to_json(), "searched": answer.searched, "notices": list(answer.notices)}
        if audit is not None:
            asked = Asked.from_answer(request.question, answer)
            out["answer_id"] = audit.record_ask(user_name(http), "api", "ask", asked, request.filters.model_dump())
        return out

    @app.post("/api/similar", response_model=SimilarResponse, responses=ERRORS,
              summary="Earlier documents on a question's subject, and a cited draft outline")
    def similar(request: SimilarRequest, http: Request) -> dict[str, Any]:
        from ..similar import find_similar

        current = opened(http)
        with lock:
            current.index.sync()
            found = find_similar(current, request.question, k=request.k, agencies=request.filters.agencies,
                                 doc_ids=request.filters.documents, since=request.since, until=request.until)
        if audit is not None:
            listed = [{"n": d.rank, "doc_id": d.doc_id, "chunk_id": d.passage.chunk.id, "title": d.title}
                      for d in found.documents]
            audit.record_ask(user_name(http), "api", "similar", Asked(request.question, found.draft_text, listed),
                             request.filters.model_dump())
        return found.to_json()

    @app.get("/api/health", response_model=Health, responses={503: ERRORS[503]}, summary="Is there an index?")
    def health(http: Request) -> Health:
        current = opened(http)
        with lock:
            current.index.sync()  # a Chroma server that went away is a 503 here
            chunks, documents = len(current.index), len(current.index.document_ids())
        settings = current.settings
        return Health(status="ok", chunks=chunks, documents=documents,
                      store="server" if settings.chroma_url else "embedded", answerer=settings.llm or "extractive")

    @app.post("/api/feedback", response_model=FeedbackResponse,
              responses={404: {"model": Problem, "description": "No such answer of this user's."},
                         503: {"model": Problem, "description": "This server keeps no audit log."}},
              summary="Thumbs up or down, with an optional comment, on an answer of /api/ask")
    def feedback(request: FeedbackRequest, http: Request) -> FeedbackResponse:
        if audit is None:
            raise Unavailable("deze server houdt geen auditlog bij, dus ook geen feedback")
        user = user_name(http)
        asked = audit.asked(request.answer_id, user)
        if asked is None:
            raise HTTPException(404, f"geen antwoord {request.answer_id} van deze gebruiker")
        rating = 1 if request.rating == "up" else -1
        return FeedbackResponse(feedback_id=audit.record_feedback(user, "api", rating, request.comment, asked,
                                                                  request.answer_id))

    return app
