"""Answers and sources as HTML for the chat. Pure functions.

Everything that comes from a document or a user (text, titles, agency names, questions) passes
through `html.escape` before it is put in a tag, so `<script>` in a document is shown as the
characters `<script>`, never run. The only markup is the one built here.

A citation [n] of turn t becomes a link to `#bron-t-n`: the chat's HTML sanitizer drops `data-`
attributes, so the target travels in the href, and a click handler in the page (ui.py) asks for it.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..answer import citations
from ..answer.citations import format_citations
from ..types import Answer, Document, Passage, agency_label

# Characters of document text shown before and after a cited passage: enough for the paragraphs
# around it (a numbered item of an answer runs 300-1,500 characters), not a whole 100-page report.
CONTEXT_CHARS = 1500

SECTION_NAMES = {"question": "Vraag", "answer": "Antwoord", "text": "Tekst"}

_COLUMNS = ("agency", "method", "figure", "sources")  # classes of the comparison table's cells
_TARGET = re.compile(r"^#?bron-(\d+)-(\d+)$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")

DocumentLookup = Callable[[str], Document | None]


@dataclass(frozen=True)
class Context:
    """A passage with the document text around it; `cut_before`/`cut_after` say text was left out."""

    before: str
    passage: str
    after: str
    cut_before: bool
    cut_after: bool


def citation_target(turn: int, n: int) -> str:
    return f"#bron-{turn}-{n}"


def parse_citation_target(target: str) -> tuple[int, int] | None:
    """(turn, n) from "#bron-2-3"; None for anything else."""
    match = _TARGET.match((target or "").strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def link_citations(escaped: str, turn: int, valid: Sequence[int]) -> str:
    """Turn every [n] with n in `valid` into a link to its source; other brackets stay text."""
    return citations.link_citations(escaped, set(valid), lambda n: citation_target(turn, n))


def text_to_html(text: str) -> str:
    """Escaped text with line breaks as <br>: the chat treats a message as Markdown unless it is one
    HTML block, and a blank line would end the block, so no raw newline is left."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def render_question(question: str, limit: int = 600) -> str:
    """The user's message as shown in the chat: escaped, a very long one shortened."""
    shown = question if len(question) <= limit else question[:limit].rstrip() + " …"
    return f'<div class="question">{text_to_html(shown)}</div>'


def render_searching(searched: str, question: str) -> str:
    return f'<div class="answer pending">{_searched_line(searched, question)}<span class="status">Zoeken…</span></div>'


def render_answer(answer: Answer, turn: int, question: str, text: str | None = None, final: bool = True) -> str:
    """An answer as one HTML block: the question searched (when it differs from the one typed), the
    text with linked citations (or, for a comparison, a table), and the notices. `text` is the part
    streamed so far."""
    valid = [p.rank for p in answer.passages]
    parts = [_searched_line(answer.searched, question)]
    if final and answer.comparison:
        parts.append(_comparison_table(answer, turn, valid))
    else:
        body = answer.text if text is None else text
        parts.append(f'<div class="answer-text">{link_citations(text_to_html(body), turn, valid)}</div>')
    if final:
        parts.extend(f'<div class="notice">{html.escape(n)}</div>' for n in answer.notices)
        if answer.citations:
            parts.append('<div class="hint">Klik op een [n] om de passage in haar document te zien.</div>')
    css = "answer" if answer.answered else "answer not-answered"
    if not final:
        css += " streaming"
    return f'<div class="{css}">{"".join(parts)}</div>'


def render_error(message: str) -> str:
    return f'<div class="answer error"><b>Fout:</b> {text_to_html(message)}</div>'


def stream_steps(text: str, words_per_step: int = 6, most: int = 12) -> list[str]:
    """Growing prefixes of `text`, cut between words, ending with the whole text; `words_per_step` words
    a step, more for a long text, so that there are at most `most` steps."""
    tokens = re.findall(r"\S+\s*", text)
    words_per_step = max(words_per_step, -(-len(tokens) // most))
    steps = ["".join(tokens[:i]).rstrip() for i in range(words_per_step, len(tokens), words_per_step)]
    return [*steps, text]


def _searched_line(searched: str, question: str) -> str:
    if not searched or searched.strip() == question.strip():
        return ""
    return f'<div class="searched">Gezocht naar: <q>{html.escape(searched)}</q></div>'


def _comparison_table(answer: Answer, turn: int, valid: Sequence[int]) -> str:
    rows = []
    for row in answer.comparison:
        label = agency_label(str(row.get("agency", "")), str(row.get("agency_short", "")))
        figure = str(row.get("key_figure") or "") or "—"
        sources = format_citations(row.get("citations", ()), " ")
        cells = [html.escape(label)] + [link_citations(text_to_html(x), turn, valid)
                                        for x in (str(row.get("method", "")), figure, sources)]
        rows.append("<tr>" + "".join(f'<td class="{kind}">{c}</td>' for kind, c in zip(_COLUMNS, cells)) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Agentschap", "Methode", "Kerncijfer", "Bron"))
    return (f'<table class="comparison"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


# -- the sources panel -------------------------------------------------------------------------------


def passage_in_context(text: str, start: int, end: int, window: int = CONTEXT_CHARS) -> Context:
    """The passage text[start:end] with up to `window` characters either side, cut at white space."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    end = max(start, end)
    lo = max(0, start - window)
    if lo > 0:
        space = text.find("\n", lo, start)
        if space == -1:
            space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    hi = min(len(text), end + window)
    if hi < len(text):
        space = text.rfind("\n", end, hi)
        if space == -1:
            space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return Context(text[lo:start], text[start:end], text[end:hi], lo > 0, hi < len(text))


def flow_to_html(text: str) -> str:
    """Document text, escaped, with paragraphs kept and the source's hard line wraps undone."""
    paragraphs = _BLANK_LINE.split(text)
    return "<br><br>".join(html.escape(re.sub(r"\s*\n\s*", " ", p)) for p in paragraphs)


def passage_meta(passage: Passage) -> str:
    """Agency, section and item of a passage, escaped: "Kind en Gezin (K&amp;G) · Antwoord · punt 3"."""
    chunk = passage.chunk
    parts = [chunk.agency_label, SECTION_NAMES.get(chunk.section, chunk.section),
             f"punt {chunk.item}" if chunk.item else ""]
    return " · ".join(html.escape(p) for p in parts if p)


def render_sources(answer: Answer | None, turn: int, documents: DocumentLookup, selected: int | None = None) -> str:
    """The panel beside the chat: the answer's cited passages, the opened one inside its document with
    the passage in a <mark>, and the retrieved passages the answer does not cite behind one click."""
    if answer is None:
        return EMPTY_SOURCES
    cited = {c.n for c in answer.citations}
    by_rank = {p.rank: p for p in answer.passages}
    parts = [f'<div class="sources" data-turn="{turn}">']
    if selected is not None and selected in by_rank:
        parts.append(_viewer(by_rank[selected], turn, documents))
    if cited:
        parts.append(f"<h3>Geciteerde passages (vraag {turn + 1})</h3>")
        parts.append('<ol class="cards">')
        parts.extend(_card(by_rank[n], turn, selected) for n in sorted(cited) if n in by_rank)
        parts.append("</ol>")
    else:
        parts.append(f"<h3>Het antwoord op vraag {turn + 1} citeert geen passage</h3>")
    uncited = [p for p in answer.passages if p.rank not in cited]
    if uncited:
        is_open = " open" if (selected is not None and selected not in cited) or not cited else ""
        parts.append(f'<details class="uncited"{is_open}><summary>Andere gevonden passages '
                     f"({len(uncited)}), niet geciteerd</summary><ol class=\"cards\">")
        parts.extend(_card(p, turn, selected) for p in uncited)
        parts.append("</ol></details>")
    parts.append("</div>")
    return "".join(parts)


EMPTY_SOURCES = ('<div class="sources empty"><h3>Bronnen</h3><p>Hier verschijnen de passages waarop het '
                 "antwoord steunt. Klik op een [n] in een antwoord om de passage in haar document te "
                 "zien.</p></div>")


def _card(passage: Passage, turn: int, selected: int | None) -> str:
    chunk = passage.chunk
    active = " active" if passage.rank == selected else ""
    return (f'<li class="card{active}" id="kaart-{turn}-{passage.rank}">'
            f'<a class="cite" href="{citation_target(turn, passage.rank)}" title="In document tonen">'
            f"[{passage.rank}]</a> <b class=\"title\">{html.escape(chunk.title or chunk.doc_id)}</b>"
            f'<div class="meta">{passage_meta(passage)}</div>'
            f'<div class="excerpt">{html.escape(chunk.text)}</div></li>')


def _viewer(passage: Passage, turn: int, documents: DocumentLookup) -> str:
    chunk = passage.chunk
    document = documents(chunk.doc_id)
    if document is not None and document.text:
        context = passage_in_context(document.text, chunk.start, chunk.end)
        body = ("<span class=\"gap\">[…] </span>" if context.cut_before else "") + flow_to_html(context.before)
        body += f'<mark id="geciteerd">{flow_to_html(context.passage)}</mark>'
        body += flow_to_html(context.after) + ("<span class=\"gap\"> […]</span>" if context.cut_after else "")
    else:
        body = f'<mark id="geciteerd">{html.escape(chunk.text)}</mark>'
    title = html.escape(chunk.title or (document.title if document else "") or chunk.doc_id)
    return (f'<section class="viewer" id="bron-{turn}-{passage.rank}">'
            f'<h3>[{passage.rank}] {title}</h3>'
            f'<div class="meta">{passage_meta(passage)} · document <code>{html.escape(chunk.doc_id)}</code></div>'
            f'<div class="document">{body}</div></section>')
