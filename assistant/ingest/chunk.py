"""Document -> Chunks that follow the document: question and answer apart, the answer cut at its
numbered items ("1-2.", "3.", "4. a)", "c-e)"), then at paragraphs under a size limit; a table
stays whole. Pure: no I/O."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ..types import TABLE, Chunk, Document, Section

# An item label opens a line: "1-2.", "3.", "4. a)", "8. a)", or a lone "c-e)", "b)".
# Two digits at most, so a year or an amount at a line's start is not taken for an item.
_ITEM = re.compile(
    r"^[ \t]*(?:(?P<num>\d{1,2}(?:-\d{1,2})?)\.(?:[ \t]*(?P<sub>[a-z](?:-[a-z])?)\))?"
    r"|(?P<lone>[a-z](?:-[a-z])?)\))(?=\s)",
    re.M,
)
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_NUMERIC = re.compile(r"^(?:[-+]?\d+(?:[.,]\d+)*%?|nvt|n\.v\.t\.)$", re.I)
_TERMINAL = (".", ":", ";", "?", "!", ")", "”", "’")

# Bump when the chunks of the same text change, so an index built by an older chunker is not mixed in.
CHUNKER_VERSION = 4

# Where a paragraph too long for one chunk is cut, best first (regular expressions). A full stop ends a sentence only
# when no lower-case word follows it: "Aphis spp. en Myzus persicae" and "o.a. de" are one sentence.
_SEPARATORS = [r"\n\n", r"\. (?![a-zà-ÿ])", r"\? ", "! ", "; ", ": ", r"\n", ", ", " ", ""]

# A table is a run of short-lined paragraphs with at least this many rows of numbers.
TABLE_LINE_CHARS = 50
TABLE_MIN_ROWS = 3


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    table: bool = False


def split_into_chunks(doc: Document, chunk_size: int = 600, chunk_overlap: int = 80) -> list[Chunk]:
    """All chunks of a document, in reading order."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    asked: dict[str, str] = {}  # the question's items by label: "4" -> "4. Hoe wordt ... verdeeld?", "4b" -> "b) ..."
    for section in doc.sections or (Section("text", 0, len(doc.text)),):
        for label, start, end in split_items(doc.text, section.start, section.end):
            if section.name == "question" and label:
                asked[label] = clean_text(doc.text[start:end])
            asks = answered_questions(label, asked) if section.name == "answer" else ""
            for span in _pack(doc.text, start, end, chunk_size, splitter):
                text = clean_text(doc.text[span.start:span.end], keep_lines=span.table)
                if text:
                    chunks.append(_make_chunk(doc, section.name, label, span, text, asks))
    return chunks


_LABEL = re.compile(r"(?P<first>\d+)(?:-(?P<last>\d+))?(?:(?P<sub>[a-z])(?:-(?P<sub_last>[a-z]))?)?")


def answered_questions(label: str, asked: dict[str, str]) -> str:
    """The question's items that an answer item labelled `label` replies to: "1-2" -> items 1 and 2 with their
    lettered parts, "4c-e" -> item 4's lead ("4. Hoe wordt het budget verdeeld?") with 4c, 4d and 4e, for a
    lettered part alone rarely says what it is about ("c) Hoeveel?"). "" when the label names no item of the
    question. They are indexed with the answer item (Chunk.indexed_text)."""
    found = _LABEL.fullmatch(label)
    if not found:
        return ""
    numbers = range(int(found["first"]), int(found["last"] or found["first"]) + 1)
    texts: list[str] = []
    for number in numbers:
        parts = sorted(key for key in asked if re.fullmatch(rf"{number}[a-z]", key))
        if found["sub"]:
            letters = range(ord(found["sub"]), ord(found["sub_last"] or found["sub"]) + 1)
            parts = [key for key in parts if ord(key[-1]) in letters]
        texts.extend(asked[key] for key in [str(number), *parts] if key in asked)
    return " ".join(texts)


def split_items(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """(label, start, end) of each numbered item in text[start:end]; the text before the first has label ""."""
    blocks: list[tuple[str, int, int]] = []
    number = ""
    cut, label = start, ""
    for match in _ITEM.finditer(text, start, end):
        if match.group("num"):
            number = match.group("num")
            sub = match.group("sub") or ""
        else:
            sub = match.group("lone")
        if text[cut:match.start()].strip():
            blocks.append((label, cut, match.start()))
        cut, label = match.start(), number + sub
    if text[cut:end].strip():
        blocks.append((label, cut, end))
    return blocks


def clean_text(raw: str, keep_lines: bool = False) -> str:
    """Fold white space and rejoin words hyphenated over a line end ("klant-\\ntevredenheid"). A table
    keeps one line per line (its rows), without the blank ones."""
    if keep_lines:
        lines = (re.sub(r"[ \t]+", " ", line).strip() for line in raw.split("\n"))
        return "\n".join(line for line in lines if line)
    text = re.sub(r"(?<=[a-zà-ÿ])-[ \t]*\n\s*(?=[a-zà-ÿ])", "", raw)  # hyphenation: drop the hyphen
    text = re.sub(r"(?<=\S)-[ \t]*\n\s*(?=\w)", "-", text)  # a compound's hyphen: keep it ("Subsidie-Agentschap")
    text = re.sub(r"(?<=\s)-[ \t]*\n\s*(?=\w)", "-", text)  # a suspended compound: "en -\nzorg" is "en -zorg"
    return re.sub(r"\s+", " ", text).strip()


def chunk_id(doc_id: str, start: int, text: str) -> str:
    """Stable across runs: the same document text gives the same ids, so re-ingesting changes nothing."""
    digest = hashlib.sha256(f"{doc_id}\x1f{start}\x1f{text}".encode()).hexdigest()[:16]
    return f"{doc_id}#{digest}"


def _make_chunk(doc: Document, section: str, label: str, span: _Span, text: str, asks: str = "") -> Chunk:
    metadata = dict(doc.metadata)
    if span.table:
        metadata[TABLE] = True
    return Chunk(
        id=chunk_id(doc.id, span.start, text), doc_id=doc.id, text=text, start=span.start,
        end=span.end, title=doc.title, section=section, item=label, metadata=metadata, asks=asks,
    )


def _paragraphs(text: str, start: int, end: int) -> list[_Span]:
    """Paragraph spans, with a sentence that a blank line broke in two joined again."""
    spans: list[_Span] = []
    cut = start
    for gap in _BLANK_LINES.finditer(text, start, end):
        if text[cut:gap.start()].strip():
            spans.append(_trim(text, cut, gap.start()))
        cut = gap.end()
    if text[cut:end].strip():
        spans.append(_trim(text, cut, end))
    merged: list[_Span] = []
    for span in spans:
        prev = merged[-1] if merged else None
        if prev and not text[prev.start:prev.end].rstrip().endswith(_TERMINAL) \
                and text[span.start].islower() and not _short_lined(text, prev):
            merged[-1] = _Span(prev.start, span.end)
        else:
            merged.append(span)
    return _join_tables(text, merged)


def _join_tables(text: str, paragraphs: list[_Span]) -> list[_Span]:
    """Runs of short-lined paragraphs holding enough rows of numbers become one table span."""
    out: list[_Span] = []
    run: list[_Span] = []

    def flush() -> None:
        rows = sum(is_numeric_row(line) for p in run for line in text[p.start:p.end].split("\n"))
        if len(run) > 1 and rows >= TABLE_MIN_ROWS:
            out.append(_Span(run[0].start, run[-1].end, table=True))
        elif len(run) == 1 and rows >= TABLE_MIN_ROWS:
            out.append(_Span(run[0].start, run[0].end, table=True))
        else:
            out.extend(run)
        run.clear()

    for span in paragraphs:
        if _short_lined(text, span):
            run.append(span)
        else:
            flush()
            out.append(span)
    flush()
    return out


def _pack(text: str, start: int, end: int, size: int, splitter: RecursiveCharacterTextSplitter) -> list[_Span]:
    """Whole paragraphs packed into spans of at most `size` characters; a longer paragraph is cut by the
    splitter, a table never."""
    if end - start <= size and not any(p.table for p in _paragraphs(text, start, end)):
        return [_trim(text, start, end)]
    spans: list[_Span] = []
    current: _Span | None = None
    for para in _paragraphs(text, start, end):
        if para.table or para.end - para.start > size:
            if current:
                spans.append(current)
                current = None
            spans.extend([para] if para.table else _split_long(text, para, splitter))
        elif current and para.end - current.start <= size:
            current = _Span(current.start, para.end)
        else:
            if current:
                spans.append(current)
            current = para
    if current:
        spans.append(current)
    return spans


def _split_long(text: str, para: _Span, splitter: RecursiveCharacterTextSplitter) -> list[_Span]:
    # A paragraph here may hold a blank line that _paragraphs joined over (a sentence broken in two);
    # the splitter would cut there first, so it sees that gap as one line break padded to the same
    # length, which keeps every offset in `source` the offset in the text.
    source = re.sub(r"\n[ \t]*\n", lambda m: "\n" + " " * (len(m.group(0)) - 1), text[para.start:para.end])
    spans = []
    cursor = 0
    for piece in splitter.split_text(source):
        # The pieces are substrings; find each from just after the previous piece's start, where an
        # overlapping piece can begin at the earliest.
        found = source.find(piece, cursor)
        if found < 0:  # not expected: the splitter strips only white space
            found = cursor
        spans.append(_trim(text, para.start + found, para.start + found + len(piece)))
        cursor = found + 1
    return spans


def _trim(text: str, start: int, end: int) -> _Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return _Span(start, end)


def _short_lined(text: str, span: _Span) -> bool:
    return all(len(line.strip()) <= TABLE_LINE_CHARS for line in text[span.start:span.end].split("\n"))


def is_numeric_row(line: str) -> bool:
    """A table row: it ends in a number (or "nvt") and holds at least two numbers."""
    tokens = line.split()
    return len(tokens) >= 2 and bool(_NUMERIC.match(tokens[-1])) and sum(
        bool(_NUMERIC.match(t)) for t in tokens) >= 2
