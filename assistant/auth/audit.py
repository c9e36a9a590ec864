"""The audit log and the answers' feedback, in one SQLite file (the standard library's sqlite3).

    asks      who asked what, when, through which channel, with which filters, which documents were cited,
              and the answer with its citations (what feedback on it refers to)
    feedback  thumbs up (1) or down (-1) with an optional comment, on an answer: its question, text, citations

Rows older than `retention_days` are deleted when the log is opened and at most once an hour after that.
Nothing here ever holds a password or a token: the callers pass only names, questions and answers.
"""
from __future__ import annotations

import csv
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from ..errors import InputError
from ..types import Answer

FORMATS = ("jsonl", "csv")
PURGE_EVERY = 3600.0  # seconds between deletions of expired rows

_SCHEMA = """
CREATE TABLE IF NOT EXISTS asks (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, channel TEXT NOT NULL, action TEXT NOT NULL,
    question TEXT NOT NULL, filters TEXT NOT NULL, documents TEXT NOT NULL, answer TEXT NOT NULL,
    citations TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS asks_at ON asks (at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, channel TEXT NOT NULL, answer_id INTEGER,
    rating INTEGER NOT NULL, comment TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    citations TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at);
"""
ASK_COLUMNS = ("id", "at", "user", "channel", "action", "question", "filters", "documents", "answer", "citations")
FEEDBACK_COLUMNS = ("id", "at", "user", "channel", "answer_id", "rating", "comment", "question", "answer",
                    "citations")
_JSON_COLUMNS = {"filters", "documents", "citations"}


@dataclass(frozen=True)
class Asked:
    """What one audit row says about a question and its answer."""

    question: str
    answer: str
    citations: list[dict[str, Any]]  # {"n", "doc_id", "chunk_id", "title"} per cited passage

    @property
    def documents(self) -> list[str]:
        return list(dict.fromkeys(str(c["doc_id"]) for c in self.citations))

    @classmethod
    def from_answer(cls, question: str, answer: Answer) -> Asked:
        return cls(question, answer.text, [{"n": c.n, "doc_id": c.passage.chunk.doc_id, "chunk_id": c.passage.chunk.id,
                                            "title": c.passage.chunk.title} for c in answer.citations])


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class AuditLog:
    """The log at `path` (created on first use), shared by the chat's and the API's threads."""

    def __init__(self, path: Path, retention_days: int = 365, clock: Any = now) -> None:
        if retention_days < 1:
            raise InputError(f"audit_retention_days must be at least 1, not {retention_days}")
        self.path, self.retention_days, self.clock = Path(path), retention_days, clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._purged = 0.0
        self.purge()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing ---------------------------------------------------------------------------------

    def record_ask(self, user: str, channel: str, action: str, asked: Asked, filters: dict[str, Any]) -> int:
        """One question and what answered it; returns the row's id (what feedback refers to)."""
        row = (self._stamp(), user, channel, action, asked.question, _dump(filters), _dump(asked.documents),
               asked.answer, _dump(asked.citations))
        return self._insert("INSERT INTO asks (at, user, channel, action, question, filters, documents, answer, "
                            "citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def record_feedback(self, user: str, channel: str, rating: int, comment: str, asked: Asked,
                        answer_id: int | None = None) -> int:
        if rating not in (1, -1):
            raise InputError(f"rating must be 1 (goed) or -1 (fout), not {rating}")
        row = (self._stamp(), user, channel, answer_id, rating, comment.strip(), asked.question, asked.answer,
               _dump(asked.citations))
        return self._insert("INSERT INTO feedback (at, user, channel, answer_id, rating, comment, question, answer, "
                            "citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def set_comment(self, feedback_id: int, user: str, comment: str) -> bool:
        """Add a comment to the user's own feedback row; False when there is no such row."""
        with self._lock:
            cursor = self._db.execute("UPDATE feedback SET comment = ? WHERE id = ? AND user = ?",
                                      (comment.strip(), feedback_id, user))
            return cursor.rowcount == 1

    def asked(self, answer_id: int, user: str) -> Asked | None:
        """The question and answer of an audit row of this user's, or None (unknown, or someone else's)."""
        with self._lock:
            row = self._db.execute("SELECT question, answer, citations FROM asks WHERE id = ? AND user = ?",
                                   (answer_id, user)).fetchone()
        return Asked(row[0], row[1], json.loads(row[2])) if row else None

    def purge(self) -> int:
        """Delete the rows older than the retention; returns how many."""
        cutoff = (self.clock() - timedelta(days=self.retention_days)).isoformat()
        with self._lock:
            self._purged = time.monotonic()
            deleted = sum(self._db.execute(f"DELETE FROM {table} WHERE at < ?", (cutoff,)).rowcount
                          for table in ("asks", "feedback"))
        return deleted

    def _stamp(self) -> str:
        if time.monotonic() - self._purged > PURGE_EVERY:
            self.purge()
        return str(self.clock().isoformat())

    def _insert(self, sql: str, row: Sequence[Any]) -> int:
        with self._lock:
            return int(self._db.execute(sql, row).lastrowid or 0)

    # -- reading ---------------------------------------------------------------------------------

    def rows(self, table: str, since: date | None = None) -> Iterator[dict[str, Any]]:
        """The rows of "asks" or "feedback", oldest first, from `since` (a day, UTC) on."""
        columns = {"asks": ASK_COLUMNS, "feedback": FEEDBACK_COLUMNS}[table]
        start = datetime(since.year, since.month, since.day, tzinfo=UTC).isoformat() if since else ""
        with self._lock:
            found = self._db.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE at >= ? ORDER BY id",
                                     (start,)).fetchall()
        for values in found:
            yield {c: json.loads(v) if c in _JSON_COLUMNS else v for c, v in zip(columns, values)}


def export_rows(rows: Iterator[dict[str, Any]], columns: Sequence[str], fmt: str, out: TextIO) -> int:
    """Rows as JSON Lines (one object a line) or CSV (a header, lists and objects as JSON); returns the count."""
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    count = 0
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(columns)
    for row in rows:
        count += 1
        if writer is None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer.writerow([_dump(row[c]) if c in _JSON_COLUMNS else row[c] for c in columns])
    return count


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since wants a day as JJJJ-MM-DD (bv. 2026-01-31), not {text!r}") from None


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


__all__ = ["ASK_COLUMNS", "FEEDBACK_COLUMNS", "Asked", "AuditLog", "export_rows", "parse_day"]
