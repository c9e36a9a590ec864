"""Latency of the OpenAI-compatible endpoint against /api/ask for the same questions (target: within 50 ms).

Ingests corpus/ into a temporary index and starts `python -m assistant serve` over it on a free loopback port
(or uses --url, with --key on a signed-in server). Then, round after round, asks each question through
POST /api/ask, POST /v1/chat/completions and the same streamed, one request at a time on one kept-alive
connection, in that order, so every endpoint meets the same caches. A streamed request counts until [DONE].
Prints per endpoint the median, p95 and mean latency, and the median of the per-question differences
(endpoint minus /api/ask, in ms) — the figure the 50 ms target is about. Every reply is checked: the same
answer text from all three.

    python benchmarks/openai_latency.py                       # start a server here, 10 rounds
    python benchmarks/openai_latency.py --url http://127.0.0.1:7860 --key TOKEN --rounds 20
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx
from api_load import PYTHON, ROOT, _free_port, percentile, running

QUESTIONS = [
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?",
    "Wat is de algemene tevredenheid bij het Agentschap Binnenlands Bestuur?",
    "Which design agency did WSE work with in 2016?",
    "Vergelijk hoe de agentschappen de klanttevredenheid meten.",
    "Hoeveel kost een kinderdagverblijf in Brussel?",
]
ENDPOINTS = ("/api/ask", "/v1/chat/completions", "/v1/chat/completions (stream)")


def start_server(stack: ExitStack, folder: Path) -> str:
    index = folder / "index"
    print("ingesting corpus/ into a temporary index ...", file=sys.stderr, flush=True)
    subprocess.run([PYTHON, "-m", "assistant", "ingest", "corpus", "--index", str(index), "-q"], cwd=ROOT,
                   check=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [PYTHON, "-m", "assistant", "serve", "--index", str(index), "--port", str(port)]
    stack.enter_context(running(serve, folder / "serve.log", f"{url}/api/health", "assistant serve"))
    return url


def ask_once(client: httpx.Client, endpoint: str, question: str) -> tuple[float, str]:
    """(seconds from sending to the whole reply, the answer's text)."""
    messages = [{"role": "user", "content": question}]
    started = time.perf_counter()
    if endpoint == "/api/ask":
        response = client.post("/api/ask", json={"question": question})
        response.raise_for_status()
        return time.perf_counter() - started, str(response.json()["answer"])
    if endpoint == "/v1/chat/completions":
        response = client.post(endpoint, json={"model": "parlementaire-vragen", "messages": messages})
        response.raise_for_status()
        return time.perf_counter() - started, str(response.json()["cited_answer"]["answer"])
    text = ""
    with client.stream("POST", "/v1/chat/completions",
                       json={"model": "parlementaire-vragen", "messages": messages, "stream": True}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line == "data: [DONE]":
                break
            if line.startswith("data: "):
                text = str(json.loads(line[6:]).get("cited_answer", {}).get("answer", text))
    return time.perf_counter() - started, text


def measure(url: str, key: str, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {endpoint: [] for endpoint in ENDPOINTS}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for question in QUESTIONS:  # warm-up: the first question of a kind loads what it needs
            for endpoint in ENDPOINTS:
                ask_once(client, endpoint, question)
        for _ in range(rounds):
            for question in QUESTIONS:
                texts = set()
                for endpoint in ENDPOINTS:
                    seconds, text = ask_once(client, endpoint, question)
                    times[endpoint].append(seconds)
                    texts.add(text)
                if len(texts) != 1:
                    raise SystemExit(f"the endpoints answered {question!r} differently: {sorted(texts)}")
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running `assistant serve` (default: start one here over corpus/)")
    parser.add_argument("--key", default="", help="an API token (`users token`), for a signed-in server")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="openai-latency-") as tmp:
        url = (args.url or start_server(stack, Path(tmp))).rstrip("/")
        times = measure(url, args.key, args.rounds)
    base = times["/api/ask"]
    print(f"{len(QUESTIONS)} questions x {args.rounds} rounds, one request at a time")
    for endpoint in ENDPOINTS:
        values = times[endpoint]
        line = (f"{endpoint:32s} p50 {statistics.median(values) * 1000:7.1f} ms  p95 "
                f"{percentile(values, 0.95) * 1000:7.1f} ms  mean {statistics.fmean(values) * 1000:7.1f} ms")
        if endpoint != "/api/ask":
            extra = [(v - b) * 1000 for v, b in zip(values, base)]
            line += f"  vs /api/ask: median {statistics.median(extra):+.1f} ms, p95 {percentile(extra, 0.95):+.1f} ms"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
