"""The chat's state, one instance per server: the open Assistant (or why there is none), who sees what on a
signed-in server, the lock the index is searched under, the per-tab bookkeeping of exports and their files.
The events (chat_events.py) act on it; the page (chat_page.py) wires them."""
from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from ..auth.audit import AuditLog
from ..auth.scope import CollectionView, Scopes
from ..core import Assistant
from ..errors import AssistantError, IndexMismatchError, IndexMissingError, ModelNotFoundError
from ..ingest.collection import PUBLIC_COLLECTION
from ..settings import Settings
from ..types import agency_label
from .conversation import Turn
from .export import write_exports

EXPORT_MAX_AGE = 3600  # seconds an export file is kept on the server
NOT_SIGNED_IN = "U bent niet (meer) aangemeld: laad de pagina opnieuw en meld u aan."


@dataclass(frozen=True)
class Session:
    """One browser tab's conversation: the answered turns and the chat messages shown."""

    turns: tuple[Turn, ...] = ()
    messages: tuple[dict[str, str], ...] = field(default=())
    answer_at: tuple[int, ...] = ()  # the message index of each turn's answer (what a thumbs up refers to)


def explain(exc: AssistantError, settings: Settings | None = None) -> str:
    """A Dutch message for the chat, saying what to do next."""
    if isinstance(exc, IndexMissingError):
        where = settings.index_dir if settings else "de indexmap"
        return (f"Er is geen index in {where}. Bouw ze met `python -m assistant ingest PAD... --index {where}` "
                f"en start de chat opnieuw. ({exc})")
    if isinstance(exc, IndexMismatchError):
        return f"De index is gebouwd met andere instellingen dan nu gekozen: gebruik dezelfde instellingen. ({exc})"
    if isinstance(exc, ModelNotFoundError):
        return f"Het embeddingmodel staat niet op deze computer. ({exc})"
    message = str(exc).strip() or exc.__class__.__name__
    return message[0].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")


def user_name(request: gr.Request | None) -> str:
    return str(getattr(request, "username", None) or "")


class ChatState:
    """What the chat holds, one instance per server: an open Assistant, or the reason there is none."""

    def __init__(self, assistant: Assistant | None, problem: str = "", export_dir: Path | None = None,
                 scopes: Scopes | None = None, audit: AuditLog | None = None, notice: str = "") -> None:
        """With `scopes` (a signed-in server) every event sees only its user's collections; with `audit`
        questions are logged and answers get thumbs; `notice` is shown at the top (an open server says so)."""
        if assistant is None and not problem:
            raise ValueError("without an assistant, say why (problem)")
        self.assistant = assistant
        self.problem = problem
        self.scopes, self.audit, self.notice = scopes, audit, notice
        self.export_dir = export_dir or Path(tempfile.mkdtemp(prefix="assistant-export-"))
        # One question at a time through the index: the stemmer and Chroma client are shared, and PyStemmer
        # objects are not safe to use from two threads at once. An answer takes ~0.1 s; streaming is outside.
        # The API and the similar tab take the same lock, so their questions queue with the chat's.
        self.lock = threading.Lock()
        # Per browser tab, the number of turns its newest question will make. An export event that finishes
        # after the tab asked again is stale: it must not switch the buttons back on with the older files.
        self._expected_turns: dict[str, int] = {}
        self._expected_lock = threading.Lock()

    # -- who sees what ------------------------------------------------------------------------------

    def for_request(self, request: gr.Request | None) -> Assistant | None:
        """The assistant as this request's user sees it: all of it on an open server, their collections on a
        signed-in one, None for nobody signed in."""
        if self.scopes is None or self.assistant is None:
            return self.assistant
        user = self.scopes.user(getattr(request, "username", None))
        return self.scopes.for_user(user) if user is not None else None

    def groups(self, request: gr.Request | None) -> list[str]:
        user = self.scopes.user(getattr(request, "username", None)) if self.scopes is not None else None
        return list(user.groups) if user is not None else []

    def documents(self, request: gr.Request | None) -> Any:
        """The document lookup (doc_id -> Document or None) of this request's user."""
        assistant = self.for_request(request)
        return assistant.index.document if assistant is not None else (lambda doc_id: None)

    # -- choices for the filters --------------------------------------------------------------------

    def agency_choices(self, request: gr.Request | None = None) -> list[tuple[str, str]]:
        assistant = self.for_request(request)
        if assistant is None:
            return []
        known = assistant.index.agencies()
        return [(agency_label(full, short), full) for full, short in sorted(known.items())]

    def example_questions(self) -> list[str]:
        """The empty chat's examples, from the open index's subject lines (none without an index). On a signed-in
        server only from the public collection: every visitor sees them."""
        from ..examples import example_questions

        if self.assistant is None:
            return []
        index = self.assistant.index
        if self.scopes is not None:
            index = CollectionView(index, [PUBLIC_COLLECTION])  # type: ignore[assignment]
        return example_questions(index)

    def document_choices(self, agencies: Sequence[str] = (), request: gr.Request | None = None
                         ) -> list[tuple[str, str]]:
        assistant = self.for_request(request)
        if assistant is None:
            return []
        titles: dict[str, str] = {}
        for chunk in assistant.index.chunks:
            if not agencies or chunk.agency in agencies:
                titles.setdefault(chunk.doc_id, chunk.title or chunk.doc_id)
        return sorted(((title, doc_id) for doc_id, title in titles.items()), key=lambda td: td[0].casefold())

    # -- a tab's exports ----------------------------------------------------------------------------

    def expect(self, request: gr.Request | None, turns: int) -> None:
        """The tab of `request` has asked a question that will make `turns` turns."""
        key = getattr(request, "session_hash", None)
        if key is None:
            return
        with self._expected_lock:
            self._expected_turns.pop(key, None)
            self._expected_turns[key] = turns
            if len(self._expected_turns) > 10_000:  # forget the tabs that asked longest ago
                self._expected_turns.pop(next(iter(self._expected_turns)))

    def expected(self, request: gr.Request | None) -> int:
        with self._expected_lock:
            return self._expected_turns.get(getattr(request, "session_hash", None) or "", 0)

    def write_exports(self, turns: Sequence[Turn]) -> list[Path]:
        """The latest answer and the whole conversation, Markdown and DOCX, in a new folder; folders older than
        EXPORT_MAX_AGE are removed first."""
        self.sweep_exports()
        folder = self.export_dir / uuid.uuid4().hex
        now = datetime.now()
        stamp = f"{now:%Y%m%d-%H%M}"
        latest = write_exports(turns[-1:], folder, f"antwoord-{len(turns)}-{stamp}", first_number=len(turns),
                               exported_at=now)
        everything = write_exports(turns, folder, f"gesprek-{stamp}", exported_at=now)
        return [*latest, *everything]

    def sweep_exports(self) -> None:
        cutoff = time.time() - EXPORT_MAX_AGE
        for folder in self.export_dir.glob("*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
