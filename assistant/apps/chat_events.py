"""What the chat does on each event of its page: ask (follow-ups resolved by conversation.py, answers from
core.Assistant.ask, HTML from render.py), export, upload, open a citation, take feedback. Every handler
returns the page's updates; the page (chat_page.py) wires them to its components."""
from __future__ import annotations

import html
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr

from ..auth.audit import Asked
from ..core import check_question
from ..errors import AssistantError
from ..ingest.collection import PUBLIC_COLLECTION
from ..ingest.pipeline import FileResult
from .chat_state import NOT_SIGNED_IN, ChatState, Session, explain, user_name
from .conversation import Turn, resolve_followup
from .render import (
    EMPTY_SOURCES,
    parse_citation_target,
    render_answer,
    render_error,
    render_question,
    render_searching,
    render_sources,
    stream_steps,
)

# An answer streams in at most 6 pieces, 0.04 s apart: visibly streaming, 0.2 s in all. Every piece is a
# message through the queue to the page, so more pieces cost CPU that 20 people at once feel.
STREAM_STEPS = 6
STREAM_DELAY = 0.04


def _unchanged() -> list[Any]:
    return [gr.skip() for _ in range(4)]


def _downloads_off() -> list[Any]:
    return [gr.update(interactive=False) for _ in range(4)]


def _file_line(result: FileResult) -> str:
    name = html.escape(result.path.name)
    if result.failed:
        return f'<li class="upload-error">{name}: mislukt: {html.escape("; ".join(result.errors))}</li>'
    return (f"<li>{name}: {result.added} toegevoegd, {result.updated} bijgewerkt, "
            f"{result.unchanged} ongewijzigd, {result.chunks} passages</li>")


def _upload_status(lines: list[str], summary: str) -> str:
    return f"<ul>{''.join(lines)}</ul><p>{html.escape(summary)}</p>"


class ChatEvents(ChatState):
    """The chat's event handlers, over its state."""

    # -- events ------------------------------------------------------------------------------------

    def respond(self, message: str, session: Session, agencies: Sequence[str] | None = None,
                doc_ids: Sequence[str] | None = None, request: gr.Request | None = None,
                ) -> Iterator[tuple[Any, ...]]:
        """Stream one exchange. Yields (chat messages, question box, session, sources panel, four download
        buttons). The buttons are switched off at once; the export files follow in a separate event
        (`exports`) that switches them on again, so building them never delays an answer and a click
        never downloads the previous conversation."""
        message = message or ""
        session = session or Session()
        messages = [*session.messages, {"role": "user", "content": render_question(message)}]
        assistant = self.for_request(request)
        if assistant is None:
            yield self._failed(session, messages, self.problem or NOT_SIGNED_IN)
            return
        try:
            check_question(message, assistant.settings.max_question_chars)
        except AssistantError as exc:
            yield self._failed(session, messages, explain(exc, assistant.settings))
            return
        searched = resolve_followup(message, session.turns, assistant.index.agencies(), agencies or ())
        pending = [*messages, {"role": "assistant", "content": render_searching(searched, message)}]
        self.expect(request, len(session.turns) + 1)
        yield pending, "", replace(session, messages=tuple(pending)), gr.skip(), *_downloads_off()
        try:
            with self.lock:
                answer = assistant.ask(searched, agencies=agencies or (), doc_ids=doc_ids or ())
        except AssistantError as exc:
            self.expect(request, len(session.turns))
            yield self._failed(session, messages, explain(exc, assistant.settings))
            return
        if self.audit is not None:
            self.audit.record_ask(user_name(request), "chat", "ask", Asked.from_answer(searched, answer),
                                  {"agencies": list(agencies or ()), "documents": list(doc_ids or ())})
        turn_index = len(session.turns)
        if not answer.comparison:
            for partial in stream_steps(answer.text, most=STREAM_STEPS)[:-1]:
                shown = [*messages, {"role": "assistant",
                                     "content": render_answer(answer, turn_index, message, partial, final=False)}]
                yield shown, "", gr.skip(), gr.skip(), *_unchanged()
                time.sleep(STREAM_DELAY)
        turns = (*session.turns, Turn(message, answer))
        final = [*messages, {"role": "assistant", "content": render_answer(answer, turn_index, message)}]
        panel = render_sources(answer, turn_index, self.documents(request))
        yield final, "", Session(turns, tuple(final), (*session.answer_at, len(final) - 1)), panel, *_unchanged()

    def upload(self, files: Sequence[str] | None, agencies: Sequence[str] | None,
               doc_ids: Sequence[str] | None, collection: str | None = None,
               request: gr.Request | None = None) -> Iterator[tuple[str, Any, Any]]:
        """Files dropped on the page go through the same ingest as the command line: a line a file as it
        is done (its documents, or why it could not be read), then a summary; searchable right after. On a
        signed-in server they go into `collection`, which must be one of the user's groups."""
        assistant = self.for_request(request)
        if assistant is None:
            yield f'<p class="upload-error">{html.escape(self.problem or NOT_SIGNED_IN)}</p>', gr.update(), gr.update()
            return
        target = PUBLIC_COLLECTION
        if self.scopes is not None:
            groups = self.groups(request)
            if not groups:
                yield ('<p class="upload-error">U hoort bij geen groep, dus bij geen collectie om in toe te voegen.'
                       '</p>', gr.update(), gr.update())
                return
            target = collection if collection in groups else groups[0]
        paths = [Path(f) for f in files or []]
        if not paths:
            yield "<p>Kies eerst een of meer bestanden.</p>", gr.update(), gr.update()
            return
        lines: list[str] = []
        failed: list[FileResult] = []
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def file_done(result: FileResult) -> None:
            lines.append(_file_line(result))
            if result.failed:
                failed.append(result)

        def run() -> None:
            try:
                with self.lock:
                    outcome["result"] = assistant.ingest(paths, on_file=file_done, collection=target)
            except AssistantError as exc:
                outcome["error"] = explain(exc)
            finally:
                done.set()

        threading.Thread(target=run, daemon=True).start()
        while not done.wait(0.5):
            yield _upload_status(lines, f"Bezig: {len(lines)} van {len(paths)} bestanden verwerkt …"), \
                gr.update(), gr.update()
        if "error" in outcome:
            yield _upload_status(lines, outcome["error"]), gr.update(), gr.update()
            return
        report = outcome["result"].report
        summary = (f"Klaar: {report.added} toegevoegd, {report.updated} bijgewerkt, {report.unchanged} ongewijzigd, "
                   f"{len(failed)} mislukt; {report.chunks} passages geschreven. Meteen doorzoekbaar.")
        yield (_upload_status(lines, summary),
               gr.update(choices=self.agency_choices(request), value=list(agencies or [])),
               gr.update(choices=self.document_choices(agencies or (), request), value=list(doc_ids or [])))

    def open_citation(self, session: Session, event: gr.EventData, request: gr.Request | None = None) -> str:
        """The panel with passage n of turn t opened, for a click on "#bron-t-n"."""
        data = getattr(event, "_data", None) or {}
        found = parse_citation_target(str(data.get("target", ""))) if isinstance(data, dict) else None
        if session is None or not session.turns or found is None or self.assistant is None:
            return gr.skip()  # type: ignore[no-any-return]
        turn, n = found
        if not 0 <= turn < len(session.turns):
            return gr.skip()  # type: ignore[no-any-return]
        return render_sources(session.turns[turn].answer, turn, self.documents(request), selected=n)

    def ask_example(self, session: Session, agencies: Sequence[str] | None, doc_ids: Sequence[str] | None,
                    event: gr.SelectData, request: gr.Request | None = None) -> Iterator[tuple[Any, ...]]:
        value = event.value if isinstance(event.value, dict) else {}
        yield from self.respond(str(value.get("text", "")), session, agencies, doc_ids, request)

    def new_conversation(self, request: gr.Request | None = None) -> tuple[Any, ...]:
        self.expect(request, 0)
        return [], "", Session(), EMPTY_SOURCES, *_downloads_off()

    def exports(self, session: Session | None, request: gr.Request | None = None) -> list[Any]:
        """Download buttons for the latest answer and the whole conversation, Markdown and DOCX; unchanged
        when the tab has asked another question since (that question's own exports follow)."""
        turns = session.turns if session is not None else ()
        if self.expected(request) > len(turns):
            return _unchanged()
        if not turns:
            return [gr.update(value=None, interactive=False) for _ in range(4)]
        paths = self.write_exports(turns)
        return [gr.update(value=str(path), interactive=True) for path in paths]

    def filter_documents(self, agencies: Sequence[str] | None, doc_ids: Sequence[str] | None,
                         request: gr.Request | None = None) -> Any:
        choices = self.document_choices(agencies or (), request)
        keep = [d for d in (doc_ids or []) if d in {doc_id for _, doc_id in choices}]
        return gr.update(choices=choices, value=keep)

    def load_choices(self, request: gr.Request | None = None) -> tuple[Any, Any, Any, str]:
        """On a signed-in server, what the page shows its user: their agencies, documents and collections."""
        groups = self.groups(request)
        return (gr.update(choices=self.agency_choices(request), value=[]),
                gr.update(choices=self.document_choices((), request), value=[]),
                gr.update(choices=groups, value=groups[0] if groups else None),
                f"Aangemeld als **{html.escape(user_name(request))}** · [Afmelden](/logout)")

    def feedback(self, session: Session, liked: gr.LikeData, request: gr.Request | None = None) -> Any:
        """A thumb on an answer: stored with its question, text and citations; the comment box opens for it."""
        if self.audit is None or session is None or liked.liked not in (True, False) \
                or not isinstance(liked.index, int) or liked.index not in session.answer_at:
            return gr.skip(), gr.skip()
        turn = session.turns[session.answer_at.index(liked.index)]
        feedback_id = self.audit.record_feedback(user_name(request), "chat", 1 if liked.liked else -1, "",
                                                 Asked.from_answer(turn.searched, turn.answer))
        return feedback_id, gr.update(visible=True, value="")

    def comment(self, feedback_id: int | None, text: str, request: gr.Request | None = None) -> Any:
        if self.audit is None or not feedback_id or not (text or "").strip():
            return gr.skip()
        self.audit.set_comment(int(feedback_id), user_name(request), text)
        return gr.update(visible=False, value="")

    def _failed(self, session: Session, messages: list[dict[str, str]], problem: str) -> tuple[Any, ...]:
        shown = [*messages, {"role": "assistant", "content": render_error(problem)}]
        return shown, gr.skip(), replace(session, messages=tuple(shown)), gr.skip(), *_unchanged()
