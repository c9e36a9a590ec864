"""The chat's "Eerder gevraagd?" tab: paste a new written question, see the earlier answers on its subject
(one row per document, the best passage with the matching words marked) and a draft answer outline whose
[n] jump to the passages listed under it. Everything from a document is escaped before it is put in a tag.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext

import gradio as gr

from ..auth.audit import Asked, AuditLog
from ..core import Assistant
from ..errors import AssistantError
from ..similar import Similar, find_similar

SIMILAR_CSS = """
#similar-resultaat table.similar { border-collapse: collapse; width: 100%; font-size: 0.92em; }
#similar-resultaat table.similar th, #similar-resultaat table.similar td { border: 1px solid
  var(--border-color-primary); padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
#similar-resultaat td.score, #similar-resultaat td.date { white-space: nowrap; }
#similar-resultaat mark { background: #fde68a; color: inherit; padding: 0 0.05em; }
#similar-resultaat .draft li { margin-bottom: 0.3em; }
#similar-resultaat .sources li:target { outline: 2px solid #f59e0b; }
#similar-resultaat .error { color: #a40000; }
"""
EMPTY = '<div class="similar empty">Plak een nieuwe schriftelijke vraag en zoek de eerdere antwoorden.</div>'


def render_similar(found: Similar) -> str:
    """The documents as a table, then the draft with its [n] linked to the sources under it."""
    if not found.documents:
        return '<div class="similar none">Geen eerdere documenten gevonden.</div>'
    rows = []
    for doc in found.documents:
        title = html.escape(doc.title or doc.doc_id)
        rows.append(
            f'<tr class="document" data-doc-id="{html.escape(doc.doc_id, quote=True)}">'
            f'<td class="rank">{doc.rank}</td><td class="title"><b>{title}</b><br><code>{html.escape(doc.doc_id)}'
            f'</code></td><td class="date">{html.escape(doc.date)}</td><td class="agency">{html.escape(doc.agency)}'
            f'</td><td class="score">{doc.score:.2f}</td>'
            f'<td class="passage">{marked_html(doc.passage.chunk.text, doc.highlights)}</td></tr>')
    head = ('<table class="similar"><thead><tr><th>#</th><th>Document</th><th>Datum</th>'
            '<th>Departement / agentschap</th><th>Score</th><th>Best passende passage</th></tr></thead><tbody>')
    parts = [head, *rows, "</tbody></table>", "<h3>Ontwerp van antwoord</h3>"]
    if found.draft:
        items = []
        for line in found.draft:
            label = f"<b>{html.escape(line.point)}.</b> " if line.point else ""
            items.append(f'<li>{label}{html.escape(line.text)} <a class="similar-cite" '
                         f'href="#similar-bron-{line.n}">[{line.n}]</a></li>')
        parts.append(f'<ul class="draft">{"".join(items)}</ul>')
        sources = [f'<li id="similar-bron-{p.rank}" value="{p.rank}"><b>{html.escape(p.chunk.title or p.chunk.doc_id)}'
                   f'</b> <code>{html.escape(p.chunk.doc_id)}</code><div>{html.escape(p.chunk.text)}</div></li>'
                   for p in found.sources]
        parts.append(f'<h4>Bronnen</h4><ol class="sources">{"".join(sources)}</ol>')
    else:
        parts.append('<p class="draft none">Geen ontwerp: geen zin uit deze antwoorden dekt de vraag.</p>')
    return f'<div class="similar">{"".join(parts)}</div>'


def marked_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with each span in a <mark>."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>")
        last = end
    return "".join(out) + html.escape(text[last:])


def build_similar_tab(assistant: Assistant | None, lock: AbstractContextManager[object] | None = None,
                      problem: str = "", for_request: Callable[[gr.Request | None], Assistant | None] | None = None,
                      audit: AuditLog | None = None) -> None:
    """The tab, inside the caller's gr.Blocks. `lock` is the one the chat holds while it searches the index;
    `for_request` gives the assistant as a request's user sees it (a signed-in server); `audit` logs the search."""
    guard = lock or nullcontext()

    def search(question: str, k: float | None, request: gr.Request) -> str:
        current = for_request(request) if for_request is not None else assistant
        if current is None:
            return f'<div class="error">{html.escape(problem or "Er is geen index, of u bent niet aangemeld.")}</div>'
        try:
            with guard:
                found = find_similar(current, question or "", k=int(k or 5))
        except AssistantError as exc:
            message = str(exc)
            return f'<div class="error">{html.escape(message[:1].upper() + message[1:])}</div>'
        if audit is not None:
            listed = [{"n": d.rank, "doc_id": d.doc_id, "chunk_id": d.passage.chunk.id, "title": d.title}
                      for d in found.documents]
            audit.record_ask(str(getattr(request, "username", None) or ""), "chat", "similar",
                             Asked(found.question, found.draft_text, listed), {})
        return render_similar(found)

    with gr.Tab("Eerder gevraagd?", elem_id="tab-eerder-gevraagd"):
        gr.HTML(f"<style>{SIMILAR_CSS}</style>", padding=False)
        question = gr.Textbox(label="Nieuwe schriftelijke vraag", lines=6, max_lines=20, elem_id="similar-vraag",
                              placeholder="Plak de tekst van de vraag: onderwerp, toelichting en de vragen zelf.")
        with gr.Row():
            k = gr.Slider(1, 20, value=5, step=1, label="Documenten", elem_id="similar-k", scale=3)
            button = gr.Button("Zoek eerdere antwoorden", variant="primary", elem_id="similar-zoek", scale=1)
        result = gr.HTML(EMPTY, elem_id="similar-resultaat")
        button.click(search, [question, k], result, api_name="similar")


__all__ = ["build_similar_tab", "marked_html", "render_similar"]
