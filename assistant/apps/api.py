"""The HTTP API beside the chat, for scripts: POST /api/ask, POST /api/similar, GET /api/health.

The request and response models are pydantic, so /openapi.json describes exactly what is accepted and
returned (and /docs shows it). Bad input is a 4xx with a message saying what to change, never a 500:

    400  the assistant refused the input (empty or over-long question, unknown agency or document)
    422  the request does not fit the schema (FastAPI's list of what is wrong where)
    502  the generative model refused the request (its name, key or address is wrong)
    503  no index: it is missing, or the Chroma server does not answer
"""
from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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


def create_app(assistant: Assistant | None, problem: str = "", lock: threading.Lock | None = None) -> FastAPI:
    """The API over `assistant` (or, without one, answering 503 with `problem`). `lock` is the one the chat
    holds while it asks: one question at a time goes through the index, and every caller of the assistant's
    answerer holds it from then on (a generative one lets go of it while the model writes)."""
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

    def opened() -> Assistant:
        if assistant is None:
            raise Unavailable(problem or "the assistant has no index")
        return assistant

    @app.post("/api/ask", response_model=AskResponse, responses=ERRORS, summary="Answer a question, with citations")
    def ask(request: AskRequest) -> dict[str, Any]:
        current = opened()
        with lock:
            answer = current.ask(request.question, k=request.k, agencies=request.filters.agencies,
                                 doc_ids=request.filters.documents)
        return {**answer.to_json(), "searched": answer.searched, "notices": list(answer.notices)}

    @app.post("/api/similar", response_model=SimilarResponse, responses=ERRORS,
              summary="Earlier documents on a question's subject, and a cited draft outline")
    def similar(request: SimilarRequest) -> dict[str, Any]:
        from ..similar import find_similar

        current = opened()
        with lock:
            current.index.sync()
            found = find_similar(current, request.question, k=request.k, agencies=request.filters.agencies,
                                 doc_ids=request.filters.documents, since=request.since, until=request.until)
        return found.to_json()

    @app.get("/api/health", response_model=Health, responses={503: ERRORS[503]}, summary="Is there an index?")
    def health() -> Health:
        current = opened()
        with lock:
            current.index.sync()  # a Chroma server that went away is a 503 here
            chunks, documents = len(current.index), len(current.index.document_ids())
        settings = current.settings
        return Health(status="ok", chunks=chunks, documents=documents,
                      store="server" if settings.chroma_url else "embedded", answerer=settings.llm or "extractive")

    return app
