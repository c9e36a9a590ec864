"""Readers for the binary and markup formats: PDF (its text layer, with pypdf), DOCX (python-docx) and HTML
(BeautifulSoup over lxml). Each turns a file into plain text with the lines and paragraphs of the page, plus
the title and date the file itself declares; load.py makes a Document of it. A file that cannot be read
raises LoadError saying why.

PDFs of parliamentary documents repeat a header and a footer on every page and number the pages; those
lines are dropped, and a word hyphenated over a line end ("klant-" / "tevredenheid") is joined again.
"""
from __future__ import annotations

import logging
import math
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LoadError
from ..types import Metadata

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    """The text of a file and what the file says about itself."""

    text: str
    title: str = ""
    metadata: Metadata = field(default_factory=dict)


# -- PDF -------------------------------------------------------------------------------------------

# A page's first and last few lines are where running headers, footers and page numbers stand.
EDGE_LINES = 3
# A line shape on at least half of the pages' edges (and on two pages at least) is a running header or
# footer: on a 10-page answer, the footer "Vlaams Parlement - Schriftelijke vraag 123" is on all 10.
RUNNING_SHARE = 0.5
_PAGE_NUMBER = re.compile(
    r"^(?:pagina|page|blz\.?|p\.)?[ \t]*[-–—]?[ \t]*\d{1,4}[ \t]*[-–—]?[ \t]*(?:(?:/|van|of|de)[ \t]*\d{1,4})?$",
    re.I,
)
# "klant-\ntevredenheid is hoog" -> "klanttevredenheid\nis hoog": the rest of the line stays on its own
# line, so numbered items and tables keep their line starts. "zorg- en welzijn" is not a broken word.
_HYPHENATED = re.compile(r"(?<=[a-zà-ÿ])-[ \t]*\n[ \t]*([a-zà-ÿ]++[.,;:!?]*+)(?!\))[ \t]*+(\n?)")
_NOT_A_SUFFIX = {"en", "of", "tot", "noch", "and", "or", "to"}


def read_pdf(path: Path) -> Extracted:
    """The text layer of a PDF, page by page, without running headers, footers and page numbers."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs are encrypted only against editing, with no password
            except DependencyError as exc:
                raise LoadError(f"{path}: encrypted PDF (AES) that cannot be opened here; save a copy "
                                "without encryption") from exc
            if not opened:
                raise LoadError(f"{path}: encrypted PDF that needs a password; save a copy without one")
        pages = [_page_text(page) for page in reader.pages]
        info: Any = reader.metadata or {}
        title = str(info.get("/Title") or "")
    except LoadError:
        raise
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except Exception as exc:  # a damaged PDF makes pypdf raise many kinds of error; all mean "unreadable"
        raise LoadError(f"{path}: not a readable PDF ({_brief(exc)})") from exc
    text = join_pages([_page_lines(page) for page in pages])
    if len(text.strip()) < 20:
        raise LoadError(f"{path}: PDF without a text layer (a scan?); run OCR on it first")
    return Extracted(text, title=_useful_title(title))


def _page_text(page: object) -> str:
    """The page laid out as it looks: layout mode keeps the blank line between paragraphs (which the
    chunker cuts at); plain mode, which loses it, is the fallback for a page layout mode cannot place."""
    try:
        return page.extract_text(extraction_mode="layout") or ""  # type: ignore[attr-defined]
    except Exception:  # layout mode gives up on odd fonts and matrices where plain mode still reads the text
        log.debug("layout extraction failed; plain extraction instead", exc_info=True)
        return page.extract_text() or ""  # type: ignore[attr-defined]


def _page_lines(page: str) -> list[str]:
    """Lines without the layout's indentation and column padding; runs of blank lines as one."""
    lines: list[str] = []
    for line in page.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r"[ \t\u00a0]{2,}", " ", line).strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return lines


def join_pages(pages: list[list[str]]) -> str:
    """The pages' lines as one text: running lines and page numbers dropped, broken words joined."""
    running = running_lines(pages)
    kept: list[str] = []
    for lines in pages:
        edges = _edge_positions(lines)
        body = [line.rstrip() for i, line in enumerate(lines)
                if not (i in edges and (_shape(line) in running or _PAGE_NUMBER.match(line.strip())))]
        while body and not body[-1].strip():
            body.pop()
        kept.append("\n".join(body).strip("\n"))
    # A page break inside a paragraph is just a line end; a hyphen there is a broken word like any other.
    return join_hyphenated("\n".join(page for page in kept if page))


def running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines that stand at the top or bottom of most pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(lines[i]) for i in _edge_positions(lines)})
    needed = max(2, math.ceil(len(pages) * RUNNING_SHARE))
    return {shape for shape, n in counts.items() if shape and n >= needed}


def join_hyphenated(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        word = match.group(1)
        if word.rstrip(".,;:!?").lower() in _NOT_A_SUFFIX:
            return match.group(0)
        return word + (match.group(2) or "\n")

    return _HYPHENATED.sub(join, text)


def _edge_positions(lines: list[str]) -> set[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])


def _shape(line: str) -> str:
    """A line with its numbers blanked: "Pagina 3 van 12" and "Pagina 4 van 12" have one shape."""
    line = line.strip()
    if len(line) > 150:  # a running line is short; a long one is body text
        return ""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line.lower()))


# -- DOCX ------------------------------------------------------------------------------------------

def read_docx(path: Path) -> Extracted:
    """Paragraphs and tables in reading order; Word's automatic numbering written out ("1.", "a)")."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        numbering = _Numbering(document)
        lines: list[str] = []
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):  # a table: a line a row, cells apart by tabs
                lines.append("")
                for row in block.rows:
                    lines.append("\t".join(_cell_text(cell) for cell in row.cells))
                lines.append("")
                continue
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            if style.lower().startswith(("heading", "kop", "title", "titel")) and text:
                lines.extend(["", f"## {text}", ""])
                continue
            label = numbering.label(block)
            lines.append(f"{label} {text}" if label and text else text)
            lines.append("")  # Word paragraphs are paragraphs
        title = document.core_properties.title or ""
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (PackageNotFoundError, zipfile.BadZipFile) as exc:
        raise LoadError(f"{path}: not a readable Word document (not a .docx package; an old .doc? save it "
                        "as .docx)") from exc
    except Exception as exc:  # lxml's XMLSyntaxError and friends from a damaged package
        raise LoadError(f"{path}: not a readable Word document ({_brief(exc)})") from exc
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise LoadError(f"{path}: the Word document holds no text")
    return Extracted(text, title=_useful_title(title))


class _Numbering:
    """Counts Word's numbered paragraphs so their labels can be written out: level 0 as "1.", level 1 as
    "a)"; bullets get no label."""

    def __init__(self, document: object) -> None:
        self._formats: dict[tuple[str, int], str] = {}
        self._counts: dict[tuple[str, int], int] = {}
        try:
            root = document.part.numbering_part.element  # type: ignore[attr-defined]
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(_w("abstractNumId")): a for a in root.iter(_w_tag("abstractNum"))}
        for num in root.iter(_w_tag("num")):
            ref = num.find(_w_tag("abstractNumId"))
            if ref is None or ref.get(_w("val")) not in abstract:
                continue
            for lvl in abstract[ref.get(_w("val"))].iter(_w_tag("lvl")):
                fmt = lvl.find(_w_tag("numFmt"))
                self._formats[(num.get(_w("numId")), int(lvl.get(_w("ilvl"), "0")))] = (
                    fmt.get(_w("val")) if fmt is not None else "decimal")

    def label(self, paragraph: object) -> str:
        num_pr = _num_pr(paragraph)
        if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
            return ""
        num_id = str(num_pr.numId.val)
        level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
        fmt = self._formats.get((num_id, level), "decimal")
        if fmt in ("bullet", "none"):
            return ""
        for key in [k for k in self._counts if k[0] == num_id and k[1] > level]:
            del self._counts[key]  # a new item restarts its sub-items
        n = self._counts[(num_id, level)] = self._counts.get((num_id, level), 0) + 1
        if fmt in ("lowerLetter", "upperLetter"):
            letter = chr(ord("a") + (n - 1) % 26)
            return f"{letter.upper() if fmt == 'upperLetter' else letter})"
        return f"{n}."


def _num_pr(paragraph: object) -> Any:
    """The numbering of a paragraph: its own, or its style's ("List Number")."""
    ppr = paragraph._p.pPr  # type: ignore[attr-defined]
    if ppr is not None and ppr.numPr is not None:
        return ppr.numPr
    style = paragraph.style  # type: ignore[attr-defined]
    while style is not None:
        style_ppr = style.element.pPr
        if style_ppr is not None and style_ppr.numPr is not None:
            return style_ppr.numPr
        style = style.base_style
    return None


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(name: str) -> str:
    return f"{{{_W_NS}}}{name}"


_w_tag = _w


def _cell_text(cell: object) -> str:
    return re.sub(r"\s+", " ", cell.text).strip()  # type: ignore[attr-defined]


# -- HTML ------------------------------------------------------------------------------------------

_DROP = ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
         "svg", "button"]
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "dl", "dd", "dt",
           "table", "address", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr"}
_DATE_META = ("date", "dcterms.date", "dc.date", "dcterms.issued", "dcterms.created",
              "article:published_time")


def read_html(path: Path, text: str) -> Extracted:
    """The visible text of a page: no scripts, menus, headers or footers; headings as "## ", list items
    numbered, a table row a line."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    metadata: Metadata = {}
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or meta.get("property") or "").lower()
        if name in _DATE_META and meta.get("content") and "date" not in metadata:
            metadata["date"] = str(meta["content"]).strip()[:10]
    for tag in soup.find_all(_DROP):
        tag.decompose()
    body = soup.body or soup
    if not title:
        h1 = body.find("h1")
        title = h1.get_text(" ", strip=True) if h1 else ""
    parts: list[str] = []
    _html_text(body, parts)
    lines = [re.sub(r"[ \u00a0]+", " ", line).strip(" \t") for line in "".join(parts).split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not out:
        raise LoadError(f"{path}: the page holds no text")
    return Extracted(out, title=_useful_title(title), metadata=metadata)


def _html_text(node: object, parts: list[str]) -> None:
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    for child in node.children:  # type: ignore[attr-defined]
        if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
            continue
        if isinstance(child, NavigableString):
            parts.append(re.sub(r"\s+", " ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if name == "br":
            parts.append("\n")
        elif name in ("td", "th"):
            parts.append("\t")
            _html_text(child, parts)
        elif name in _BLOCKS:
            parts.append("\n" if name in ("li", "tr", "dd", "dt") else "\n\n")
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                parts.append("## ")
            elif name == "li" and child.parent is not None and child.parent.name == "ol":
                position = 1 + sum(1 for s in child.find_previous_siblings("li"))
                parts.append(f"{position}. ")
            _html_text(child, parts)
            if name not in ("li", "tr", "dd", "dt"):
                parts.append("\n\n")
        else:
            _html_text(child, parts)


# -- shared ----------------------------------------------------------------------------------------

def _useful_title(title: str) -> str:
    """A declared title, unless it is a word processor's placeholder ("Microsoft Word - vraag.doc")."""
    title = re.sub(r"\s+", " ", title).strip()
    if not title or re.match(r"^(microsoft word|untitled|naamloos|document\d*$)", title, re.I) or \
            re.search(r"\.(docx?|pdf|rtf)$", title, re.I):
        return ""
    return title


def _brief(exc: Exception) -> str:
    text = str(exc).strip().split("\n")[0]
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
