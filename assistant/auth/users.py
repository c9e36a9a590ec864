"""Users, their groups and their API tokens, in one JSON file that only its owner may read or write.

A password is kept only as an argon2id hash (argon2-cffi's defaults: 64 MiB, 3 passes). An API token is 32
random bytes, shown once and kept as its SHA-256: a guess at 256 bits needs no slow hash to be out of reach,
and a request's token is then checked in a dictionary look-up instead of 50 ms of argon2.

    {"users": {"an": {"password": "$argon2id$...", "groups": ["kabinet"], "tokens": ["9f86d0..."]}}}

The file is read again whenever it changes on disk, so `users remove` or `users revoke-tokens` takes effect
on a running server at its next request.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..errors import AssistantError
from ..ingest.collection import PUBLIC_COLLECTION, check_collection

USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 8
TOKEN_PREFIX = "pqa_"  # makes a leaked token easy to recognise in a file or a log
_HASHER = PasswordHasher()
# A hash to verify against when the name is unknown, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


class UsersError(AssistantError):
    """The users file or a users command's input is wrong; the message says what to do."""


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...]
    password_hash: str = ""
    token_hashes: tuple[str, ...] = ()

    @property
    def collections(self) -> frozenset[str]:
        """What this user may see: the public collection and one collection per group."""
        return frozenset((PUBLIC_COLLECTION, *self.groups))


def check_user_name(name: str) -> str:
    if not USER_NAME.fullmatch(name or ""):
        raise UsersError(f"ongeldige gebruikersnaam {name!r}: gebruik kleine letters, cijfers, '.', '-' en '_'")
    return name


def check_group(name: str) -> str:
    try:
        return check_collection(name)
    except AssistantError as exc:
        raise UsersError(str(exc).replace("collectienaam", "groepsnaam")) from exc


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"het wachtwoord is te kort: minstens {MIN_PASSWORD} tekens")
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UsersFile:
    """The users file at `path`: read (and checked) on use, written whole and atomically, mode 0600."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._users: dict[str, User] = {}
        self._by_token: dict[str, str] = {}

    # -- reading ---------------------------------------------------------------------------------

    def users(self) -> dict[str, User]:
        """Name -> User, read again when the file changed since the last read."""
        with self._lock:
            try:
                info = self.path.stat()
            except FileNotFoundError:
                raise UsersError(f"geen gebruikersbestand {self.path}; maak het met "
                                 f"`python -m assistant users add NAAM --group GROEP --users {self.path}`") from None
            if self._seen != (info.st_mtime_ns, info.st_size):
                self._users = self._read(info)
                self._by_token = {h: u.name for u in self._users.values() for h in u.token_hashes}
                self._seen = (info.st_mtime_ns, info.st_size)
            return dict(self._users)

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; None otherwise (an unknown name costs the same time)."""
        user = self.users().get(name)
        matched = password_matches(user.password_hash if user else "", password)
        return user if matched and user is not None else None

    def user_for_token(self, token: str) -> User | None:
        users = self.users()
        name = self._by_token.get(token_hash(token))
        return users.get(name) if name else None

    def _read(self, info: os.stat_result) -> dict[str, User]:
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise UsersError(f"{self.path} is leesbaar of schrijfbaar voor anderen "
                             f"(rechten {stat.S_IMODE(info.st_mode):o}); maak het privé: chmod 600 {self.path}")
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: User(check_user_name(name), tuple(entry["groups"]), str(entry["password"]),
                               tuple(entry.get("tokens", ())))
                    for name, entry in data["users"].items()}
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsersError(f"{self.path} is geen leesbaar gebruikersbestand ({exc.__class__.__name__}); "
                             "herstel het of begin een nieuw met `users add`") from None

    # -- writing ---------------------------------------------------------------------------------

    def add(self, name: str, groups: list[str], password: str) -> User:
        check_user_name(name)
        if not groups:
            raise UsersError("geef minstens één groep: --group GROEP")
        groups = list(dict.fromkeys(check_group(g) for g in groups))
        users = self.users() if self.path.exists() else {}
        if name in users:
            raise UsersError(f"gebruiker {name!r} bestaat al; verwijder hem eerst met `users remove {name}`")
        user = User(name, tuple(groups), hash_password(password))
        self._write({**users, name: user})
        return user

    def remove(self, name: str) -> None:
        users = self._existing(name)
        del users[name]
        self._write(users)

    def new_token(self, name: str) -> str:
        """A new API token for the user; only its hash is kept."""
        users = self._existing(name)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        users[name] = replace(users[name], token_hashes=(*users[name].token_hashes, token_hash(token)))
        self._write(users)
        return token

    def revoke_tokens(self, name: str) -> int:
        """Revoke all the user's API tokens; returns how many there were."""
        users = self._existing(name)
        count = len(users[name].token_hashes)
        users[name] = replace(users[name], token_hashes=())
        self._write(users)
        return count

    def _existing(self, name: str) -> dict[str, User]:
        users = self.users()
        if name not in users:
            known = ", ".join(sorted(users)) or "geen"
            raise UsersError(f"geen gebruiker {name!r} in {self.path} (wel: {known})")
        return users

    def _write(self, users: dict[str, User]) -> None:
        data = {"users": {u.name: {"password": u.password_hash, "groups": list(u.groups),
                                   "tokens": list(u.token_hashes)}
                          for u in sorted(users.values(), key=lambda u: u.name)}}
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, ensure_ascii=False)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise UsersError(f"kan {self.path} niet schrijven: {exc.strerror or exc.__class__.__name__}") from None
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
