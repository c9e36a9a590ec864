"""Opening Chroma: the embedded store in an index folder, or a shared Chroma server.

A server that does not answer, or stops answering mid-call, is a ServerUnavailableError (one readable line in
the CLI, a 503 in the API, a message in the chat) instead of a traceback: `open_client` checks it answers,
and the store runs every later call under `server_errors`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chromadb
import httpx

from ..errors import IndexMissingError, ServerUnavailableError
from ..settings import parse_chroma_url

CHUNKS = "chunks"  # the collection every index has: no index where it is missing
# Seconds one call to a Chroma server may take: an upsert of 512 chunks takes about one.
SERVER_TIMEOUT = 120.0


def open_client(index_dir: Path, create: bool, chroma_url: str = "") -> chromadb.ClientAPI:
    """The embedded store in index_dir, or with `chroma_url` a Chroma server (the same collections)."""
    if chroma_url:
        return _open_server(chroma_url, create)
    store = index_dir / "chroma"
    if not create and not (store / "chroma.sqlite3").exists():
        raise IndexMissingError(
            f"no index in {index_dir}; build one with `python -m assistant ingest PATH... --index {index_dir}`"
        )
    store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store), settings=chromadb.Settings(anonymized_telemetry=False))


def server_down_message(url: str) -> str:
    """What to say when the Chroma server at `url` does not answer."""
    host, port, _ = parse_chroma_url(url)
    return (f"the Chroma server at {url} does not answer; start it (`chroma run --path DIR --host {host} "
            f"--port {port}`) or give the right --chroma-url")


@contextmanager
def server_errors(message: str) -> Iterator[None]:
    """A dropped connection to the Chroma server (or a call past SERVER_TIMEOUT) becomes a
    ServerUnavailableError with `message`; an empty message (the embedded store) changes nothing."""
    if not message:
        yield
        return
    try:
        yield
    except httpx.TransportError as exc:
        raise ServerUnavailableError(f"{message} ({exc.__class__.__name__})") from exc


def _open_server(url: str, create: bool) -> chromadb.ClientAPI:
    host, port, ssl = parse_chroma_url(url)
    down = server_down_message(url)
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl,
                                     settings=chromadb.Settings(anonymized_telemetry=False))
        _limit_wait(client)
        names = {c.name for c in client.list_collections()}
    except (ValueError, httpx.HTTPError) as exc:  # chromadb says "Could not connect" with a ValueError
        raise ServerUnavailableError(down) from exc
    if not create and CHUNKS not in names:
        raise IndexMissingError(
            f"no index on the Chroma server at {url}; build one with "
            f"`python -m assistant ingest PATH... --chroma-url {url}`"
        )
    return client


def _limit_wait(client: chromadb.ClientAPI) -> None:
    # chromadb waits for ever (its httpx client has timeout=None) and offers no setting for it; a hung server
    # should not hang every question. Its session is not public: the one place this module reaches inside.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(SERVER_TIMEOUT, connect=5.0)
