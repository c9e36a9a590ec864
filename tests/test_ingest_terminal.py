"""`python -m assistant ingest` as a person and as a script see it: the real command, in a child process, with
its stderr on a pseudo-terminal (a redrawn progress bar with files, chunks, rate and time left), on a pipe
(plain log lines), and with --quiet (the failures only, even on a terminal)."""
from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = 24

pytestmark = pytest.mark.slow  # each run loads the real model in a child process


@dataclass(frozen=True)
class Run:
    code: int
    out: str  # stdout: the summary
    err: str  # stderr: progress and failures, as the terminal or pipe received it


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 short answers and one empty file."""
    folder = tmp_path_factory.mktemp("terminal") / "docs"
    folder.mkdir()
    for n in range(FILES):
        paragraphs = [f"Antwoord {n}, punt {p}: het agentschap meet de tevredenheid van zijn klanten met "
                      f"een enquête bij {100 + n * 10 + p} respondenten, elk jaar opnieuw." for p in range(6)]
        (folder / f"antwoord-{n:02d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    (folder / "leeg.txt").write_bytes(b"")
    return folder


def ingest(folder: Path, index: Path, *flags: str, terminal: bool) -> Run:
    """Run the ingest command; with `terminal`, its stderr is a 160-column pseudo-terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    env.pop("TERM", None)
    argv = [sys.executable, "-m", "assistant", "ingest", str(folder), "--index", str(index), *flags]
    if not terminal:
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        return Run(done.returncode, done.stdout, done.stderr)
    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=child, text=True)
    os.close(child)
    received = bytearray()
    while True:  # read as it comes, so the child never blocks on a full terminal buffer
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received += data
    os.close(main)
    out = process.stdout.read() if process.stdout else ""
    code = process.wait(timeout=300)
    return Run(code, out, received.decode("utf-8", errors="replace"))


def test_on_a_terminal_the_ingest_redraws_a_bar_with_files_chunks_rate_and_time_left(
        folder: Path, tmp_path: Path) -> None:
    run = ingest(folder, tmp_path / "index", terminal=True)
    assert run.code == 1  # one file failed
    assert re.fullmatch(r"25 files: 24 documents added, 0 updated, 0 unchanged, 1 failed; "
                        r"(\d+) chunks written in [\d.]+ s; \1 chunks in the index\n", run.out)
    chunks = int(run.out.split("; ")[1].split()[0])
    frames = [frame for frame in re.split(r"[\r\n]", run.err) if frame.strip()]
    bars = [frame for frame in frames if frame.startswith("ingest:")]
    # tqdm's bar: share, bar, documents done/expected, [elapsed<time left, rate], then our files and chunks.
    bar = re.compile(r"ingest: +(\d+)%\|.*\| (\d+)/25 \[\d\d:\d\d<(\d\d:\d\d|\?), [^,]+, "
                     r"(\d+)/25 files, (\d+) chunks, (\d+) chunks/s\]")
    parsed = [bar.search(frame) for frame in bars]
    assert bars and all(parsed), bars
    first, last = parsed[0], parsed[-1]
    assert (first.group(2), first.group(4), first.group(5)) == ("0", "0", "0")  # type: ignore[union-attr]
    assert (last.group(1), last.group(2), last.group(4), last.group(5)) == (  # type: ignore[union-attr]
        "100", "25", "25", str(chunks))
    assert len({m.group(2) for m in parsed if m}) >= 3, "the bar is redrawn as documents are stored"
    assert "\r" in run.err  # redrawn in place, not a new line a step
    assert [f for f in frames if f.startswith("error:")] == [f"error: {folder / 'leeg.txt'}: empty file"]
    assert not [f for f in frames if not f.startswith(("ingest:", "error:"))], frames


def test_on_a_pipe_progress_is_plain_log_lines(folder: Path, tmp_path: Path) -> None:
    run = ingest(folder, tmp_path / "index", terminal=False)
    assert run.code == 1 and run.out.startswith("25 files: 24 documents added, ")
    assert "\r" not in run.err and "%|" not in run.err
    lines = run.err.splitlines()
    progress = [line for line in lines if line.startswith("ingest: ")]
    assert progress[0] == "ingest: 0/25 documents (0%), 0/25 files, 0 chunks"
    assert re.fullmatch(r"ingest: 25/25 documents \(100%\), 25/25 files, \d+ chunks, [\d.]+ documents/s, "
                        r"\d+ chunks/s, 0s left", progress[-1])
    assert sorted(set(lines) - set(progress)) == [f"error: {folder / 'leeg.txt'}: empty file"]


def test_quiet_prints_only_the_failures_even_on_a_terminal(folder: Path, tmp_path: Path) -> None:
    run = ingest(folder, tmp_path / "index", "--quiet", terminal=True)
    assert (run.code, run.out) == (1, "")
    assert run.err.splitlines() == [f"error: {folder / 'leeg.txt'}: empty file"]
