"""The Gradio chat: thin. Follow-ups are resolved by conversation.py, answers come from core.Assistant.ask,
HTML from render.py, files from export.py; this module wires them to the page.

A click on a citation [n] (a link to "#bron-<turn>-<n>", in the chat or in the sources panel) is caught
by one handler in the page, which sends the target to `open_citation`; it answers with the panel showing
that passage inside its document.
"""
from __future__ import annotations

import html
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from ..auth.access import Access, SignInMiddleware
from ..auth.audit import Asked, AuditLog
from ..auth.scope import CollectionView, Scopes
from ..auth.users import UsersFile
from ..core import Assistant, check_question
from ..errors import AssistantError, IndexMismatchError, IndexMissingError, ModelNotFoundError
from ..ingest.collection import PUBLIC_COLLECTION
from ..ingest.pipeline import FileResult
from ..settings import Settings
from ..types import agency_label
from .conversation import Turn, resolve_followup
from .export import write_exports
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

log = logging.getLogger(__name__)

EXAMPLES = [  # questions the shipped corpus answers, with citations (the chat shows the open index's own: examples.py)
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?",
    "Wat is de algemene tevredenheid bij het Agentschap Binnenlands Bestuur?",
    "Vergelijk hoe de agentschappen de klanttevredenheid meten.",
]
PLACEHOLDER = ("**Stel een vraag over de schriftelijke parlementaire vragen en de antwoorden van de ministers.**<br>"
               "Elk antwoord citeert de passages waarop het steunt: klik op een [n] om de passage in haar "
               "document te zien. Een vervolgvraag (\"En Kind en Gezin?\") bouwt verder op de vorige vraag.")
# An answer streams in at most 6 pieces, 0.04 s apart: visibly streaming, 0.2 s in all. Every piece is a
# message through the queue to the page, so more pieces cost CPU that 20 people at once feel.
STREAM_STEPS = 6
STREAM_DELAY = 0.04
EXPORT_MAX_AGE = 3600  # seconds an export file is kept on the server
NOT_SIGNED_IN = "U bent niet (meer) aangemeld: laad de pagina opnieuw en meld u aan."

CSS = """
.answer .searched { color: var(--body-text-color-subdued); font-size: 0.9em; margin-bottom: 0.4em; }
.answer .notice, .answer .hint { color: var(--body-text-color-subdued); font-size: 0.85em; margin-top: 0.4em; }
.answer.error { color: #a40000; }
a.cite { text-decoration: none; font-weight: 600; padding: 0 0.15em; border-radius: 4px;
  background: rgba(37, 99, 235, 0.12); color: #1d4ed8 !important; cursor: pointer; }
a.cite:hover { background: rgba(37, 99, 235, 0.25); }
table.comparison { border-collapse: collapse; margin: 0.3em 0; font-size: 0.92em; }
table.comparison th, table.comparison td { border: 1px solid var(--border-color-primary); padding: 0.3em 0.5em;
  vertical-align: top; text-align: left; }
table.comparison td.agency { min-width: 8em; }
table.comparison td.figure, table.comparison td.sources { white-space: nowrap; }
#bronnen .sources h3 { margin: 0.6em 0 0.3em; font-size: 1em; }
#bronnen .viewer { border: 2px solid #f59e0b; border-radius: 8px; padding: 0.5em 0.7em; margin-bottom: 0.8em; }
#bronnen .viewer .document { max-height: 22em; overflow-y: auto; line-height: 1.5; font-size: 0.92em;
  padding: 0.3em 0.4em 0 0; margin-top: 0.4em; border-top: 1px solid var(--border-color-primary); }
#bronnen mark { background: #fde68a; color: inherit; padding: 0.05em 0; }
#bronnen .meta { color: var(--body-text-color-subdued); font-size: 0.85em; }
#bronnen .gap { color: var(--body-text-color-subdued); }
#bronnen ol.cards { list-style: none; padding: 0; margin: 0; }
#bronnen .card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.4em 0.6em;
  margin-bottom: 0.5em; }
#bronnen .card.active { border-color: #f59e0b; }
#bronnen .card .excerpt { font-size: 0.88em; margin-top: 0.25em; max-height: 7.5em; overflow: hidden; }
"""

# Installed once per page: clicks on any citation link go to the server as a "cite" event of the panel.
# The panel re-renders with the passage opened; its <mark> is then scrolled into view.
CITATION_JS = """
window.__openCitation = (target) => trigger('cite', {target: target});
if (!window.__citationClicks) {
  window.__citationClicks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a.cite') : null;
    if (!link) return;
    event.preventDefault();
    window.__openCitation(link.getAttribute('href'));
  });
}
watch('value', () => {
  const mark = element.querySelector('mark');
  if (mark) mark.scrollIntoView({block: 'center'});
});
"""


def _unchanged() -> list[Any]:
    return [gr.skip() for _ in range(4)]


def _downloads_off() -> list[Any]:
    return [gr.update(interactive=False) for _ in range(4)]


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


def _user_name(request: gr.Request | None) -> str:
    return str(getattr(request, "username", None) or "")


def _file_line(result: FileResult) -> str:
    name = html.escape(result.path.name)
    if result.failed:
        return f'<li class="upload-error">{name}: mislukt: {html.escape("; ".join(result.errors))}</li>'
    return (f"<li>{name}: {result.added} toegevoegd, {result.updated} bijgewerkt, "
            f"{result.unchanged} ongewijzigd, {result.chunks} passages</li>")


def _upload_status(lines: list[str], summary: str) -> str:
    return f"<ul>{''.join(lines)}</ul><p>{html.escape(summary)}</p>"


class Chat:
    """The chat's behaviour, one instance per server: an open Assistant, or the reason there is none."""

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
        self._expect(request, len(session.turns) + 1)
        yield pending, "", replace(session, messages=tuple(pending)), gr.skip(), *_downloads_off()
        try:
            with self.lock:
                answer = assistant.ask(searched, agencies=agencies or (), doc_ids=doc_ids or ())
        except AssistantError as exc:
            self._expect(request, len(session.turns))
            yield self._failed(session, messages, explain(exc, assistant.settings))
            return
        if self.audit is not None:
            self.audit.record_ask(_user_name(request), "chat", "ask", Asked.from_answer(searched, answer),
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
        self._expect(request, 0)
        return [], "", Session(), EMPTY_SOURCES, *_downloads_off()

    def exports(self, session: Session | None, request: gr.Request | None = None) -> list[Any]:
        """Download buttons for the latest answer and the whole conversation, Markdown and DOCX; unchanged
        when the tab has asked another question since (that question's own exports follow)."""
        turns = session.turns if session is not None else ()
        if self._expected(request) > len(turns):
            return _unchanged()
        if not turns:
            return [gr.update(value=None, interactive=False) for _ in range(4)]
        self._sweep_exports()
        folder = self.export_dir / uuid.uuid4().hex
        now = datetime.now()
        stamp = f"{now:%Y%m%d-%H%M}"
        latest = write_exports(turns[-1:], folder, f"antwoord-{len(turns)}-{stamp}", first_number=len(turns),
                               exported_at=now)
        everything = write_exports(turns, folder, f"gesprek-{stamp}", exported_at=now)
        return [gr.update(value=str(path), interactive=True) for path in (*latest, *everything)]

    def filter_documents(self, agencies: Sequence[str] | None, doc_ids: Sequence[str] | None,
                         request: gr.Request | None = None) -> Any:
        choices = self.document_choices(agencies or (), request)
        keep = [d for d in (doc_ids or []) if d in {doc_id for _, doc_id in choices}]
        return gr.update(choices=choices, value=keep)

    # -- helpers -----------------------------------------------------------------------------------

    def _expect(self, request: gr.Request | None, turns: int) -> None:
        key = getattr(request, "session_hash", None)
        if key is None:
            return
        with self._expected_lock:
            self._expected_turns.pop(key, None)
            self._expected_turns[key] = turns
            if len(self._expected_turns) > 10_000:  # forget the tabs that asked longest ago
                self._expected_turns.pop(next(iter(self._expected_turns)))

    def _expected(self, request: gr.Request | None) -> int:
        with self._expected_lock:
            return self._expected_turns.get(getattr(request, "session_hash", None) or "", 0)

    def load_choices(self, request: gr.Request | None = None) -> tuple[Any, Any, Any, str]:
        """On a signed-in server, what the page shows its user: their agencies, documents and collections."""
        groups = self.groups(request)
        return (gr.update(choices=self.agency_choices(request), value=[]),
                gr.update(choices=self.document_choices((), request), value=[]),
                gr.update(choices=groups, value=groups[0] if groups else None),
                f"Aangemeld als **{html.escape(_user_name(request))}** · [Afmelden](/logout)")

    def feedback(self, session: Session, liked: gr.LikeData, request: gr.Request | None = None) -> Any:
        """A thumb on an answer: stored with its question, text and citations; the comment box opens for it."""
        if self.audit is None or session is None or liked.liked not in (True, False) \
                or not isinstance(liked.index, int) or liked.index not in session.answer_at:
            return gr.skip(), gr.skip()
        turn = session.turns[session.answer_at.index(liked.index)]
        feedback_id = self.audit.record_feedback(_user_name(request), "chat", 1 if liked.liked else -1, "",
                                                 Asked.from_answer(turn.searched, turn.answer))
        return feedback_id, gr.update(visible=True, value="")

    def comment(self, feedback_id: int | None, text: str, request: gr.Request | None = None) -> Any:
        if self.audit is None or not feedback_id or not (text or "").strip():
            return gr.skip()
        self.audit.set_comment(int(feedback_id), _user_name(request), text)
        return gr.update(visible=False, value="")

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

    def _failed(self, session: Session, messages: list[dict[str, str]], problem: str) -> tuple[Any, ...]:
        shown = [*messages, {"role": "assistant", "content": render_error(problem)}]
        return shown, gr.skip(), replace(session, messages=tuple(shown)), gr.skip(), *_unchanged()

    def _sweep_exports(self) -> None:
        cutoff = time.time() - EXPORT_MAX_AGE
        for folder in self.export_dir.glob("*"):
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    # -- the page ----------------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        with gr.Blocks(title="Parlementaire vragen", analytics_enabled=False) as app:
            session = gr.State(Session())
            gr.Markdown("## Vragen over schriftelijke parlementaire vragen en antwoorden")
            if self.problem:
                gr.Markdown(f"**Let op:** {self.problem}", elem_id="probleem")
            if self.notice:
                gr.Markdown(f"**Let op:** {self.notice}", elem_id="open-server")
            signed_in = gr.Markdown("", elem_id="aangemeld", visible=self.scopes is not None)
            # On a signed-in server the lists depend on who asks: filled by the page's load event below.
            listed = self.scopes is None
            examples = self.example_questions()
            with gr.Tabs(elem_id="paginas"):
                with gr.Tab("Vragen", elem_id="tab-vragen"):
                    with gr.Row():
                        with gr.Column(scale=3):
                            chatbot = gr.Chatbot(
                                label="Gesprek", elem_id="gesprek", height=560, sanitize_html=True,
                                latex_delimiters=[], placeholder=PLACEHOLDER,
                                examples=[{"text": q} for q in examples] or None,
                                feedback_options=("Like", "Dislike") if self.audit is not None else None,
                                buttons=["copy"],
                            )
                            feedback_id = gr.State(None)
                            comment = gr.Textbox(label="Toelichting bij uw beoordeling (optioneel)", visible=False,
                                                 lines=1, max_lines=4, elem_id="feedback-toelichting",
                                                 submit_btn="Verstuur")
                            question = gr.Textbox(label="Uw vraag", placeholder=f"Bv. {examples[0]}" if examples
                                                  else "", lines=1, max_lines=8, elem_id="vraag", submit_btn=False)
                            with gr.Row():
                                ask_button = gr.Button("Vraag", variant="primary", elem_id="vraag-knop", scale=3)
                                new_button = gr.Button("Nieuw gesprek", elem_id="nieuw-gesprek", scale=1)
                        with gr.Column(scale=2):
                            with gr.Accordion("Filters", open=True):
                                agencies = gr.Dropdown(choices=self.agency_choices() if listed else [],
                                                       multiselect=True, value=[],
                                                       label="Agentschap", elem_id="filter-agentschap",
                                                       info="Alleen passages van deze agentschappen")
                                documents = gr.Dropdown(choices=self.document_choices() if listed else [],
                                                        multiselect=True, value=[],
                                                        label="Document", elem_id="filter-document",
                                                        info="Alleen passages uit deze documenten")
                            with gr.Accordion("Documenten toevoegen", open=False):
                                upload_files = gr.File(file_count="multiple", elem_id="upload-bestanden",
                                                       label="Bestanden (PDF, DOCX, HTML, MD, TXT, JSONL)")
                                collection = gr.Dropdown(choices=[], label="Collectie", elem_id="upload-collectie",
                                                         visible=self.scopes is not None,
                                                         info="Alleen wie in deze groep zit, ziet wat u toevoegt")
                                upload_button = gr.Button("Toevoegen", elem_id="upload-knop", size="sm")
                                upload_status = gr.HTML("", elem_id="upload-status")
                            sources = gr.HTML(EMPTY_SOURCES, elem_id="bronnen", js_on_load=CITATION_JS,
                                              label="Bronnen")
                            with gr.Accordion("Exporteren", open=True):
                                with gr.Row():
                                    latest_md = gr.DownloadButton("Antwoord (.md)", interactive=False, size="sm",
                                                                  elem_id="export-antwoord-md")
                                    latest_docx = gr.DownloadButton("Antwoord (.docx)", interactive=False,
                                                                    size="sm", elem_id="export-antwoord-docx")
                                with gr.Row():
                                    all_md = gr.DownloadButton("Gesprek (.md)", interactive=False, size="sm",
                                                               elem_id="export-gesprek-md")
                                    all_docx = gr.DownloadButton("Gesprek (.docx)", interactive=False, size="sm",
                                                                 elem_id="export-gesprek-docx")
                from .similar_tab import build_similar_tab  # the "Eerder gevraagd?" tab beside the chat's

                similar_minister, similar_agencies = build_similar_tab(
                    self.assistant, self.lock, self.problem,
                    for_request=self.for_request if self.scopes is not None else None, audit=self.audit)
            downloads = [latest_md, latest_docx, all_md, all_docx]
            outputs = [chatbot, question, session, sources, *downloads]
            filters = [agencies, documents]
            question.submit(self.respond, [question, session, *filters], outputs, api_name="ask").then(
                self.exports, session, downloads, api_name="exports")
            for event in (
                ask_button.click(self.respond, [question, session, *filters], outputs, api_visibility="private"),
                chatbot.example_select(self.ask_example, [session, *filters], outputs, api_visibility="private"),
                new_button.click(self.new_conversation, None, outputs, api_visibility="private"),
            ):
                event.then(self.exports, session, downloads, api_visibility="private")
            agencies.change(self.filter_documents, filters, documents, api_visibility="private")
            upload_button.click(self.upload, [upload_files, *filters, collection], [upload_status, agencies, documents],
                                api_visibility="private")
            if self.audit is not None:
                chatbot.like(self.feedback, session, [feedback_id, comment], api_visibility="private")
                comment.submit(self.comment, [feedback_id, comment], comment, api_visibility="private")
            if self.scopes is not None:
                app.load(self.load_choices, None, [agencies, documents, collection, signed_in],
                         api_visibility="private")
                app.load(similar_agencies, None, [similar_minister], api_visibility="private")
            sources.cite(self.open_citation, session, sources, api_visibility="private",  # type: ignore[attr-defined]
                         concurrency_limit=None)
        return app


def open_chat(settings: Settings, users: UsersFile | None = None, audit: AuditLog | None = None,
              notice: str = "") -> Chat:
    """A Chat over the index of `settings`; an index that cannot be opened becomes the chat's message. With
    `users`, each user sees their collections only."""
    try:
        assistant = Assistant.open(settings)
    except AssistantError as exc:
        log.error("the chat starts without an index: %s", exc)
        return Chat(None, problem=explain(exc, settings), audit=audit, notice=notice,
                    scopes=None if users is None else Scopes(None, users))  # type: ignore[arg-type]
    return Chat(assistant, scopes=Scopes(assistant, users) if users is not None else None, audit=audit, notice=notice)


def launch(chat: Chat, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Start the chat's web server; with block=False it runs in a thread and this returns at once."""
    app = chat.build()
    # 20 people at once: their answers queue for the index one by one (~0.1 s each) while up to 32 stream.
    app.queue(default_concurrency_limit=32, max_size=256)
    # No footer (its links are English and lead to the API page) and no run history kept in the browser.
    app.launch(server_name=host, server_port=port, css=CSS, prevent_thread_lock=not block, quiet=not block,
               show_error=False, footer_links=[], run_history=False)
    return app


def web_app(chat: Chat, access: Access | None = None) -> Any:
    """The chat at / and the HTTP API (api.py) at /api/, one FastAPI app on one port: what `serve` runs. With
    `access`, every route needs a session or an API token (auth/access.py)."""
    from .api import create_app

    # The chat's lock: the API's questions queue for the index with the chat's.
    app = create_app(chat.assistant, chat.problem, chat.lock, scopes=chat.scopes, audit=chat.audit)
    blocks = chat.build()
    blocks.queue(default_concurrency_limit=32, max_size=256)  # as `launch` does
    # Gradio asks `access` who the request is (gr.Request.username); the middleware has already refused strangers.
    mounted = gr.mount_gradio_app(app, blocks, path="/", css=CSS, show_error=False, footer_links=[], run_history=False,
                                  auth_dependency=access.username if access is not None else None)
    if access is not None:
        mounted.add_middleware(SignInMiddleware, access=access)
    return mounted


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, users: UsersFile | None = None,
          notice: str = "") -> None:
    """The chat and the API (/api/ask, /api/similar, /api/health, /api/feedback, /docs) on one port, until
    interrupted; with `users`, every route needs a session or a token (`auth.access.sign_in_for` decides)."""
    import uvicorn

    audit = AuditLog(settings.audit_db, settings.audit_retention_days)
    chat = open_chat(settings, users, audit, notice)
    access = Access(users) if users is not None else None
    uvicorn.run(web_app(chat, access), host=host, port=port, access_log=False, log_level="info")
