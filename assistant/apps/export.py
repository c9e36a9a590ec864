"""The latest answer or a whole conversation, with its sources written out in full, as Markdown and as
DOCX. Pure except for `write_exports`.

Each answer numbers its passages from 1, so a conversation has many a [1]. The export numbers the
cited passages once, in order of first citation, and rewrites every [n] to that number: [1] in the file
is always the first source listed at its end, in both formats. In Markdown a citation is a link to the
source's anchor; in DOCX an internal hyperlink to a bookmark on the source's heading.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from ..answer.citations import find_citations, format_citations
from ..types import Passage, agency_label
from .conversation import Turn
from .render import SECTION_NAMES

TITLE = "Parlementaire vragen: gesprek met bronnen"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~])")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # python-docx refuses these


@dataclass(frozen=True)
class Sources:
    """The cited passages of some turns numbered once: `numbers[i][n]` is the file's number for [n] of
    turn i; `passages[m - 1]` is source m."""

    numbers: tuple[dict[int, int], ...]
    passages: tuple[Passage, ...]


def number_sources(turns: Sequence[Turn]) -> Sources:
    """One number per cited passage (the same passage cited twice keeps its first number)."""
    by_chunk: dict[str, int] = {}
    passages: list[Passage] = []
    numbers: list[dict[int, int]] = []
    for turn in turns:
        mapping: dict[int, int] = {}
        for citation in sorted(turn.answer.citations, key=lambda c: _first_use(turn.answer, c.n)):
            chunk_id = citation.passage.chunk.id
            if chunk_id not in by_chunk:
                passages.append(citation.passage)
                by_chunk[chunk_id] = len(passages)
            mapping[citation.n] = by_chunk[chunk_id]
        numbers.append(mapping)
    return Sources(tuple(numbers), tuple(passages))


def _first_use(answer: object, n: int) -> int:
    text = getattr(answer, "text", "")
    return next((start for start, _, cited in find_citations(text) if cited == n), len(text) + n)


def _segments(text: str, mapping: dict[int, int]) -> list[tuple[str, int | None]]:
    """Text split into plain parts (number None) and citations renumbered for the file."""
    out: list[tuple[str, int | None]] = []
    last = 0
    for start, end, n in find_citations(text):
        number = mapping.get(n)
        if number is None:
            continue  # not a citation of this answer: leave it as text
        out.append((text[last:start], None))
        out.append((f"[{number}]", number))
        last = end
    out.append((text[last:], None))
    return [(s, n) for s, n in out if s]


def _source_fields(passage: Passage) -> tuple[str, str, str]:
    """(agency, where in the document, which document) of a source, as plain text."""
    chunk = passage.chunk
    agency = chunk.agency_label
    where = SECTION_NAMES.get(chunk.section, chunk.section) + (f", punt {chunk.item}" if chunk.item else "")
    document = f"{chunk.doc_id}, tekens {chunk.start}–{chunk.end}"
    return agency, where, document


# -- Markdown ----------------------------------------------------------------------------------------


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as it is: `<script>` stays characters, `*` stays a star."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown_text(text: str, mapping: dict[int, int]) -> str:
    return "".join(f"[{s}](#bron-{n})" if n is not None else escape_markdown(s) for s, n in _segments(text, mapping))


def to_markdown(turns: Sequence[Turn], first_number: int = 1, exported_at: datetime | None = None,
                title: str = TITLE) -> str:
    """The turns (numbered from `first_number`) and, at the end, every cited passage in full."""
    sources = number_sources(turns)
    lines = [f"# {escape_markdown(title)}", ""]
    if exported_at is not None:
        lines += [f"Geëxporteerd op {exported_at:%d-%m-%Y %H:%M}.", ""]
    for i, (turn, mapping) in enumerate(zip(turns, sources.numbers)):
        answer = turn.answer
        lines += [f"## Vraag {first_number + i}", "", _quote(escape_markdown(turn.question)), ""]
        if turn.searched.strip() != turn.question.strip():
            lines += [f"*Gezocht naar:* {escape_markdown(turn.searched)}", ""]
        lines += ["**Antwoord**", ""]
        if answer.comparison:
            lines += ["| Agentschap | Methode | Kerncijfer | Bron |", "| --- | --- | --- | --- |"]
            for row in answer.comparison:
                cells = [escape_markdown(_agency_label(row)),
                         _markdown_text(str(row.get("method", "")), mapping),
                         _markdown_text(str(row.get("key_figure") or "—"), mapping),
                         _markdown_text(format_citations(row.get("citations", ()), " "), mapping)]
                lines.append("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |")
            lines.append("")
        else:
            # Lines of one answer end in a hard break ("  "), so Markdown keeps them apart; the last needs none.
            lines.append("  \n".join(_markdown_text(line, mapping) for line in answer.text.split("\n")))
            lines.append("")
        lines += [f"*{escape_markdown(notice)}*" for notice in answer.notices]
        if answer.notices:
            lines.append("")
    lines += ["## Bronnen", ""]
    if not sources.passages:
        lines += ["Geen enkel antwoord citeert een passage.", ""]
    for number, passage in enumerate(sources.passages, 1):
        agency, where, document = _source_fields(passage)
        lines += [f'<a id="bron-{number}"></a>', "",
                  f"### [{number}] {escape_markdown(passage.chunk.title or passage.chunk.doc_id)}", "",
                  f"- Agentschap: {escape_markdown(agency)}", f"- Plaats: {escape_markdown(where)}",
                  f"- Document: {escape_markdown(document)}", "",
                  _quote(escape_markdown(passage.chunk.text)), ""]
    return "\n".join(lines).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.split("\n"))


def _agency_label(row: dict[str, object]) -> str:
    return agency_label(str(row.get("agency", "")), str(row.get("agency_short", "")))


# -- DOCX --------------------------------------------------------------------------------------------


def to_docx(turns: Sequence[Turn], first_number: int = 1, exported_at: datetime | None = None,
            title: str = TITLE) -> bytes:
    """The same content as `to_markdown`, as a Word document: each [n] links to a bookmark on source n."""
    sources = number_sources(turns)
    doc = DocxDocument()
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.add_heading(xml_safe(title), level=0)
    if exported_at is not None:
        doc.add_paragraph(f"Geëxporteerd op {exported_at:%d-%m-%Y %H:%M}.")
    for i, (turn, mapping) in enumerate(zip(turns, sources.numbers)):
        answer = turn.answer
        doc.add_heading(f"Vraag {first_number + i}", level=1)
        doc.add_paragraph(xml_safe(turn.question), style="Quote")
        if turn.searched.strip() != turn.question.strip():
            p = doc.add_paragraph()
            p.add_run("Gezocht naar: ").italic = True
            p.add_run(xml_safe(turn.searched))
        doc.add_paragraph().add_run("Antwoord").bold = True
        if answer.comparison:
            table = doc.add_table(rows=1, cols=4)
            table.style = "Table Grid"
            for cell, head in zip(table.rows[0].cells, ("Agentschap", "Methode", "Kerncijfer", "Bron")):
                cell.paragraphs[0].add_run(head).bold = True
            for row in answer.comparison:
                cells = table.add_row().cells
                cells[0].paragraphs[0].add_run(xml_safe(_agency_label(row)))
                _add_cited_text(cells[1].paragraphs[0], str(row.get("method", "")), mapping)
                _add_cited_text(cells[2].paragraphs[0], str(row.get("key_figure") or "—"), mapping)
                _add_cited_text(cells[3].paragraphs[0], format_citations(row.get("citations", ()), " "),
                                mapping)
        else:
            for line in answer.text.split("\n"):
                _add_cited_text(doc.add_paragraph(), line, mapping)
        for notice in answer.notices:
            doc.add_paragraph().add_run(xml_safe(notice)).italic = True
    doc.add_heading("Bronnen", level=1)
    if not sources.passages:
        doc.add_paragraph("Geen enkel antwoord citeert een passage.")
    for number, passage in enumerate(sources.passages, 1):
        agency, where, document = _source_fields(passage)
        heading = doc.add_heading(level=2)
        add_bookmark(heading, f"bron_{number}", number, f"[{number}] {passage.chunk.title or passage.chunk.doc_id}")
        for label, value in (("Agentschap", agency), ("Plaats", where), ("Document", document)):
            p = doc.add_paragraph()
            p.add_run(f"{label}: ").bold = True
            p.add_run(xml_safe(value))
        doc.add_paragraph(xml_safe(passage.chunk.text), style="Quote")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add_cited_text(paragraph: Paragraph, text: str, mapping: dict[int, int]) -> None:
    for segment, number in _segments(text, mapping):
        if number is None:
            paragraph.add_run(xml_safe(segment))
        else:
            add_internal_link(paragraph, segment, f"bron_{number}")


def add_internal_link(paragraph: Paragraph, text: str, anchor: str) -> None:
    """A hyperlink to a bookmark in the same document (python-docx has no API for it)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0563C1")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.extend([color, underline])
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    run.append(content)
    link.append(run)
    paragraph._p.append(link)


def add_bookmark(paragraph: Paragraph, name: str, bookmark_id: int, text: str) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    paragraph._p.append(start)
    paragraph.add_run(xml_safe(text)).font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    paragraph._p.append(end)


# -- files -------------------------------------------------------------------------------------------


def write_exports(turns: Sequence[Turn], folder: Path, stem: str, first_number: int = 1,
                  exported_at: datetime | None = None) -> tuple[Path, Path]:
    """`stem`.md and `stem`.docx in `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / f"{stem}.md"
    markdown.write_text(to_markdown(turns, first_number, exported_at), encoding="utf-8")
    docx = folder / f"{stem}.docx"
    docx.write_bytes(to_docx(turns, first_number, exported_at))
    return markdown, docx
