"""The "Eerder gevraagd?" tab beside the chat: paste a new written question, narrow the search to a minister or
department and a date range, see the earlier answers on its subject (one row per answer: identical answers sent to
several members are one row, its copies one click away; the best passage with the words that carry the question
marked) and a draft answer with a section per point whose [n] jump to the sources listed under it; take the
draft away as Word or Markdown. Everything from a document is escaped before it is put in a tag.
"""
from __future__ import annotations

import html
import tempfile
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import gradio as gr

from ..auth.audit import Asked, AuditLog
from ..core import Assistant
from ..errors import AssistantError
from ..similar import NO_EARLIER_ANSWER, Similar, SimilarDocument, find_similar
from .draft_export import source_line, write_draft

SIMILAR_CSS = """
#similar-resultaat table.similar { border-collapse: collapse; width: 100%; font-size: 0.92em; }
#similar-resultaat table.similar th, #similar-resultaat table.similar td { border: 1px solid
  var(--border-color-primary); padding: 0.35em 0.5em; vertical-align: top; text-align: left; }
#similar-resultaat td.score, #similar-resultaat td.date { white-space: nowrap; }
#similar-resultaat mark { background: #fde68a; color: inherit; padding: 0 0.05em; }
#similar-resultaat details.copies summary { cursor: pointer; color: var(--body-text-color-subdued); }
#similar-resultaat section.point { margin-bottom: 0.6em; }
#similar-resultaat section.point h4 { margin: 0.3em 0; }
#similar-resultaat .draft li { margin-bottom: 0.3em; }
#similar-resultaat p.no-answer { font-style: italic; color: var(--body-text-color-subdued); }
#similar-resultaat .sources li:target { outline: 2px solid #f59e0b; }
#similar-resultaat .error { color: #a40000; }
"""
EMPTY = '<div class="similar empty">Plak een nieuwe schriftelijke vraag en zoek de eerdere antwoorden.</div>'


def render_similar(found: Similar) -> str:
    """The rows as a table, then the draft a section per point, its [n] linked to the sources under it."""
    if not found.documents:
        return '<div class="similar none">Geen eerdere documenten gevonden.</div>'
    rows = []
    for doc in found.documents:
        title = html.escape(doc.title or doc.doc_id)
        doc_id = f"<br><code>{html.escape(doc.doc_id)}</code>" if doc.title else ""  # the title cell shows it
        rows.append(
            f'<tr class="document" data-doc-id="{html.escape(doc.doc_id, quote=True)}" '
            f'data-copies="{len(doc.copies)}"><td class="rank">{doc.rank}</td><td class="title"><b>{title}</b>'
            f'{doc_id}{_copies_html(doc)}</td><td class="date">{html.escape(doc.date)}'
            f'</td><td class="agency">{html.escape(doc.agency)}</td><td class="score">{doc.score:.2f}</td>'
            f'<td class="passage">{marked_html(doc.passage.chunk.text, doc.highlights)}</td></tr>')
    head = ('<table class="similar"><thead><tr><th>#</th><th>Antwoord</th><th>Datum</th>'
            '<th>Minister / agentschap</th><th>Score</th><th>Best passende passage</th></tr></thead><tbody>')
    parts = [head, *rows, "</tbody></table>", '<h3>Ontwerp van antwoord</h3><div class="draft">']
    for section in found.sections:
        label = f"{html.escape(section.point)}. " if section.point else ""
        parts.append(f'<section class="point" data-point="{html.escape(section.point, quote=True)}">'
                     f'<h4>{label}{html.escape(" ".join(section.question.split()))}</h4>')
        if section.lines:
            items = [f'<li>{html.escape(line.text)} <a class="similar-cite" href="#similar-bron-{line.n}">'
                     f'[{line.n}]</a></li>' for line in section.lines]
            parts.append(f'<ul class="lines">{"".join(items)}</ul>')
        else:
            parts.append(f'<p class="no-answer">{NO_EARLIER_ANSWER}</p>')
        parts.append("</section>")
    parts.append("</div>")
    if found.sources:
        sources = [f'<li id="similar-bron-{p.rank}" value="{p.rank}"><b>{html.escape(source_line(p))}</b>'
                   f'<div>{html.escape(p.chunk.text)}</div></li>' for p in found.sources]
        parts.append(f'<h4>Bronnen</h4><ol class="sources">{"".join(sources)}</ol>')
    return f'<div class="similar">{"".join(parts)}</div>'


def _copies_html(doc: SimilarDocument) -> str:
    """"Zelfde antwoord aan 3 leden", and the list of the others one click away."""
    if not doc.copies:
        return ""
    items = "".join(
        f'<li><code>{html.escape(c.doc_id)}</code> {html.escape(", ".join(x for x in (c.date, c.member) if x))}</li>'
        for c in doc.copies)
    return (f'<details class="copies"><summary>Zelfde antwoord aan {len(doc.copies) + 1} leden</summary>'
            f"<ul>{items}</ul></details>")


def marked_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with each span in a <mark>."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>")
        last = end
    return "".join(out) + html.escape(text[last:])


def build_similar_tab(assistant: Assistant | None, lock: AbstractContextManager[object] | None = None,
                      problem: str = "", for_request: Callable[[gr.Request | None], Assistant | None] | None = None,
                      audit: AuditLog | None = None, export_dir: Path | None = None
                      ) -> tuple[gr.Dropdown, Callable[[gr.Request], Any]]:
    """The tab, inside the caller's gr.Tabs. `lock` is the one the chat holds while it searches the index;
    `for_request` gives the assistant as a request's user sees it (a signed-in server); `audit` logs the search;
    the drafts to download are written under `export_dir` (default: a new temporary folder). Returns the minister
    filter and what fills it for a request's user: a signed-in page calls it when it loads."""
    guard = lock or nullcontext()
    folders: list[Path] = [export_dir] if export_dir else []
    # On a signed-in server the list depends on who asks: filled when the page loads, from the user's view.
    agencies = sorted(assistant.index.agencies().items()) if assistant is not None and for_request is None else []

    def label(full: str, short: str) -> str:
        return f"{full} ({short})" if short and short != full else full

    def user_agencies(request: gr.Request) -> Any:
        current = for_request(request) if for_request is not None else assistant
        listed = sorted(current.index.agencies().items()) if current is not None else []
        return gr.update(choices=[(label(full, short), full) for full, short in listed])

    def search(question: str, k: float | None, chosen: Sequence[str] | None, since: str, until: str,
               request: gr.Request) -> tuple[str, Any, Any]:
        off = gr.update(value=None, interactive=False)
        current = for_request(request) if for_request is not None else assistant
        if current is None:
            missing = html.escape(problem or "Er is geen index, of u bent niet aangemeld.")
            return f'<div class="error">{missing}</div>', off, off
        try:
            with guard:
                found = find_similar(current, question or "", k=int(k or 5), agencies=list(chosen or ()),
                                     since=(since or "").strip(), until=(until or "").strip())
            if not folders:
                folders.append(Path(tempfile.mkdtemp(prefix="assistant-drafts-")))
            folder = folders[0] / uuid.uuid4().hex
            folder.mkdir(parents=True)
            docx = write_draft(found, folder / "ontwerp-antwoord.docx", "docx")
            markdown = write_draft(found, folder / "ontwerp-antwoord.md", "markdown")
        except AssistantError as exc:
            message = str(exc)
            return f'<div class="error">{html.escape(message[:1].upper() + message[1:])}</div>', off, off
        if audit is not None:
            listed = [{"n": d.rank, "doc_id": d.doc_id, "chunk_id": d.passage.chunk.id, "title": d.title}
                      for d in found.documents]
            audit.record_ask(str(getattr(request, "username", None) or ""), "chat", "similar",
                             Asked(found.question, found.draft_text, listed), {})
        return (render_similar(found), gr.update(value=str(docx), interactive=True),
                gr.update(value=str(markdown), interactive=True))

    with gr.Tab("Eerder gevraagd?", elem_id="tab-eerder-gevraagd"):
        gr.HTML(f"<style>{SIMILAR_CSS}</style>", padding=False)
        question = gr.Textbox(label="Nieuwe schriftelijke vraag", lines=6, max_lines=20, elem_id="similar-vraag",
                              placeholder="Plak de tekst van de vraag: onderwerp, toelichting en de genummerde vragen.")
        with gr.Row():
            chosen = gr.Dropdown(choices=[(label(full, short), full) for full, short in agencies],
                                 multiselect=True, value=[], scale=3,
                                 label="Minister / departement", elem_id="similar-minister")
            since = gr.Textbox(label="Van (JJJJ-MM-DD)", elem_id="similar-van", scale=1, max_lines=1)
            until = gr.Textbox(label="Tot en met (JJJJ-MM-DD)", elem_id="similar-tot", scale=1, max_lines=1)
        with gr.Row():
            k = gr.Slider(1, 20, value=5, step=1, label="Antwoorden", elem_id="similar-k", scale=3)
            button = gr.Button("Zoek eerdere antwoorden", variant="primary", elem_id="similar-zoek", scale=1)
        result = gr.HTML(EMPTY, elem_id="similar-resultaat")
        with gr.Row():
            docx = gr.DownloadButton("Ontwerp (.docx)", interactive=False, size="sm", elem_id="similar-docx")
            markdown = gr.DownloadButton("Ontwerp (.md)", interactive=False, size="sm", elem_id="similar-md")
        button.click(search, [question, k, chosen, since, until], [result, docx, markdown], api_name="similar")
    return chosen, user_agencies


__all__ = ["build_similar_tab", "marked_html", "render_similar"]
