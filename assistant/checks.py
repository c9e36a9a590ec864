"""Checks of values a user gives, shared by the CLI, the chat, the API and the settings."""
from __future__ import annotations

from .errors import AssistantError, InputError

MAX_K = 50  # most passages (ask) or documents (similar) one question may ask for


def check_k(k: int, error: type[AssistantError] = InputError) -> int:
    """k itself when it is between 1 and MAX_K; otherwise `error` saying so."""
    if not 1 <= k <= MAX_K:
        raise error(f"k must be between 1 and {MAX_K}, not {k}")
    return k
