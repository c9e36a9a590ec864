"""Files -> Documents: Markdown with front matter (the shipped corpus), .txt, PDF, DOCX, HTML and JSON Lines.

A parliamentary question file becomes a question section and an answer section where its structure shows
them ("## Vraag" / "## Antwoord", "SCHRIFTELIJKE VRAAG nr. 123 ... ANTWOORD op vraag nr. 123", a record's
"question" and "answer" fields); its number, date and minister become metadata. A file that cannot be read
raises LoadError with the path and the reason; a bad record in a JSON Lines file is reported on its own and
the file's other records are still read.
"""
from __future__ import annotations

import codecs
import datetime
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from ..dates import DUTCH_MONTH_NUMBERS, DUTCH_MONTHS, month_pattern
from ..errors import InputError, LoadError
from ..types import Document, Metadata, Section
from . import formats

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES | HTML_SUFFIXES

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
# "## Vraag", "Antwoord:", "ANTWOORD" alone on a line, or the formal headings of a written question:
# "SCHRIFTELIJKE VRAAG nr. 123" and "ANTWOORD op vraag nr. 123 van 12 januari 2017".
_SECTION_HEADING = re.compile(
    r"^[ \t]*(?:#+[ \t]*)?(?:(?P<name>vraag|antwoord|question|answer)[ \t]*:?[ \t]*"
    r"|(?P<formal>schriftelijke[ \t]+vraag|antwoord)(?:[ \t]+(?:nr\.?|nummer|op[ \t]+vraag)[^\n]*)?[ \t]*)$",
    re.I | re.M,
)
# Lines of the formal header that follow such a heading and are not yet the text: "nr. 123",
# "van JAN PEETERS", "datum: 12 januari 2017", "aan JO VANDEURZEN", "op vraag nr. 123 van ...",
# "VLAAMS MINISTER VAN WELZIJN, VOLKSGEZONDHEID EN GEZIN".
_HEADER_LINE = re.compile(
    r"[ \t]*(?:(?i:nr\.?[ \t]*\d+|van[ \t]|datum[ \t]*:|aan[ \t]|op[ \t]+vraag)[^\n]*"
    r"|[A-ZÀ-Þ][A-ZÀ-Þ ,.'&()-]{5,})[ \t]*(?:\n|$)|[ \t]*\n",
)
_HEADER_LINES = 8
# A bare "ANTWOORD" followed by "op vraag nr. 123 ..." is the formal heading too.
_FORMAL_NEXT = re.compile(r"\s*(?:op[ \t]+vraag|nr\.?[ \t]*\d)", re.I)
_SECTION_NAMES = {"vraag": "question", "question": "question", "antwoord": "answer", "answer": "answer",
                  "schriftelijke vraag": "question"}
_DUTCH_DATE = r"(\d{1,2})[ \t]+(" + month_pattern(DUTCH_MONTHS) + r")[ \t]+(\d{4})"
_NUMBER = re.compile(r"(?:schriftelijke[ \t]+vraag|vraag)[ \t]+(?:nr\.?|nummer)[ \t]*(\d{1,6})"
                     r"|^[ \t]*nr\.?[ \t]*(\d{1,6})[ \t]*$", re.I | re.M)
_DATE = re.compile(r"(?:datum[ \t]*:[ \t]*|vraag[ \t]+nr\.?[ \t]*\d+[ \t]+van[ \t]+)" + _DUTCH_DATE, re.I)
_MINISTER = re.compile(r"^[ \t]*aan[ \t]+[^\n]+\n[ \t]*((?:vlaams(?:e)?[ \t]+)?minister[^\n]+)", re.I | re.M)
# Control characters other than tab, line and page breaks: a few in a hundred thousand can be a stray
# byte; one in a thousand means the bytes are not text.
_CONTROL_SHARE = 0.001
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Word and PDF set bullets in the Symbol or Wingdings font, at private-use code points that any other font
# shows as an empty box: U+F0B7 is Symbol's bullet, U+F0A7 Wingdings' square one. One character for one, so no
# offset moves.
_SYMBOL_FONT = str.maketrans({"\uf0b7": "•", "\uf0a7": "▪"})
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")  # in any ASCII-based encoding: not text


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest and the id its document gets when the file names none: its path below the folder
    it was found in, without suffix ("2017/vraag-123"), or the file name's stem when given directly."""

    path: Path
    default_id: str


def find_files(paths: Iterable[Path]) -> list[SourceFile]:
    """The files under `paths` (folders recursively, only known suffixes), in order; a missing path is an
    InputError. A broken link is listed, so that it is reported rather than silently passed over."""
    found: dict[Path, SourceFile] = {}  # by absolute path: a file named twice is read once
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() in SUFFIXES and (p.is_file() or (p.is_symlink() and not p.exists())):
                    found.setdefault(p.resolve(), SourceFile(p, p.relative_to(path).with_suffix("").as_posix()))
        elif path.exists() or path.is_symlink():
            found.setdefault(path.resolve(), SourceFile(path, path.stem))
        else:
            raise InputError(f"{path}: no such file or folder")
    return list(found.values())


def load_file(path: Path, default_id: str | None = None, max_bytes: int | None = None) -> list[Document]:
    """One file -> its documents (a JSON Lines file holds many); the first problem raises LoadError."""
    documents = []
    for item in read_documents(path, default_id, max_bytes):
        if isinstance(item, LoadError):
            raise item
        documents.append(item)
    return documents


def read_documents(path: Path, default_id: str | None = None,
                   max_bytes: int | None = None) -> Iterator[Document | LoadError]:
    """The documents of one file, in order. A file that cannot be read raises LoadError; in a JSON Lines
    file a bad record is yielded as a LoadError in its place and the others are still read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoadError(f"{path}: unsupported file type {suffix or '(none)'}; use "
                        ".pdf, .docx, .html, .md, .txt or .jsonl")
    size = _size(path)
    if size == 0:
        raise LoadError(f"{path}: empty file")
    if max_bytes is not None and size > max_bytes:
        raise LoadError(f"{path}: {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.0f} MB "
                        "(ASSISTANT_MAX_FILE_MB); split the file or raise the limit")
    default_id = default_id or path.stem
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    if suffix in PDF_SUFFIXES:
        extracted = formats.read_pdf(path)
    elif suffix in DOCX_SUFFIXES:
        extracted = formats.read_docx(path)
    elif suffix in HTML_SUFFIXES:
        extracted = formats.read_html(path, read_text(path))
    else:
        extracted = formats.Extracted(read_text(path))
    yield parse_text_document(extracted.text, default_id, str(path), extracted.title, extracted.metadata)


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (or UTF-16 with its byte order mark) when it is, else Windows-1252
    (a superset of Latin-1's letters); any other encoding is a guess, and a guess is logged as a warning."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return decode_text(data, str(path))


def decode_text(data: bytes, source: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(data, "utf-16", source)
    elif b"\x00" in data[:8192] or len(_CONTROL_BYTES.findall(data[:65536])) > max(2, len(data[:65536]) / 100):
        raise LoadError(f"{source}: binary content, not text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                # cp1252 leaves five bytes undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d); text that holds one is
                # not cp1252, and Latin-1 would turn it into control characters, which _check_text refuses.
                text = data.decode("cp1252")
                log.info("%s: not UTF-8; decoded as Windows-1252", source)
            except UnicodeDecodeError:
                best = from_bytes(data).best()
                if best is None:
                    raise LoadError(f"{source}: not text in any known encoding") from None
                log.warning("%s: not UTF-8 nor Windows-1252; read as %s (a guess: check the text)",
                            source, best.encoding)
                text = str(best)
    _check_text(text, source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_text_document(raw: str, default_id: str, source: str = "", title: str = "",
                        metadata: Metadata | None = None) -> Document:
    """Front matter (YAML) gives id, title and metadata, then what the file declares (`title`, `metadata`),
    then a written question's own header; headings split question from answer."""
    found: Metadata = {}
    raw = normalize_symbols(raw)
    body = raw
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise LoadError(f"{source}: front matter is not valid YAML ({exc})") from exc
        if not isinstance(front, dict):
            raise LoadError(f"{source}: front matter must be a mapping of fields")
        # YAML reads an unquoted "date: 2019-03-04" as a date: kept as the text it was.
        found = {str(k): v.isoformat() if isinstance(v, datetime.date) else v for k, v in front.items()
                 if isinstance(v, (str, int, float, bool, datetime.date))}
        body = raw[match.end():]
    sections = split_sections(body)
    if not any(body[s.start:s.end].strip() for s in sections):  # nothing, or headings only
        raise LoadError(f"{source}: empty document")
    merged: Metadata = {**parliamentary_metadata(body), **(metadata or {}), **found}
    doc_id = str(merged.pop("id", "") or default_id)
    question = next((s for s in sections if s.name == "question"), None)
    first = _first_line(body[question.start:question.end]) if question else ""
    doc_title = str(merged.pop("title", "") or title or first or _first_line(body) or doc_id)
    return Document(id=doc_id, text=body, title=doc_title, metadata=merged, sections=sections, source=source)


def normalize_symbols(text: str) -> str:
    """Symbol-font bullets as the bullets they are (see _SYMBOL_FONT)."""
    return text.translate(_SYMBOL_FONT)


def split_sections(text: str) -> tuple[Section, ...]:
    """The question and answer spans a document's headings mark; one "text" span when there are none."""
    headings = list(_SECTION_HEADING.finditer(text))
    if not headings:
        return (Section("text", 0, len(text)),)
    sections = []
    if text[: headings[0].start()].strip():
        # Text before a lone answer heading is the question ("ANTWOORD" files); else a preamble.
        first = _heading_name(headings[0])
        sections.append(Section("question" if first == "answer" else "text", 0, headings[0].start()))
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        formal = heading.group("formal") or _FORMAL_NEXT.match(text, heading.end())
        start = _skip_header(text, heading) if formal else heading.end()
        sections.append(Section(_heading_name(heading), min(start, end), end))
    return tuple(sections)


def parliamentary_metadata(text: str) -> Metadata:
    """Number, date and minister from a written question's header, where it has one."""
    head = text[:4000]
    metadata: Metadata = {}
    number = _NUMBER.search(head)
    if number:
        metadata["number"] = number.group(1) or number.group(2)
    date = _DATE.search(head)
    if date:
        day, month, year = date.groups()
        metadata["date"] = f"{year}-{DUTCH_MONTH_NUMBERS[month.lower()]:02d}-{int(day):02d}"
    minister = _MINISTER.search(head)
    if minister:
        office = re.sub(r"\s+", " ", minister.group(1)).strip()
        metadata["department"] = office[0].upper() + office[1:].lower() if office.isupper() else office
    return metadata


def read_jsonl(path: Path) -> Iterator[Document | LoadError]:
    """Records {"id", "text", "title"?, ...} or {"id", "question", "answer", ...}: other scalar fields
    become metadata. A line that is not a valid record is yielded as a LoadError naming file and line."""
    for number, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # "Unterminated string starting at" + " at column 26"
            yield LoadError(f"{path}:{number}: not valid JSON ({reason} at column {exc.colno})")
            continue
        try:
            yield record_to_document(record, f"{path}:{number}")
        except LoadError as exc:
            yield exc


def count_records(path: Path) -> int:
    """About how many documents a file holds (JSON Lines: its non-empty lines), for progress."""
    if path.suffix.lower() not in JSONL_SUFFIXES:
        return 1
    try:
        with path.open("rb") as f:
            return max(1, sum(1 for line in f if line.strip()))
    except OSError:
        return 1


_RECORD_TEXT = {"id", "text", "title", "question", "answer"}


def record_to_document(record: object, source: str) -> Document:
    if not isinstance(record, dict):
        raise LoadError(f"{source}: a record must be a JSON object")
    doc_id = record.get("id")
    if not isinstance(doc_id, (str, int)) or str(doc_id).strip() == "":
        raise LoadError(f"{source}: record has no \"id\"")
    text, question, answer = (normalize_symbols(v) if isinstance(v, str) else v
                              for v in (record.get("text"), record.get("question"), record.get("answer")))
    if isinstance(text, str) and text.strip():
        sections = split_sections(text)
    elif isinstance(question, str) and question.strip():
        # A written question and, once given, its answer: two sections, as "## Vraag" / "## Antwoord" make.
        text = question.strip()
        sections_list = [Section("question", 0, len(text))]
        if isinstance(answer, str) and answer.strip():
            start = len(text) + 2
            text = f"{text}\n\n{answer.strip()}"
            sections_list.append(Section("answer", start, len(text)))
        sections = tuple(sections_list)
    else:
        raise LoadError(f"{source}: record {doc_id} has no \"text\" (nor \"question\")")
    metadata: Metadata = {
        k: v for k, v in record.items() if k not in _RECORD_TEXT and isinstance(v, (str, int, float, bool))
    }
    title = record.get("title")
    return Document(id=str(doc_id), text=text, title=str(title) if title else "", metadata=metadata,
                    sections=sections, source=source)


def _heading_name(heading: re.Match[str]) -> str:
    word = heading.group("name") or heading.group("formal")
    return _SECTION_NAMES[re.sub(r"\s+", " ", word.lower())]


def _skip_header(text: str, heading: re.Match[str]) -> int:
    """Where the text after a formal heading starts: past its "nr.", "van", "datum:", "aan" lines."""
    position = heading.end()
    for _ in range(_HEADER_LINES):
        line = _HEADER_LINE.match(text, position)
        if not line or line.end() == position:
            break
        position = line.end()
    return position


def _check_text(text: str, source: str) -> None:
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) * _CONTROL_SHARE):
        raise LoadError(f"{source}: binary content, not text")


def _decode(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise LoadError(f"{source}: not valid {encoding} text ({exc.reason})") from exc


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        line = re.sub(r"\s+", " ", line).strip(" #")
        if line:
            return line if len(line) <= 200 else ""
    return ""
