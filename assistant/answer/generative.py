"""A generative model behind the Answerer interface, and the checker that decides what of its reply is shown.

The model (any OpenAI-compatible server, or Ollama, through langchain) gets the numbered passages as quoted
data (prompts.py). What it replies is `Answer.raw`; the answer is what survives `check_reply` (checker.py):
every sentence cites passages that exist and hold every figure it states, and no words of it come from an
instruction to the model inside a document.

A dropped sentence is named in a line under the answer. When nothing supported remains, when the model says
the documents do not answer, or when it does not answer at all (a timeout, a server error), the extractive
answer is given instead, with a notice. A model that refuses the request (an unknown model, a bad key: a 4xx
status) is a ModelError: that is for whoever configured it, not a question's bad luck.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from ..errors import ModelError
from ..settings import Settings, parse_llm
from ..types import Answer, Citation, Passage
from . import prompts
from .checker import Check, check_reply
from .units import Answerer
from .question import Intent, analyze_question

log = logging.getLogger(__name__)


# -- the prompt ---------------------------------------------------------------------------------------


def build_messages(question: str, passages: Sequence[Passage]) -> list[SystemMessage | HumanMessage]:
    """The system rules and the numbered passages as quoted data, then the question."""
    shown = "\n\n".join(
        prompts.PASSAGE.format(n=i, title=_attribute(p.chunk.title), agency=_attribute(p.chunk.agency),
                               section=_attribute(p.chunk.section), text=_defuse(p.chunk.text))
        for i, p in enumerate(passages, 1)
    )
    user = prompts.USER_PROMPT.format(passages=shown, question=_defuse(question),
                                      cannot_answer=prompts.CANNOT_ANSWER)
    return [SystemMessage(prompts.SYSTEM_PROMPT), HumanMessage(user)]


def _defuse(text: str) -> str:
    # A document cannot end its own <passage> early and speak outside it: "</passage>" loses its "<".
    return re.sub(rf"<(/?\s*{prompts.PASSAGE_TAG})", r"‹\1", text, flags=re.IGNORECASE)


def _attribute(text: str) -> str:
    return _defuse(text).replace('"', "'").replace("\n", " ")


# -- the answerer -------------------------------------------------------------------------------------


class GenerativeAnswerer:
    """A chat model writes the answer; `check_reply` decides what of it is shown; `fallback` answers when
    nothing of it can be."""

    def __init__(self, model: BaseChatModel, fallback: Answerer, retries: int = 0, timeout: float = 60.0) -> None:
        if retries < 0:
            raise ValueError(f"retries must be 0 or more, not {retries}")
        self.model, self.fallback, self.retries, self.timeout = model, fallback, retries, timeout
        # The lock every caller holds while it asks (the chat's and the API's: one question at a time through
        # the index), released while the model writes: 20 people wait for the model side by side, not in turn.
        self.lock: threading.Lock | None = None

    @classmethod
    def from_settings(cls, settings: Settings, fallback: Answerer) -> GenerativeAnswerer:
        return cls(chat_model(settings), fallback, settings.llm_retries, settings.llm_timeout)

    def __call__(self, question: str, passages: Sequence[Passage], intent: Intent | None = None) -> Answer:
        intent = intent or analyze_question(question)
        passages = [p if p.rank == i else replace(p, rank=i) for i, p in enumerate(passages, 1)]
        if not passages:
            return self.fallback(question, passages, intent)
        try:
            raw = self._reply(build_messages(question, passages))
        except _Unanswered as exc:
            return self._instead(question, passages, intent, prompts.FALLBACK_FAILED.format(reason=exc), "")
        check = check_reply(raw, passages)
        if check.abstained:
            return self._instead(question, passages, intent, prompts.FALLBACK_ABSTAINED, raw)
        if not check.kept:
            return self._instead(question, passages, intent, prompts.FALLBACK_UNSUPPORTED.format(
                reasons=_reasons(check)), raw)
        text = check.text()
        if check.dropped:
            count = len(check.dropped)
            text += "\n" + prompts.DROPPED_NOTE.format(count="1 zin" if count == 1 else f"{count} zinnen",
                                                       reasons=_reasons(check))
        by_rank = {p.rank: p for p in passages}
        return Answer(question=question, answered=True, text=text, passages=tuple(passages), raw=raw,
                      citations=tuple(Citation(n, by_rank[n]) for n in check.cited()))

    def _reply(self, messages: list[Any]) -> str:
        for attempt in range(self.retries + 1):
            try:
                with self._unlocked():
                    reply = self.model.invoke(messages)
                return _content(reply.content)
            except Exception as exc:
                reason = _transient(exc, self.timeout)
                if reason is None:
                    raise
                log.warning("the model did not answer (%s), attempt %d of %d", reason, attempt + 1, self.retries + 1)
                if attempt == self.retries:
                    raise _Unanswered(reason) from exc
        raise AssertionError("unreachable")

    @contextmanager
    def _unlocked(self) -> Iterator[None]:
        lock = self.lock
        if lock is None:
            yield
            return
        lock.release()
        try:
            yield
        finally:
            lock.acquire()

    def _instead(self, question: str, passages: list[Passage], intent: Intent, notice: str, raw: str) -> Answer:
        answer = self.fallback(question, passages, intent)
        return replace(answer, notices=(*answer.notices, notice), raw=raw or answer.raw)


class _Unanswered(Exception):
    """The model gave no reply (timeout, connection, server error); the message says which."""


def _reasons(check: Check) -> str:
    keys = list(dict.fromkeys(reason for _, reason in check.dropped))
    return "; ".join(prompts.REASONS[k] for k in keys) or prompts.REASONS["uncited"]


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _transient(exc: Exception, timeout: float) -> str | None:
    """A Dutch reason when the model did not answer through no fault of the request; None for a bug.
    A refusal of the request itself (4xx other than 408/429) is a ModelError."""
    import httpx
    import openai

    status = getattr(exc, "status_code", None)
    if isinstance(exc, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        return f"geen antwoord binnen {timeout:g} s"
    if isinstance(exc, (openai.APIConnectionError, httpx.TransportError, ConnectionError)):
        return "geen verbinding met de server van het model"
    if isinstance(status, int) and (status >= 500 or status in (408, 429)):
        return f"serverfout {status}"
    if isinstance(status, int) and 400 <= status < 500:
        raise ModelError(f"the model server refused the request ({status}): {_short(exc)}; check --llm, "
                         "--llm-base-url and the key in the environment (OPENAI_API_KEY)") from exc
    return None


def _short(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc))[:300]


def chat_model(settings: Settings) -> BaseChatModel:
    """The langchain chat model `settings.llm` names; keys come from the environment (OPENAI_API_KEY)."""
    import os

    provider, model = parse_llm(settings.llm)
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=model, base_url=settings.llm_base_url or None, temperature=0.0,
                          client_kwargs={"timeout": settings.llm_timeout})
    from langchain_openai import ChatOpenAI

    key = os.environ.get("OPENAI_API_KEY") or ("not-needed" if settings.llm_base_url else None)
    if key is None:
        raise ModelError("--llm openai:MODEL needs OPENAI_API_KEY in the environment, or --llm-base-url for an "
                         "OpenAI-compatible server of your own (vLLM, llama.cpp, LM Studio)")
    # Retries are ours (GenerativeAnswerer), the same for every provider.
    return ChatOpenAI(model=model, base_url=settings.llm_base_url or None, api_key=key,  # type: ignore[arg-type]
                      timeout=settings.llm_timeout, max_retries=0, temperature=0.0)
