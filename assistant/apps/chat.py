"""The Gradio chat: thin. Its state and the per-user lookups are in chat_state.py, what each event does in
chat_events.py (follow-ups resolved by conversation.py, answers from core.Assistant.ask, HTML from render.py,
files from export.py), the page that wires them in chat_page.py. This module is the public surface: `Chat`,
`open_chat`, `launch`, `web_app`, `serve`.
"""
from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from ..auth.access import Access, SignInMiddleware
from ..auth.audit import AuditLog
from ..auth.scope import Scopes
from ..auth.users import UsersFile
from ..core import Assistant
from ..errors import AssistantError
from ..settings import Settings
from .chat_events import STREAM_DELAY, STREAM_STEPS, ChatEvents
from .chat_page import CITATION_JS, CSS, PLACEHOLDER, build_page
from .chat_state import EXPORT_MAX_AGE, NOT_SIGNED_IN, Session, explain

__all__ = ["CITATION_JS", "CSS", "EXAMPLES", "EXPORT_MAX_AGE", "NOT_SIGNED_IN", "PLACEHOLDER", "STREAM_DELAY",
           "STREAM_STEPS", "Chat", "Session", "explain", "launch", "open_chat", "serve", "web_app"]

log = logging.getLogger(__name__)

EXAMPLES = [  # questions the shipped corpus answers, with citations (the chat shows the open index's own: examples.py)
    "Hoe meet Kind en Gezin de klanttevredenheid?",
    "Hoeveel respondenten waren er bij het Agentschap Integratie en Inburgering?",
    "Wat is de algemene tevredenheid bij het Agentschap Binnenlands Bestuur?",
    "Vergelijk hoe de agentschappen de klanttevredenheid meten.",
]


class Chat(ChatEvents):
    """The chat, one instance per server: its state (ChatState), its event handlers (ChatEvents) and its page."""

    def build(self) -> gr.Blocks:
        return build_page(self)


def open_chat(settings: Settings, users: UsersFile | None = None, audit: AuditLog | None = None,
              notice: str = "") -> Chat:
    """A Chat over the index of `settings`; an index that cannot be opened becomes the chat's message. With
    `users`, each user sees their collections only."""
    try:
        assistant = Assistant.open(settings)
    except AssistantError as exc:
        log.error("the chat starts without an index: %s", exc)
        return Chat(None, problem=explain(exc, settings), audit=audit, notice=notice,
                    scopes=None if users is None else Scopes(None, users))  # type: ignore[arg-type]
    return Chat(assistant, scopes=Scopes(assistant, users) if users is not None else None, audit=audit, notice=notice)


def launch(chat: Chat, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Start the chat's web server; with block=False it runs in a thread and this returns at once."""
    app = chat.build()
    # 20 people at once: their answers queue for the index one by one (~0.1 s each) while up to 32 stream.
    app.queue(default_concurrency_limit=32, max_size=256)
    # No footer (its links are English and lead to the API page) and no run history kept in the browser.
    app.launch(server_name=host, server_port=port, css=CSS, prevent_thread_lock=not block, quiet=not block,
               show_error=False, footer_links=[], run_history=False)
    return app


def web_app(chat: Chat, access: Access | None = None) -> Any:
    """The chat at / and the HTTP API (api.py) at /api/, one FastAPI app on one port: what `serve` runs. With
    `access`, every route needs a session or an API token (auth/access.py)."""
    from .api import create_app

    # The chat's lock: the API's questions queue for the index with the chat's.
    app = create_app(chat.assistant, chat.problem, chat.lock, scopes=chat.scopes, audit=chat.audit)
    blocks = chat.build()
    blocks.queue(default_concurrency_limit=32, max_size=256)  # as `launch` does
    # Gradio asks `access` who the request is (gr.Request.username); the middleware has already refused strangers.
    mounted = gr.mount_gradio_app(app, blocks, path="/", css=CSS, show_error=False, footer_links=[], run_history=False,
                                  auth_dependency=access.username if access is not None else None)
    if access is not None:
        mounted.add_middleware(SignInMiddleware, access=access)
    return mounted


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, users: UsersFile | None = None,
          notice: str = "") -> None:
    """The chat and the API (/api/ask, /api/similar, /api/health, /api/feedback, /docs) on one port, until
    interrupted; with `users`, every route needs a session or a token (`auth.access.sign_in_for` decides)."""
    import uvicorn

    audit = AuditLog(settings.audit_db, settings.audit_retention_days)
    chat = open_chat(settings, users, audit, notice)
    access = Access(users) if users is not None else None
    uvicorn.run(web_app(chat, access), host=host, port=port, access_log=False, log_level="info")
