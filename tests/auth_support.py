"""What the sign-in tests share: two users in two groups, each with a document of their own holding a word found
nowhere else, beside the public corpus; and a signed-in server on a free loopback port."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings
from support import CORPUS, serving

from assistant.apps.chat import Chat, web_app
from assistant.auth.access import Access
from assistant.auth.audit import AuditLog
from assistant.auth.scope import Scopes
from assistant.auth.throttle import Throttle
from assistant.auth.users import UsersFile
from assistant.core import Assistant
from assistant.settings import Settings

PASSWORDS = {"an": "geheim-wachtwoord-an", "bert": "geheim-wachtwoord-bert"}
GROUPS = {"an": ["kabinet"], "bert": ["financien"]}
# The word in an's document and in no other: the trace the other user must never see.
SECRET_WORD = "zwaluwstaartverbinding"
# A group's document has its id under the collection's name (ingest/collection.py).
SECRET_ID = "kabinet/kab-nota-zwaluwstaart"
SECRET_AGENCY = "Kabinet Testzaken"
SECRET = f"""---
id: {SECRET_ID.split("/")[1]}
title: "Nota over de {SECRET_WORD}"
agency: "{SECRET_AGENCY}"
agency_short: "KTZ"
---
## Vraag

Hoe staat het met de {SECRET_WORD} in het kabinet?

## Antwoord

De {SECRET_WORD} is klaar. {SECRET_AGENCY} meet de klanttevredenheid over de {SECRET_WORD} met een
bevraging bij 37 respondenten: 91 procent is tevreden.
"""
BERT_WORD = "pelikaanbegroting"
BERT_ID = "financien/fin-nota-pelikaan"
BERT = f"""---
id: {BERT_ID.split("/")[1]}
title: "Nota over de {BERT_WORD}"
agency: "Financien Testdienst"
agency_short: "FTD"
---
## Antwoord

De {BERT_WORD} is goedgekeurd na een bevraging bij 12 respondenten.
"""


def write_documents(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kabinet.md").write_text(SECRET, encoding="utf-8")
    (folder / "financien.md").write_text(BERT, encoding="utf-8")
    return folder / "kabinet.md", folder / "financien.md"


def build_index(folder: Path, embedder: Embeddings) -> Assistant:
    """The corpus in `openbaar`, an's document in `kabinet`, bert's in `financien`."""
    secret, bert = write_documents(folder / "docs")
    assistant = Assistant.open(Settings(index_dir=folder / "index", default_index=False), embedder=embedder,
                               create=True)
    assistant.ingest([CORPUS])
    assistant.ingest([secret], collection="kabinet")
    assistant.ingest([bert], collection="financien")
    return assistant


def write_users(path: Path) -> UsersFile:
    users = UsersFile(path)
    for name, password in PASSWORDS.items():
        users.add(name, GROUPS[name], password)
    return users


@dataclass
class Server:
    url: str
    chat: Chat
    access: Access
    audit: AuditLog
    users: UsersFile


@contextmanager
def signed_in_server(assistant: Assistant, folder: Path, throttle: Throttle | None = None) -> Iterator[Server]:
    """The chat and the API with sign-in, in a uvicorn thread on a free loopback port."""

    users = UsersFile(folder / "users.json") if (folder / "users.json").exists() else write_users(folder / "users.json")
    access = Access(users, throttle or Throttle())
    audit = AuditLog(folder / "audit.sqlite3")
    chat = Chat(assistant, export_dir=folder / "exports", scopes=Scopes(assistant, users), audit=audit)
    try:
        with serving(web_app(chat, access)) as base:
            yield Server(base, chat, access, audit, users)
    finally:
        audit.close()
