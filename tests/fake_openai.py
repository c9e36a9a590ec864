"""A scripted model server on 127.0.0.1 that speaks the OpenAI chat-completions protocol (POST
/v1/chat/completions) and Ollama's (POST /api/chat): a real HTTP server, so the model path is tested
through langchain, the openai and ollama clients and their timeouts, with no model running.

    with FakeModelServer() as server:
        server.script(Reply("Het antwoord [1]."), Reply(status=500), Reply("...", delay=5.0))
        ...  # point --llm-base-url at server.url (OpenAI) or server.root (Ollama)

Each request takes the next scripted step; a step's text may be a function of the request's passages
(`Prompt`), so a reply can cite the passage that holds a phrase whatever rank retrieval gave it.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_PASSAGE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.DOTALL)


@dataclass(frozen=True)
class Prompt:
    """What the server was sent: the system rules, the user message and the passages in it by number."""

    system: str
    user: str
    body: dict[str, Any]

    @property
    def passages(self) -> dict[int, str]:
        return {int(n): text for n, text in _PASSAGE.findall(self.user)}

    def number_of(self, phrase: str) -> int:
        """The number of the passage holding `phrase` (the test's way of citing the right passage)."""
        found = [n for n, text in self.passages.items() if phrase in text]
        if not found:
            raise AssertionError(f"no passage holds {phrase!r}: {self.passages}")
        return found[0]


@dataclass(frozen=True)
class Reply:
    """One scripted step: reply `text` (or `text(prompt)`) after `delay` seconds, or fail with `status`."""

    text: str | Callable[[Prompt], str] = ""
    status: int = 200
    delay: float = 0.0


@dataclass
class FakeModelServer:
    model: str = "fake-model"
    prompts: list[Prompt] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # scripted replies that did not fit their prompt
    most_at_once: int = 0  # the most requests it was answering at the same time
    _steps: deque[Reply] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._at_once = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a stalled reply must not hold up the end of a test
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL, as --llm-base-url takes it."""
        return f"{self.root}/v1"

    def script(self, *steps: Reply) -> None:
        with self._lock:
            self._steps.extend(steps)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- serving ----------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length) or b"{}")
        messages = body.get("messages", [])
        prompt = Prompt(system=_message(messages, "system"), user=_message(messages, "user"), body=body)
        with self._lock:
            self.prompts.append(prompt)
            step = self._steps.popleft() if self._steps else Reply(status=599)
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
        try:
            self._reply(request, body, prompt, step)
        finally:
            with self._lock:
                self._at_once -= 1

    def _reply(self, request: BaseHTTPRequestHandler, body: dict[str, Any], prompt: Prompt, step: Reply) -> None:
        if step.delay:
            self._stop.wait(step.delay)
        if step.status != 200:
            self._send(request, step.status, {"error": {"message": f"scripted failure {step.status}",
                                                        "type": "server_error"}})
            return
        try:
            text = step.text(prompt) if callable(step.text) else step.text
        except AssertionError as exc:  # the script did not fit the prompt: say so to the test, not a hang-up
            self.errors.append(str(exc))
            self._send(request, 599, {"error": {"message": str(exc), "type": "script_error"}})
            return
        if request.path.rstrip("/").endswith("/api/chat"):
            self._send_ollama(request, body, text)
        else:
            self._send(request, 200, {
                "id": f"chatcmpl-{len(self.prompts)}", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", self.model),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })

    def _send_ollama(self, request: BaseHTTPRequestHandler, body: dict[str, Any], text: str) -> None:
        """Ollama streams JSON lines: the text, then a closing line with done: true."""
        lines = [{"model": body.get("model", self.model), "created_at": "2026-01-01T00:00:00Z",
                  "message": {"role": "assistant", "content": text}, "done": False},
                 {"model": body.get("model", self.model), "created_at": "2026-01-01T00:00:00Z",
                  "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}]
        payload = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        self._write(request, 200, "application/x-ndjson", payload)

    def _send(self, request: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
        self._write(request, status, "application/json", json.dumps(data).encode())

    @staticmethod
    def _write(request: BaseHTTPRequestHandler, status: int, kind: str, payload: bytes) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", kind)
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def _message(messages: list[dict[str, Any]], role: str) -> str:
    for message in messages:
        if message.get("role") == role:
            content = message.get("content", "")
            return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)
    return ""
