"""The audit log and feedback store (SQLite), its retention and its exports; the sign-in throttle."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from assistant.auth.audit import ASK_COLUMNS, FEEDBACK_COLUMNS, Asked, AuditLog, export_rows, parse_day
from assistant.auth.throttle import Throttle
from assistant.errors import InputError

ASKED = Asked("Hoe meet Kind en Gezin de klanttevredenheid?", "Met een bevraging [1].",
              [{"n": 1, "doc_id": "kg-klantentevredenheidsmeting", "chunk_id": "kg#1", "title": "KG"}])


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_rows_are_written_and_read_back(tmp_path: Path) -> None:
    clock = Clock()
    log = AuditLog(tmp_path / "audit.sqlite3", clock=clock)
    first = log.record_ask("an", "api", "ask", ASKED, {"agencies": ["KG"], "documents": []})
    feedback = log.record_feedback("an", "chat", -1, " Te oud. ", ASKED, first)
    assert list(log.rows("asks")) == [{
        "id": first, "at": "2026-03-01T09:30:00+00:00", "user": "an", "channel": "api", "action": "ask",
        "question": ASKED.question, "filters": {"agencies": ["KG"], "documents": []},
        "documents": ["kg-klantentevredenheidsmeting"], "answer": ASKED.answer, "citations": ASKED.citations}]
    assert list(log.rows("feedback")) == [{
        "id": feedback, "at": "2026-03-01T09:30:00+00:00", "user": "an", "channel": "chat", "answer_id": first,
        "rating": -1, "comment": "Te oud.", "question": ASKED.question, "answer": ASKED.answer,
        "citations": ASKED.citations}]
    assert log.asked(first, "an") == ASKED and log.asked(first, "bert") is None
    assert log.set_comment(feedback, "bert", "niet van mij") is False
    assert log.set_comment(feedback, "an", "Het cijfer is van 2019.") is True
    assert next(log.rows("feedback"))["comment"] == "Het cijfer is van 2019."
    with pytest.raises(InputError, match="^rating must be 1 \\(goed\\) or -1 \\(fout\\), not 0$"):
        log.record_feedback("an", "api", 0, "", ASKED)


def test_rows_older_than_the_retention_are_deleted(tmp_path: Path) -> None:
    clock = Clock()
    log = AuditLog(tmp_path / "audit.sqlite3", retention_days=30, clock=clock)
    log.record_ask("an", "api", "ask", ASKED, {})
    log.record_feedback("an", "api", 1, "", ASKED)
    clock.now += timedelta(days=20)
    log.record_ask("bert", "chat", "ask", ASKED, {})
    clock.now += timedelta(days=15)  # the first two are now 35 days old
    assert log.purge() == 2
    assert [r["user"] for r in log.rows("asks")] == ["bert"] and list(log.rows("feedback")) == []
    log.close()
    reopened = AuditLog(tmp_path / "audit.sqlite3", retention_days=1, clock=clock)  # purges when opened
    assert list(reopened.rows("asks")) == []
    with pytest.raises(InputError, match="^audit_retention_days must be at least 1, not 0$"):
        AuditLog(tmp_path / "other.sqlite3", retention_days=0)


def test_exports_as_json_lines_and_csv_from_a_day_on(tmp_path: Path) -> None:
    clock = Clock()
    log = AuditLog(tmp_path / "audit.sqlite3", clock=clock)
    log.record_ask("an", "api", "ask", ASKED, {"agencies": []})
    clock.now += timedelta(days=2)
    log.record_ask("bert", "chat", "similar", Asked("Vraag, met \"komma\"", "", []), {})
    out = io.StringIO()
    assert export_rows(log.rows("asks", since=date(2026, 3, 2)), ASK_COLUMNS, "jsonl", out) == 1
    assert out.getvalue() == (
        '{"id": 2, "at": "2026-03-03T09:30:00+00:00", "user": "bert", "channel": "chat", "action": "similar", '
        '"question": "Vraag, met \\"komma\\"", "filters": {}, "documents": [], "answer": "", "citations": []}\n')
    out = io.StringIO()
    assert export_rows(log.rows("asks"), ASK_COLUMNS, "csv", out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0] == "id,at,user,channel,action,question,filters,documents,answer,citations"
    assert lines[2] == '2,2026-03-03T09:30:00+00:00,bert,chat,similar,"Vraag, met ""komma""",{},[],,[]'
    out = io.StringIO()
    assert export_rows(log.rows("feedback"), FEEDBACK_COLUMNS, "csv", out) == 0
    assert out.getvalue() == "id,at,user,channel,answer_id,rating,comment,question,answer,citations\n"
    with pytest.raises(InputError, match="^format must be one of jsonl, csv, not 'xml'$"):
        export_rows(log.rows("asks"), ASK_COLUMNS, "xml", io.StringIO())
    assert parse_day("2026-03-02") == date(2026, 3, 2)
    with pytest.raises(InputError, match="^--since wants a day as JJJJ-MM-DD"):
        parse_day("2 maart")


def test_the_export_commands_refuse_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.apps.cli import main

    assert main(["audit", "export", "--audit-db", str(tmp_path / "geen.sqlite3")]) == 2
    assert capsys.readouterr().err == (f"error: geen auditlog in {tmp_path / 'geen.sqlite3'}: `serve` maakt het "
                                       "bij de eerste vraag\n")
    AuditLog(tmp_path / "audit.sqlite3").close()
    assert main(["feedback", "export", "--audit-db", str(tmp_path / "audit.sqlite3"), "--since", "gisteren"]) == 2
    assert capsys.readouterr().err == ("error: --since wants a day as JJJJ-MM-DD (bv. 2026-01-31), not 'gisteren'\n")
    with pytest.raises(SystemExit) as caught:
        main(["audit", "export", "--format", "xml"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == ("error: python -m assistant audit export: argument --format: invalid choice: "
                                       "'xml' (choose from 'jsonl', 'csv')\n")


def test_the_throttle_allows_limit_failures_a_window() -> None:
    now = [0.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("10.0.0.1") == 0.0
        throttle.failed("10.0.0.1")
        now[0] += 10
    assert throttle.wait("10.0.0.1") == 30.0  # the first failure (at 0) leaves the window at 60
    assert throttle.wait("10.0.0.2") == 0.0  # another client
    now[0] = 60.0
    assert throttle.wait("10.0.0.1") == 0.0
    with pytest.raises(ValueError):
        Throttle(limit=0)
