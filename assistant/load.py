"""Files -> Documents: the shipped corpus (Markdown with front matter), .txt/.md files, JSON Lines records."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from .errors import InputError, LoadError
from .types import Document, Metadata, Section

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
# "## Vraag", "Antwoord:", "ANTWOORD" alone on a line mark the question and the answer.
_SECTION_HEADING = re.compile(
    r"^[ \t]*(?:#+[ \t]*)?(vraag|antwoord|question|answer)[ \t]*:?[ \t]*$", re.I | re.M
)
_SECTION_NAMES = {"vraag": "question", "question": "question", "antwoord": "answer", "answer": "answer"}


def find_files(paths: Iterable[Path]) -> list[Path]:
    """The readable files under `paths` (folders recursively), sorted; a missing path is an InputError."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            found.append(path)
    return found


def load_file(path: Path) -> list[Document]:
    """One file -> its documents (a JSON Lines file holds many); LoadError says why it cannot be read."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return list(load_jsonl(path))
    if suffix in TEXT_SUFFIXES:
        return [parse_text_document(read_text(path), default_id=path.stem, source=str(path))]
    raise LoadError(f"{path}: unsupported file type {suffix or '(none)'}; use .txt, .md or .jsonl")


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 when it is, else the encoding charset-normalizer finds, never silently wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if b"\x00" in data[:8192]:
        raise LoadError(f"{path}: binary content, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise LoadError(f"{path}: not text in any known encoding") from None
        log.info("%s: decoded as %s", path, best.encoding)
        text = str(best)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_text_document(raw: str, default_id: str, source: str = "") -> Document:
    """Front matter (YAML) gives id, title and metadata; headings split question from answer."""
    metadata: Metadata = {}
    body = raw
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise LoadError(f"{source}: front matter is not valid YAML ({exc})") from exc
        if not isinstance(front, dict):
            raise LoadError(f"{source}: front matter must be a mapping of fields")
        metadata = {str(k): v for k, v in front.items() if isinstance(v, (str, int, float, bool))}
        body = raw[match.end():]
    if not body.strip():
        raise LoadError(f"{source}: empty document")
    doc_id = str(metadata.pop("id", "") or default_id)
    title = str(metadata.pop("title", "") or _first_line(body) or doc_id)
    return Document(id=doc_id, text=body, title=title, metadata=metadata,
                    sections=split_sections(body), source=source)


def split_sections(text: str) -> tuple[Section, ...]:
    """The question and answer spans a document's headings mark; one "text" span when there are none."""
    headings = list(_SECTION_HEADING.finditer(text))
    if not headings:
        return (Section("text", 0, len(text)),)
    sections = []
    if text[: headings[0].start()].strip():
        # Text before a lone answer heading is the question ("ANTWOORD" files); else a preamble.
        first = _SECTION_NAMES[headings[0].group(1).lower()]
        sections.append(Section("question" if first == "answer" else "text", 0, headings[0].start()))
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        sections.append(Section(_SECTION_NAMES[heading.group(1).lower()], heading.end(), end))
    return tuple(sections)


def load_jsonl(path: Path) -> Iterator[Document]:
    """Records {"id", "text", "title"?, ...}: other scalar fields become metadata."""
    for number, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LoadError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        yield record_to_document(record, f"{path}:{number}")


def record_to_document(record: object, source: str) -> Document:
    if not isinstance(record, dict):
        raise LoadError(f"{source}: a record must be a JSON object")
    doc_id, text = record.get("id"), record.get("text")
    if not isinstance(doc_id, (str, int)) or str(doc_id).strip() == "":
        raise LoadError(f"{source}: record has no \"id\"")
    if not isinstance(text, str) or not text.strip():
        raise LoadError(f"{source}: record {doc_id} has no \"text\"")
    metadata: Metadata = {
        k: v for k, v in record.items()
        if k not in {"id", "text", "title"} and isinstance(v, (str, int, float, bool))
    }
    title = record.get("title")
    return Document(id=str(doc_id), text=text, title=str(title) if title else "", metadata=metadata,
                    sections=split_sections(text), source=source)


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        line = re.sub(r"\s+", " ", line).strip(" #")
        if line:
            return line if len(line) <= 200 else ""
    return ""
