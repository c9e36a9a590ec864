"""The chat's page: the gr.Blocks layout and the wiring of its events to the handlers (chat_events.py).

A click on a citation [n] (a link to "#bron-<turn>-<n>", in the chat or in the sources panel) is caught
by one handler in the page, which sends the target to `open_citation`; it answers with the panel showing
that passage inside its document.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from .chat_state import Session
from .render import EMPTY_SOURCES

if TYPE_CHECKING:
    from .chat_events import ChatEvents

PLACEHOLDER = ("**Stel een vraag over de schriftelijke parlementaire vragen en de antwoorden van de ministers.**<br>"
               "Elk antwoord citeert de passages waarop het steunt: klik op een [n] om de passage in haar "
               "document te zien. Een vervolgvraag (\"En Kind en Gezin?\") bouwt verder op de vorige vraag.")

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


def build_page(chat: ChatEvents) -> gr.Blocks:
    """The page of `chat`: its layout, with every event wired to `chat`'s handlers."""
    with gr.Blocks(title="Parlementaire vragen", analytics_enabled=False) as app:
        session = gr.State(Session())
        gr.Markdown("## Vragen over schriftelijke parlementaire vragen en antwoorden")
        if chat.problem:
            gr.Markdown(f"**Let op:** {chat.problem}", elem_id="probleem")
        if chat.notice:
            gr.Markdown(f"**Let op:** {chat.notice}", elem_id="open-server")
        signed_in = gr.Markdown("", elem_id="aangemeld", visible=chat.scopes is not None)
        # On a signed-in server the lists depend on who asks: filled by the page's load event below.
        listed = chat.scopes is None
        examples = chat.example_questions()
        with gr.Tabs(elem_id="paginas"):
            with gr.Tab("Vragen", elem_id="tab-vragen"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="Gesprek", elem_id="gesprek", height=560, sanitize_html=True,
                            latex_delimiters=[], placeholder=PLACEHOLDER,
                            examples=[{"text": q} for q in examples] or None,
                            feedback_options=("Like", "Dislike") if chat.audit is not None else None,
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
                            agencies = gr.Dropdown(choices=chat.agency_choices() if listed else [],
                                                   multiselect=True, value=[],
                                                   label="Agentschap", elem_id="filter-agentschap",
                                                   info="Alleen passages van deze agentschappen")
                            documents = gr.Dropdown(choices=chat.document_choices() if listed else [],
                                                    multiselect=True, value=[],
                                                    label="Document", elem_id="filter-document",
                                                    info="Alleen passages uit deze documenten")
                        with gr.Accordion("Documenten toevoegen", open=False):
                            upload_files = gr.File(file_count="multiple", elem_id="upload-bestanden",
                                                   label="Bestanden (PDF, DOCX, HTML, MD, TXT, JSONL)")
                            collection = gr.Dropdown(choices=[], label="Collectie", elem_id="upload-collectie",
                                                     visible=chat.scopes is not None,
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
                chat.assistant, chat.lock, chat.problem,
                for_request=chat.for_request if chat.scopes is not None else None, audit=chat.audit)
        downloads = [latest_md, latest_docx, all_md, all_docx]
        outputs = [chatbot, question, session, sources, *downloads]
        filters = [agencies, documents]
        question.submit(chat.respond, [question, session, *filters], outputs, api_name="ask").then(
            chat.exports, session, downloads, api_name="exports")
        for event in (
            ask_button.click(chat.respond, [question, session, *filters], outputs, api_visibility="private"),
            chatbot.example_select(chat.ask_example, [session, *filters], outputs, api_visibility="private"),
            new_button.click(chat.new_conversation, None, outputs, api_visibility="private"),
        ):
            event.then(chat.exports, session, downloads, api_visibility="private")
        agencies.change(chat.filter_documents, filters, documents, api_visibility="private")
        upload_button.click(chat.upload, [upload_files, *filters, collection], [upload_status, agencies, documents],
                            api_visibility="private")
        if chat.audit is not None:
            chatbot.like(chat.feedback, session, [feedback_id, comment], api_visibility="private")
            comment.submit(chat.comment, [feedback_id, comment], comment, api_visibility="private")
        if chat.scopes is not None:
            app.load(chat.load_choices, None, [agencies, documents, collection, signed_in],
                     api_visibility="private")
            app.load(similar_agencies, None, [similar_minister], api_visibility="private")
        sources.cite(chat.open_citation, session, sources, api_visibility="private",  # type: ignore[attr-defined]
                     concurrency_limit=None)
    return app
