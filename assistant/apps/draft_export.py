"""The draft answer of `similar` as a file an adviser takes away: Markdown and Word (DOCX).

Both hold the same: a heading, the question, a section per point (its text, then the earlier answers' sentences
that address it, each with its [n], or "Geen eerder antwoord over dit punt."), and the numbered sources, each
with its document, date, minister or agency and passage. In DOCX each [n] links to a bookmark on source n, as
footnotes would; in Markdown to the source's anchor. Pure except for `write_draft`.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document as DocxDocument
from docx.shared import Pt

from ..errors import InputError
from ..draft import NO_EARLIER_ANSWER, DraftSection
from ..similar import Similar
from ..types import Passage
from .export import add_bookmark, add_internal_link, xml_safe, escape_markdown

TITLE = "Ontwerp van antwoord"


def section_title(section: DraftSection) -> str:
    return f"Punt {section.point}" if section.point else "Antwoord"


def source_line(passage: Passage) -> str:
    """"title (doc id), date, agency" of a source, the parts it has."""
    chunk = passage.chunk
    name = f"{chunk.title} ({chunk.doc_id})" if chunk.title else chunk.doc_id
    date = str(chunk.metadata.get("date", ""))
    return ", ".join(x for x in (name, date, chunk.agency) if x)


def draft_markdown(found: Similar, title: str = TITLE) -> str:
    """The draft as Markdown; each [n] links to source n's anchor."""
    out = [f"# {escape_markdown(title)}", "", "## Vraag", ""]
    out.extend(f"> {escape_markdown(line)}".rstrip() for line in found.question.strip().splitlines())
    for section in found.sections:
        out += ["", f"## {section_title(section)}", ""]
        if section.point:
            out += [f"*{escape_markdown(' '.join(section.question.split()))}*", ""]
        for line in section.lines:
            out.append(f"{escape_markdown(line.text)} [\\[{line.n}\\]](#bron-{line.n})")
            out.append("")
        if not section.lines:
            out += [NO_EARLIER_ANSWER, ""]
        while out[-1] == "":
            out.pop()
    out += ["", "## Bronnen", ""]
    if not found.sources:
        out.append("Geen: geen enkel punt citeert een eerder antwoord.")
    for passage in found.sources:
        out += [f'<a id="bron-{passage.rank}"></a>**[{passage.rank}]** {escape_markdown(source_line(passage))}', "",
                f"> {escape_markdown(' '.join(passage.chunk.text.split()))}", ""]
    return "\n".join(out).rstrip() + "\n"


def draft_docx(found: Similar, title: str = TITLE) -> bytes:
    """The draft as a Word document: headings "Vraag", one per point ("Punt 1", ...) and "Bronnen"."""
    doc = DocxDocument()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(xml_safe(title), level=0)
    doc.add_heading("Vraag", level=1)
    for block in found.question.strip().split("\n\n"):
        if block.strip():
            doc.add_paragraph(xml_safe(" ".join(block.split())), style="Quote")
    for section in found.sections:
        doc.add_heading(section_title(section), level=1)
        if section.point:
            doc.add_paragraph().add_run(xml_safe(" ".join(section.question.split()))).italic = True
        for line in section.lines:
            paragraph = doc.add_paragraph(xml_safe(line.text) + " ")
            add_internal_link(paragraph, f"[{line.n}]", f"bron_{line.n}")
        if not section.lines:
            doc.add_paragraph(NO_EARLIER_ANSWER)
    doc.add_heading("Bronnen", level=1)
    if not found.sources:
        doc.add_paragraph("Geen: geen enkel punt citeert een eerder antwoord.")
    for passage in found.sources:
        paragraph = doc.add_paragraph()
        add_bookmark(paragraph, f"bron_{passage.rank}", passage.rank, f"[{passage.rank}] {source_line(passage)}")
        doc.add_paragraph(xml_safe(" ".join(passage.chunk.text.split())), style="Quote")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def write_draft(found: Similar, path: Path, kind: str) -> Path:
    """The draft in `path` as "docx" or "markdown"."""
    if kind not in ("docx", "markdown"):
        raise ValueError(f"kind is docx or markdown, not {kind!r}")
    try:
        if kind == "docx":
            path.write_bytes(draft_docx(found))
        else:
            path.write_text(draft_markdown(found), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"kan {path} niet schrijven: {exc.strerror or exc}") from exc
    return path
