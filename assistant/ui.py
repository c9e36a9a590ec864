"""The Gradio chat: thin, it calls core.Assistant.ask and renders the Answer.

Document text, titles and questions are escaped before they reach the page: they are shown as text,
never as HTML.
"""
from __future__ import annotations

import html
import logging
from collections.abc import Iterator

import gradio as gr

from .core import Assistant
from .errors import AssistantError
from .settings import Settings
from .types import Answer

log = logging.getLogger(__name__)

EXAMPLES = [
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "Vergelijk de meetmethode van elk agentschap.",
    "Which agencies use web surveys?",
]


def render_sources(answer: Answer) -> str:
    """The cited passages (or, when nothing is cited, the closest ones) as escaped HTML."""
    items = [(c.n, c.passage) for c in answer.citations] or [(p.rank, p) for p in answer.passages]
    if not items:
        return "<p>Geen passages.</p>"
    heading = "Bronnen" if answer.citations else "Dichtstbijzijnde passages"
    parts = [f"<h3>{heading}</h3>"]
    for n, passage in items:
        chunk = passage.chunk
        meta = " · ".join(html.escape(x) for x in (chunk.agency_short, chunk.section,
                                                    f"punt {chunk.item}" if chunk.item else "") if x)
        parts.append(
            f'<div class="source" id="source-{n}"><p><b>[{n}] {html.escape(chunk.title)}</b><br>'
            f"<small>{meta}</small></p><blockquote>{html.escape(chunk.text)}</blockquote></div>"
        )
    return "\n".join(parts)


def render_answer(answer: Answer) -> str:
    text = html.escape(answer.text).replace("\n", "<br>")
    notices = "".join(f"<br><small>{html.escape(n)}</small>" for n in answer.notices)
    return text + notices


def build_app(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="Parlementaire vragen") as app:
        gr.Markdown("## Vragen over schriftelijke parlementaire vragen en antwoorden")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Gesprek", height=520, sanitize_html=True)
                question = gr.Textbox(label="Uw vraag", placeholder="Bv. " + EXAMPLES[0], lines=2)
                ask_button = gr.Button("Vraag", variant="primary")
                gr.Examples(EXAMPLES, inputs=question, label="Voorbeeldvragen")
            with gr.Column(scale=2):
                sources = gr.HTML("<p>De bronnen van het antwoord verschijnen hier.</p>", label="Bronnen")

        def respond(message: str, history: list[dict]) -> Iterator[tuple[list[dict], str, str]]:
            history = list(history or [])
            history.append({"role": "user", "content": html.escape(message or "")})
            try:
                answer = assistant.ask(message)
            except AssistantError as exc:
                history.append({"role": "assistant", "content": f"⚠️ {html.escape(str(exc))}"})
                yield history, "", "<p></p>"
                return
            history.append({"role": "assistant", "content": render_answer(answer)})
            yield history, "", render_sources(answer)

        question.submit(respond, [question, chatbot], [chatbot, question, sources])
        ask_button.click(respond, [question, chatbot], [chatbot, question, sources])
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    assistant = Assistant.open(settings)
    build_app(assistant).queue(default_concurrency_limit=4).launch(server_name=host, server_port=port)
