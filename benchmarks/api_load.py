"""The HTTP API under load, with a Chroma server behind it: 20 clients posting /api/ask for a minute.

Starts `chroma run` in a temporary folder, ingests corpus/ into it (`python -m assistant ingest
--chroma-url`), starts `python -m assistant serve --chroma-url` on a free port, asks each question once
alone, then has the clients ask round the list, each waiting for its answer before the next (a closed
loop: 20 requests in flight at every moment). A request counts as an error when its status is not 200
or its answer differs from the one the question got alone (lost, mixed up, or a filter not applied).
Prints requests, errors, throughput, p50, p95 and max latency (request sent -> whole JSON received).

    python benchmarks/api_load.py                              # starts everything, 20 clients, 60 s
    python benchmarks/api_load.py --url http://127.0.0.1:7860 --clients 20 --seconds 60
    python benchmarks/api_load.py --chroma-url http://127.0.0.1:8000   # a server that holds an index
"""
from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# The chat's kinds of question: numbers, explanations, filters, English, a comparison, one not answered.
REQUESTS: list[dict[str, Any]] = [
    {"question": "Hoe meet Kind en Gezin de klanttevredenheid?"},
    {"question": "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?"},
    {"question": "Wat is de algemene tevredenheid bij het Agentschap Binnenlands Bestuur?"},
    {"question": "Welke software gebruikt het agentschap?", "filters": {"agencies": ["AgII"]}},
    {"question": "Which design agency did WSE work with in 2016?", "k": 3},
    {"question": "Vergelijk hoe de agentschappen de klanttevredenheid meten."},
    {"question": "Hoeveel kost een kinderdagverblijf in Brussel?"},
    {"question": "Hoe vaak wordt de klantengroep lokale besturen bevraagd?",
     "filters": {"documents": ["abb-klanttevredenheidsonderzoek"]}},
]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes] | None, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} stopped with exit code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer at {url} within {seconds:.0f} s")


@contextmanager
def running(command: list[str], log: Path, ready: str, what: str) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
        try:
            _wait(ready, process, what)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def start_stack(stack: ExitStack, chroma_url: str | None, folder: Path) -> str:
    """Chroma server (unless given) with the corpus in it, and the chat + API over it; returns the API's URL."""
    if chroma_url is None:
        port = _free_port()
        chroma_url = f"http://127.0.0.1:{port}"
        chroma = [str(Path(PYTHON).parent / "chroma"), "run", "--path", str(folder / "chroma"), "--host", "127.0.0.1",
                  "--port", str(port)]
        stack.enter_context(running(chroma, folder / "chroma.log", f"{chroma_url}/api/v2/heartbeat", "chroma run"))
        print(f"chroma run at {chroma_url}; ingesting corpus/ ...", file=sys.stderr, flush=True)
        subprocess.run([PYTHON, "-m", "assistant", "ingest", "corpus", "--chroma-url", chroma_url, "-q"], cwd=ROOT,
                       check=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [PYTHON, "-m", "assistant", "serve", "--chroma-url", chroma_url, "--port", str(port)]
    print(f"serving the API at {url} ...", file=sys.stderr, flush=True)
    stack.enter_context(running(serve, folder / "serve.log", f"{url}/api/health", "assistant serve"))
    return url


def expected_answers(url: str) -> list[dict[str, Any]]:
    """Each request's answer when it is the only one."""
    with httpx.Client(base_url=url, timeout=120) as client:
        answers = []
        for body in REQUESTS:
            response = client.post("/api/ask", json=body)
            response.raise_for_status()
            answers.append(response.json())
        return answers


def client_loop(url: str, offset: int, stop: threading.Event, expected: list[dict[str, Any]],
                start: threading.Barrier, outcome: Outcome) -> None:
    """One script asking round the list (from its own starting point) until the time is up."""
    with httpx.Client(base_url=url, timeout=120) as client:
        start.wait()
        i = offset
        while not stop.is_set():
            body: dict[str, Any] = REQUESTS[i % len(REQUESTS)]
            began = time.perf_counter()
            try:
                response = client.post("/api/ask", json=body)
                seconds = time.perf_counter() - began
                if response.status_code != 200:
                    outcome.add(seconds, f"{response.status_code} for {body['question']!r}: {response.text[:200]}")
                elif response.json() != expected[i % len(REQUESTS)]:
                    outcome.add(seconds, f"another answer for {body['question']!r}")
                else:
                    outcome.add(seconds)
            except httpx.HTTPError as exc:
                outcome.add(time.perf_counter() - began, f"{exc.__class__.__name__} for {body['question']!r}")
            i += 1


def load(url: str, clients: int, seconds: float) -> tuple[Outcome, float]:
    expected = expected_answers(url)
    outcome = Outcome()
    start = threading.Barrier(clients + 1)
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop, args=(url, i, stop, expected, start, outcome))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    time.sleep(seconds)
    stop.set()  # each client finishes the request it is in
    for thread in threads:
        thread.join()
    return outcome, time.monotonic() - began


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running `assistant serve` (default: start Chroma and the server here)")
    parser.add_argument("--chroma-url", help="a running Chroma server that holds an index (default: start one)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="api-load-") as tmp:
        url = args.url or start_stack(stack, args.chroma_url, Path(tmp))
        health = httpx.get(f"{url.rstrip('/')}/api/health", timeout=30).json()
        print(f"index: {health['chunks']} chunks, {health['documents']} documents, store {health['store']}; "
              f"{args.clients} clients for {args.seconds:.0f} s ...", file=sys.stderr, flush=True)
        outcome, wall = load(url.rstrip("/"), args.clients, args.seconds)
    times = outcome.latencies
    print(f"clients {args.clients}, {wall:.0f} s, store {health['store']}: {len(times)} requests, "
          f"{len(outcome.errors)} errors, {len(times) / wall:.1f} requests/s")
    if times:
        print(f"latency p50 {percentile(times, 0.5):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
              f"max {max(times):.2f} s")
    for error in sorted(set(outcome.errors))[:10]:
        print(f"  error: {error}")
    return 1 if outcome.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
