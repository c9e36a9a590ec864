"""Opening Chroma: what a server that does not answer becomes (the server itself: test_chroma_server.py)."""
from __future__ import annotations

import httpx
import pytest

from assistant.errors import ServerUnavailableError
from assistant.search.chroma import server_down_message, server_errors

URL = "http://127.0.0.1:8123"


def test_the_message_says_how_to_start_the_server() -> None:
    assert server_down_message(URL) == (
        "the Chroma server at http://127.0.0.1:8123 does not answer; start it (`chroma run --path DIR "
        "--host 127.0.0.1 --port 8123`) or give the right --chroma-url")


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                                   httpx.RemoteProtocolError("closed")])
def test_a_dropped_connection_is_a_server_unavailable_error(error: httpx.TransportError) -> None:
    with pytest.raises(ServerUnavailableError) as caught, server_errors(server_down_message(URL)):
        raise error
    assert str(caught.value) == f"{server_down_message(URL)} ({type(error).__name__})"
    assert caught.value.__cause__ is error


def test_the_embedded_store_and_other_errors_pass_through() -> None:
    with pytest.raises(httpx.ConnectError), server_errors(""):
        raise httpx.ConnectError("refused")
    with pytest.raises(ValueError), server_errors(server_down_message(URL)):
        raise ValueError("not a transport error")
