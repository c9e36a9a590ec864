"""Errors a user can act on. Anything else is a bug and keeps its traceback.

    AssistantError
     +-- SettingsError        a setting has a value it cannot have
     +-- InputError           the question or a path is unusable (empty, too long, unreadable)
     +-- IndexMissingError    no index where one was asked for
     +-- IndexMismatchError   the index was built with other model or chunking settings
     +-- ModelNotFoundError   the embedding model is not on disk
     +-- LoadError            a file could not be read as a document
     +-- ServerUnavailableError  the Chroma server does not answer
     +-- ModelError           the generative model refused the request (bad name, key, address)
"""
from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message says what happened and what to do next."""


class SettingsError(AssistantError):
    pass


class InputError(AssistantError):
    pass


class IndexMissingError(AssistantError):
    pass


class IndexMismatchError(AssistantError):
    def __init__(self, message: str, changed: str = "") -> None:
        super().__init__(message)
        self.changed = changed  # "chunker: index has 2, settings say 3"


class ModelNotFoundError(AssistantError):
    pass


class LoadError(AssistantError):
    pass


class ServerUnavailableError(AssistantError):
    pass


class ModelError(AssistantError):
    pass
