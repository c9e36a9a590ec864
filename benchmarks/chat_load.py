"""20 people asking at the same moment: drive the running chat with concurrent gradio_client sessions.

Each client is one person with a conversation of two turns: a question about one agency, then a
follow-up ("Hoeveel respondenten waren er?") that only makes sense in that person's own conversation.
Every answer is compared with the answer the same conversation got when asked alone, so an answer lost,
late or mixed up with another person's counts as an error. After each answer the client asks for the
export files, as the page does. Prints errors, p50, p95 and max latency (question sent -> whole answer
received; the export step is not in it).

    python benchmarks/chat_load.py                      # starts `python -m assistant serve` on a free port
    python benchmarks/chat_load.py --url http://127.0.0.1:7860/ --clients 20
    python benchmarks/chat_load.py --signed-in          # with sign-in: one user each, signed in on /login
"""
from __future__ import annotations

import argparse
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gradio_client import Client

ROOT = Path(__file__).resolve().parent.parent
CONVERSATIONS = [
    ("Hoe meet het Agentschap Integratie en Inburgering de klanttevredenheid?", "Hoeveel respondenten waren er?"),
    ("Hoe meet Kind en Gezin de klanttevredenheid?", "Hoeveel respondenten waren er?"),
    ("Hoe meet het Agentschap Binnenlands Bestuur de klanttevredenheid?", "Wat zijn de verbeterpunten?"),
    ("Hoe meet het Departement Werk en Sociale Economie de klanttevredenheid?", "Wie voerde de bevraging uit?"),
    ("Vergelijk hoe de agentschappen de klanttevredenheid meten.", "En Kind en Gezin?"),
]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0  # seconds from the first question to the last answer of the concurrent run


def final_reply(result: Sequence[object]) -> tuple[str, str]:
    """(the last chat message's HTML, the sources panel's HTML) of one /ask result."""
    messages, _, panel = result[0], result[1], result[2]
    last = messages[-1]["content"]  # type: ignore[index]
    text = last[0]["text"] if isinstance(last, list) else str(last)
    return text, str(panel)


def converse(url: str, conversation: Sequence[str], start: threading.Barrier | None = None,
             outcome: Outcome | None = None, headers: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """One person's conversation in its own session; with a barrier, waits so everyone asks at once."""
    client = Client(url, verbose=False, download_files=False, headers=headers)
    if start is not None:
        start.wait()
    replies = []
    for question in conversation:
        began = time.perf_counter()
        result = client.predict(question, [], [], api_name="/ask")
        if outcome is not None:
            outcome.latencies.append(time.perf_counter() - began)
        replies.append(final_reply(result))
        # What the page does next: build the export files of the conversation so far.
        exported = client.predict(api_name="/exports")
        if not all(isinstance(button, dict) and button.get("value") for button in exported):
            raise RuntimeError(f"no export files after {question!r}: {exported!r}")
    return replies


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def sign_in(url: str, name: str, password: str) -> dict[str, str]:
    """The session cookie of a sign-in on the login page, as headers for Gradio's client."""
    import httpx

    response = httpx.post(url.rstrip("/") + "/login", data={"username": name, "password": password}, timeout=60)
    if response.status_code != 303 or "assistant_session" not in response.cookies:
        raise RuntimeError(f"sign-in of {name} failed: HTTP {response.status_code}")
    return {"Cookie": f"assistant_session={response.cookies['assistant_session']}"}


def run(url: str, clients: int, users: Sequence[tuple[str, str]] = ()) -> Outcome:
    """With `users` (name, password), client i signs in as users[i] first: the sign-ins are not in the latencies."""
    sessions = [sign_in(url, name, password) for name, password in users]

    def headers(i: int) -> dict[str, str] | None:
        return sessions[i % len(sessions)] if sessions else None

    # The truth: each conversation asked alone, one after the other.
    expected = {conv: converse(url, conv, headers=headers(0)) for conv in CONVERSATIONS}
    outcome = Outcome()
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def person(i: int) -> None:
        conv = CONVERSATIONS[i % len(CONVERSATIONS)]
        mine = Outcome()
        try:
            replies = converse(url, conv, start, mine, headers(i))
            for turn, (got, want) in enumerate(zip(replies, expected[conv])):
                if got != want:
                    mine.errors.append(f"client {i} turn {turn + 1}: answer differs from the one asked alone")
        except Exception as exc:  # noqa: BLE001 (a lost answer is what is counted, whatever raised it)
            mine.errors.append(f"client {i}: {type(exc).__name__}: {exc}")
        with lock:
            outcome.latencies.extend(mine.latencies)
            outcome.errors.extend(mine.errors)

    threads = [threading.Thread(target=person, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.wall = time.perf_counter() - began
    return outcome


def make_users(folder: Path, count: int) -> tuple[Path, list[tuple[str, str]]]:
    """A users file with `count` users in one group, each with a random password."""
    sys.path.insert(0, str(ROOT))
    from assistant.auth.users import UsersFile

    users = UsersFile(folder / "users.json")
    accounts = [(f"gebruiker{i:02d}", secrets.token_urlsafe(12)) for i in range(1, count + 1)]
    for name, password in accounts:
        users.add(name, ["team"], password)
    return users.path, accounts


@contextmanager
def started_server(users_file: Path | None = None, audit_db: Path | None = None) -> Iterator[str]:
    """`python -m assistant serve` on a free port (with sign-in when given a users file), stopped afterwards."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    if audit_db is not None:
        env["ASSISTANT_AUDIT_DB"] = str(audit_db)
    command = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    if users_file is not None:
        command += ["--users", str(users_file)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300  # the first run builds index/ from corpus/
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped: {server.stderr.read() if server.stderr else ''}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not come up within 300 s") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running chat; without it, one is started on a free port")
    parser.add_argument("--clients", type=int, default=20, help="people asking at the same moment")
    parser.add_argument("--signed-in", action="store_true",
                        help="start the server with sign-in and one user per client, each signed in on /login")
    args = parser.parse_args(argv)
    if args.signed_in and args.url:
        parser.error("--signed-in starts its own server; it cannot be used with --url")

    def report(url: str, users: Sequence[tuple[str, str]] = ()) -> int:
        outcome = run(url, args.clients, users)
        signed = f", {len(users)} signed-in users" if users else ""
        print(f"clients: {args.clients} at once{signed}, 2 questions each: {len(outcome.latencies)} answered "
              f"in {outcome.wall:.1f} s")
        print(f"errors: {len(outcome.errors)}")
        for error in outcome.errors[:10]:
            print(f"  {error}")
        if outcome.latencies:
            print(f"latency p50: {percentile(outcome.latencies, 0.5):.2f} s, "
                  f"p95: {percentile(outcome.latencies, 0.95):.2f} s, max: {max(outcome.latencies):.2f} s")
        return 1 if outcome.errors else 0

    if args.url:
        return report(args.url)
    with tempfile.TemporaryDirectory(prefix="chat-load-") as folder:
        users_file, accounts = make_users(Path(folder), args.clients) if args.signed_in else (None, [])
        # The audit log in the temporary folder: a benchmark's questions are nobody's.
        with started_server(users_file, Path(folder) / "audit.sqlite3") as url:
            return report(url, accounts)


if __name__ == "__main__":
    raise SystemExit(main())
